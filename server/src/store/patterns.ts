/**
 * Patterns in the store: the templates the miners write (the `patterns` table, migration 4) and the
 * counts of the entries that carry each `pattern_id` (the logs table). A template is written again
 * each time it changes or is seen later; reads fold its rows (several workers, several writes) into
 * one: the newest text, the earliest first_seen, the latest last_seen, the first sample.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { PatternSummary } from '@oglogstream/shared'
import { fromClickHouse, toApi, toClickHouse } from '../model/index.js'
import type { PatternRecord } from '../patterns/index.js'
import { Params } from './params.js'
import { scopedSql, whereClause, type Conditions, type QueryContext, type ScopedSql } from './queries.js'

// Aliases apart from the column names: the engine would read `last_seen` in argMax as the alias.
const FOLD = `tenant, service, pattern_id, argMax(template, last_seen) AS tpl, toString(min(first_seen)) AS first,
  toString(max(last_seen)) AS last, argMin(sample, first_seen) AS smp`

interface Folded {
  tenant: string
  service: string
  pattern_id: string
  tpl: string
  first: string
  last: string
  smp: string
}

const fromStored = (r: Folded): PatternRecord => ({
  tenant: r.tenant,
  service: r.service,
  pattern_id: r.pattern_id,
  template: r.tpl,
  first_seen: fromClickHouse(r.first),
  last_seen: fromClickHouse(r.last),
  sample: r.smp,
})

export class PatternTable {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly table: string,
  ) {}

  /** Writes templates (new or changed); writing one again is harmless. */
  async save(records: readonly PatternRecord[]): Promise<void> {
    if (!records.length) return
    await this.client.insert({
      table: this.table,
      values: records.map((r) => ({ ...r, first_seen: toClickHouse(r.first_seen), last_seen: toClickHouse(r.last_seen) })),
      format: 'JSONEachRow',
    })
  }

  /** Every stored template (for a miner starting up, or catching up with other workers). */
  async load(): Promise<PatternRecord[]> {
    const rs = await this.client.query({ query: `SELECT ${FOLD} FROM ${this.table} GROUP BY tenant, service, pattern_id`, format: 'JSONEachRow' })
    return (await rs.json<Folded>()).map(fromStored)
  }
}

/**
 * "First seen in [from, to)" (`to` open: from on), as a HAVING condition over a GROUP BY of the
 * templates table: a template's first_seen is the earliest over its rows (all workers' writes) and
 * over all time, however rare it is in the range. `/api/patterns?new=true` and alert rules on a new
 * pattern (alerting/qrule.ts) both read it here.
 */
function firstSeenIn(p: Params, from: string, to?: string): string {
  const after = `min(first_seen) >= ${p.add("DateTime64(9, 'UTC')", toClickHouse(from))}`
  return to === undefined ? after : `${after} AND min(first_seen) < ${p.add("DateTime64(9, 'UTC')", toClickHouse(to))}`
}

export interface PatternListOptions {
  limit: number
  /** Width of a sparkline bucket. */
  intervalMs: number
  /** Range of the buckets (the filter's, or the matching entries' span). */
  from: string
  to: string
  /** Only the templates first seen at or after this canonical timestamp ("new in this range"). */
  firstSeenFrom?: string
}

/**
 * The templates of the entries matching `f`, most frequent first: each with its count in `f`, its
 * buckets over [from, to) and its stored text, first/last seen and sample.
 */
export async function listPatterns(ctx: QueryContext, patternTable: string, f: Conditions, o: PatternListOptions): Promise<PatternSummary[]> {
  const p = new Params()
  // New in the range: the tenant's templates first seen (over all time) at or after its start.
  const fresh = o.firstSeenFrom
    ? ` AND pattern_id IN (SELECT pattern_id FROM ${patternTable} ${whereClause({ tenant: ctx.tenant }, p)}
      GROUP BY pattern_id HAVING ${firstSeenIn(p, o.firstSeenFrom)})`
    : ''
  const counted = scopedSql(
    whereClause({ ...f, tenant: ctx.tenant }, p),
    (w) => `SELECT pattern_id, count() AS c FROM ${ctx.table} ${w} AND pattern_id != ''${fresh}
    GROUP BY pattern_id ORDER BY c DESC, pattern_id LIMIT ${p.add('UInt32', o.limit)}`,
  )
  const top = await rows<{ pattern_id: string; c: string | number }>(ctx, counted, p)
  if (!top.length) return []
  const ids = top.map((r) => r.pattern_id)

  const bp = new Params()
  const step = o.intervalMs % 1000 === 0 ? `INTERVAL ${bp.add('UInt32', o.intervalMs / 1000)} SECOND` : `INTERVAL ${bp.add('UInt32', o.intervalMs)} MILLISECOND`
  const bucketSql = scopedSql(whereClause({ ...f, from: o.from, to: o.to, tenant: ctx.tenant }, bp), (w) => {
    const idList = bp.add('Array(String)', ids)
    return `SELECT pattern_id, toString(toStartOfInterval(timestamp, ${step})) AS b, count() AS c
    FROM ${ctx.table} ${w} AND pattern_id IN ${idList} GROUP BY pattern_id, b ORDER BY b`
  })
  // The templates table has the tenant column too: the same WHERE keeps one tenant's templates.
  const tp = new Params()
  const tplSql = scopedSql(
    whereClause({ tenant: ctx.tenant }, tp),
    (w) => `SELECT ${FOLD} FROM ${patternTable} ${w} AND pattern_id IN ${tp.add('Array(String)', ids)} GROUP BY tenant, service, pattern_id`,
  )
  const [buckets, templates] = await Promise.all([
    rows<{ pattern_id: string; b: string; c: string | number }>(ctx, bucketSql, bp),
    rows<Folded>(ctx, tplSql, tp),
  ])
  const byId = new Map(templates.map((t) => [t.pattern_id, fromStored(t)]))
  const series = new Map<string, { time: string; count: number }[]>()
  for (const b of buckets) {
    let s = series.get(b.pattern_id)
    if (!s) series.set(b.pattern_id, (s = []))
    s.push({ time: toApi(fromClickHouse(b.b)), count: Number(b.c) })
  }
  return top.map((r) => {
    const t = byId.get(r.pattern_id)
    return {
      pattern_id: r.pattern_id,
      service: t?.service ?? '',
      template: t?.template ?? '',
      count: Number(r.c),
      first_seen: t ? toApi(t.first_seen) : '',
      last_seen: t ? toApi(t.last_seen) : '',
      sample: t?.sample ?? '',
      buckets: series.get(r.pattern_id) ?? [],
    }
  })
}

/**
 * The templates of the context's tenant first seen in [from, to) (alert rules on a new pattern,
 * alerting/qrule.ts), at most `limit`, oldest first.
 */
export async function patternsFirstSeen(
  ctx: QueryContext,
  patternTable: string,
  from: string,
  to: string,
  limit: number,
): Promise<PatternRecord[]> {
  const p = new Params()
  const sql = scopedSql(
    whereClause({ tenant: ctx.tenant }, p),
    (w) => `SELECT ${FOLD} FROM ${patternTable} ${w} GROUP BY tenant, service, pattern_id
    HAVING ${firstSeenIn(p, from, to)} ORDER BY first, pattern_id LIMIT ${p.add('UInt32', limit)}`,
  )
  return (await rows<Folded>(ctx, sql, p)).map(fromStored)
}

async function rows<T>(ctx: QueryContext, query: ScopedSql, p: Params): Promise<T[]> {
  const rs = await ctx.client.query({
    query,
    query_params: p.values,
    format: 'JSONEachRow',
    clickhouse_settings: { max_execution_time: Math.max(0.001, ctx.timeoutMs / 1000), timeout_overflow_mode: 'throw', max_memory_usage: '0' },
    abort_signal: ctx.signal,
  })
  return rs.json<T>()
}
