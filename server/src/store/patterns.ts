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
import { splitRange, type UnitSplit } from './time-split.js'
import { scopedSql, unitParts, whereClause, wrapScoped, type Conditions, type QueryContext, type ScopedSql } from './queries.js'

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

const HOUR_MS = 3_600_000

/** `unitParts` over whole hours (`pattern_hours`), for the entries of `f` (no search, no level; its services). */
function hourParts(ctx: QueryContext, p: Params, f: Conditions, split: UnitSplit, select: (hourly: boolean) => string, where: string, groupBy: string): ScopedSql[] {
  return unitParts(ctx, p, { tenant: ctx.tenant, services: f.services }, split, 'toStartOfHour(timestamp)', select, where, groupBy)
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
  /**
   * Engine settings of the reads of entries (tests: `optimize_use_projections: 0` for the count from
   * the entries alone, `force_optimize_projection: 1` to prove the per-hour counts are read).
   */
  engineSettings?: Record<string, string | number>
}

type Counted = { pattern_id: string; total: number }[]
type Bucketed = { pattern_id: string; time: string; count: number }[]

/** `AND pattern_id IN (...)`: the tenant's templates first seen (over all time) at or after `from` ("new in the range"). */
function freshSql(ctx: QueryContext, patternTable: string, p: Params, from: string | undefined): string {
  return from
    ? ` AND pattern_id IN (SELECT pattern_id FROM ${patternTable} ${whereClause({ tenant: ctx.tenant }, p)}
      GROUP BY pattern_id HAVING ${firstSeenIn(p, from)})`
    : ''
}

const stepOf = (p: Params, ms: number) => (ms % 1000 === 0 ? `INTERVAL ${p.add('UInt32', ms / 1000)} SECOND` : `INTERVAL ${p.add('UInt32', ms)} MILLISECOND`)
const bucketTime = (b: string) => toApi(fromClickHouse(b))

/**
 * The templates of the entries matching `f`, most frequent first: each with its count in `f`, its
 * buckets over [from, to) and its stored text, first/last seen and sample. Without a search or a
 * level filter, whole hours are counted from the per-hour counts (`hourParts`), with exactly the
 * same result as counting the entries; otherwise (and for sub-hour sparkline buckets) the entries
 * are counted.
 */
export async function listPatterns(ctx: QueryContext, patternTable: string, f: Conditions, o: PatternListOptions): Promise<PatternSummary[]> {
  const plain = !f.search && !f.levels?.length
  const countSplit = plain ? splitRange('hour', f.from, f.to) : undefined
  // The route's usual request (a range over ~15 h, not on hours): counts and hourly buckets over the same range.
  const once = countSplit && countSplit.edges.length > 0 && o.intervalMs % HOUR_MS === 0 && f.from === o.from && f.to === o.to
  const { top, buckets: pending } = once ? await countEdgesOnce(ctx, patternTable, f, o, countSplit) : await countApart(ctx, patternTable, f, o, plain, countSplit)
  if (!top.length) return []
  const ids = top.map((r) => r.pattern_id)
  // The templates table has the tenant column too: the same WHERE keeps one tenant's templates.
  const tp = new Params()
  const tplSql = scopedSql(
    whereClause({ tenant: ctx.tenant }, tp),
    (w) => `SELECT ${FOLD} FROM ${patternTable} ${w} AND pattern_id IN ${tp.add('Array(String)', ids)} GROUP BY tenant, service, pattern_id`,
  )
  const [buckets, templates] = await Promise.all([
    pending,
    // (a test's force_optimize_projection stays on the embedded engine's one session: not for templates)
    rows<Folded>(ctx, tplSql, tp, o.engineSettings && { force_optimize_projection: 0 }),
  ])
  const byId = new Map(templates.map((t) => [t.pattern_id, fromStored(t)]))
  const series = new Map<string, { time: string; count: number }[]>()
  for (const b of buckets) {
    let s = series.get(b.pattern_id)
    if (!s) series.set(b.pattern_id, (s = []))
    s.push({ time: b.time, count: b.count })
  }
  return top.map((r) => {
    const t = byId.get(r.pattern_id)
    return {
      pattern_id: r.pattern_id,
      service: t?.service ?? '',
      template: t?.template ?? '',
      count: r.total,
      first_seen: t ? toApi(t.first_seen) : '',
      last_seen: t ? toApi(t.last_seen) : '',
      sample: t?.sample ?? '',
      buckets: series.get(r.pattern_id) ?? [],
    }
  })
}

/**
 * Counts, then the buckets of the top templates: each a query of its own (the partial hours read by
 * both). The buckets' query is started, not awaited: the templates' runs beside it.
 */
async function countApart(
  ctx: QueryContext,
  patternTable: string,
  f: Conditions,
  o: PatternListOptions,
  plain: boolean,
  countSplit: UnitSplit | undefined,
): Promise<{ top: Counted; buckets: Promise<Bucketed> }> {
  const p = new Params()
  const fresh = freshSql(ctx, patternTable, p, o.firstSeenFrom)
  const counted = countSplit
    ? wrapScoped(
        hourParts(ctx, p, f, countSplit, () => 'pattern_id, count() AS c', ` AND pattern_id != ''${fresh}`, 'pattern_id'),
        (...parts) => `SELECT pattern_id, sum(c) AS total FROM (${parts.join(' UNION ALL ')})
        GROUP BY pattern_id ORDER BY total DESC, pattern_id LIMIT ${p.add('UInt32', o.limit)}`,
      )
    : scopedSql(
        whereClause({ ...f, tenant: ctx.tenant }, p),
        (w) => `SELECT pattern_id, count() AS total FROM ${ctx.table} ${w} AND pattern_id != ''${fresh}
    GROUP BY pattern_id ORDER BY total DESC, pattern_id LIMIT ${p.add('UInt32', o.limit)}`,
      )
  const top = (await rows<{ pattern_id: string; total: string | number }>(ctx, counted, p, o.engineSettings)).map((r) => ({ pattern_id: r.pattern_id, total: Number(r.total) }))
  if (!top.length) return { top, buckets: Promise.resolve([]) }

  const bp = new Params()
  const stepSql = stepOf(bp, o.intervalMs)
  const idList = bp.add('Array(String)', top.map((r) => r.pattern_id))
  // Buckets of whole hours are sums of hours (the step's boundaries are hours: epoch-aligned multiples).
  const bucketSplit = plain && o.intervalMs % HOUR_MS === 0 ? splitRange('hour', o.from, o.to) : undefined
  const bucketSql = bucketSplit
    ? wrapScoped(
        hourParts(
          ctx,
          bp,
          { services: f.services },
          bucketSplit,
          (hourly) => `pattern_id, toDateTime64(toStartOfInterval(${hourly ? 'toStartOfHour(timestamp)' : 'timestamp'}, ${stepSql}), 9, 'UTC') AS b, count() AS c`,
          ` AND pattern_id IN ${idList}`,
          'pattern_id, b',
        ),
        (...parts) => `SELECT pattern_id, toString(b) AS b, sum(c) AS c FROM (${parts.join(' UNION ALL ')}) GROUP BY pattern_id, b ORDER BY b`,
      )
    : scopedSql(
        whereClause({ ...f, from: o.from, to: o.to, tenant: ctx.tenant }, bp),
        (w) => `SELECT pattern_id, toString(toStartOfInterval(timestamp, ${stepSql})) AS b, count() AS c
    FROM ${ctx.table} ${w} AND pattern_id IN ${idList} GROUP BY pattern_id, b ORDER BY b`,
      )
  const buckets = rows<{ pattern_id: string; b: string; c: string | number }>(ctx, bucketSql, bp, o.engineSettings).then((bs) =>
    bs.map((b) => ({ pattern_id: b.pattern_id, time: bucketTime(b.b), count: Number(b.c) })),
  )
  return { top, buckets }
}

/**
 * Counts and hourly buckets over one range with partial hours at its ends: the entries of the partial
 * hours are read once, by template (each partial hour lies in one bucket, since buckets are whole
 * hours), beside every template's count over the whole hours; the sums, the top and the buckets are
 * put together here, and only the top templates' hourly buckets are read again (from the per-hour
 * counts). Reading the partial hours is most of the cost (the sort key is (tenant, service, timestamp),
 * so even a short range reads about one granule per service), and `countApart` reads them twice.
 */
async function countEdgesOnce(
  ctx: QueryContext,
  patternTable: string,
  f: Conditions,
  o: PatternListOptions,
  split: UnitSplit,
): Promise<{ top: Counted; buckets: Promise<Bucketed> }> {
  // One SELECT per partial hour, by template alone (a GROUP BY on the bucket too cost a third more): the
  // bucket of each is the one its start falls in, epoch-aligned like toStartOfInterval's.
  const ep = new Params()
  const edgeFresh = freshSql(ctx, patternTable, ep, o.firstSeenFrom)
  const edgeParts = split.edges.map((e, i) =>
    scopedSql(
      whereClause({ tenant: ctx.tenant, services: f.services, from: e.from, to: e.to }, ep),
      (w) => `SELECT ${i} AS e, pattern_id, count() AS c FROM ${ctx.table} ${w} AND pattern_id != ''${edgeFresh} GROUP BY pattern_id`,
    ),
  )
  const edgeSql = wrapScoped(edgeParts, (...parts) => parts.join(' UNION ALL '))
  const edgeBucket = split.edges.map((e) => {
    const ms = Date.parse(`${e.from.slice(0, 23)}Z`)
    return new Date(Math.floor(ms / o.intervalMs) * o.intervalMs).toISOString()
  })
  const hp = new Params()
  const hourFresh = freshSql(ctx, patternTable, hp, o.firstSeenFrom)
  const [hoursSql] = hourParts(ctx, hp, f, { whole: split.whole, edges: [] }, () => 'pattern_id, count() AS c', ` AND pattern_id != ''${hourFresh}`, 'pattern_id')
  const [edgeRows, hourRows] = await Promise.all([
    rows<{ e: number; pattern_id: string; c: string | number }>(ctx, edgeSql, ep, o.engineSettings),
    rows<{ pattern_id: string; c: string | number }>(ctx, hoursSql as ScopedSql, hp, o.engineSettings),
  ])
  const totals = new Map<string, number>()
  for (const r of hourRows) totals.set(r.pattern_id, Number(r.c))
  for (const r of edgeRows) totals.set(r.pattern_id, (totals.get(r.pattern_id) ?? 0) + Number(r.c))
  // The engine's order: count descending, then pattern_id by its bytes (ids are ASCII, so as strings here).
  const top = [...totals]
    .map(([pattern_id, total]) => ({ pattern_id, total }))
    .sort((a, b) => b.total - a.total || (a.pattern_id < b.pattern_id ? -1 : a.pattern_id > b.pattern_id ? 1 : 0))
    .slice(0, o.limit)
  if (!top.length) return { top, buckets: Promise.resolve([]) }

  const bp = new Params()
  const [bucketSql] = hourParts(
    ctx,
    bp,
    f,
    { whole: split.whole, edges: [] },
    () => `pattern_id, toString(toStartOfInterval(toStartOfHour(timestamp), ${stepOf(bp, o.intervalMs)})) AS b, count() AS c`,
    ` AND pattern_id IN ${bp.add('Array(String)', top.map((r) => r.pattern_id))}`,
    'pattern_id, b',
  )
  const inTop = new Set(top.map((r) => r.pattern_id))
  const sums = new Map<string, Map<string, number>>()
  const add = (id: string, time: string, c: string | number) => {
    let s = sums.get(id)
    if (!s) sums.set(id, (s = new Map()))
    s.set(time, (s.get(time) ?? 0) + Number(c))
  }
  const buckets = rows<{ pattern_id: string; b: string; c: string | number }>(ctx, bucketSql as ScopedSql, bp, o.engineSettings).then((hourly) => {
    for (const r of hourly) add(r.pattern_id, bucketTime(r.b), r.c)
    for (const r of edgeRows) if (inTop.has(r.pattern_id)) add(r.pattern_id, edgeBucket[Number(r.e)] as string, r.c)
    const out: Bucketed = []
    for (const [pattern_id, s] of sums) for (const [time, count] of [...s].sort(([a], [b]) => (a < b ? -1 : 1))) out.push({ pattern_id, time, count })
    return out
  })
  return { top, buckets }
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

async function rows<T>(ctx: QueryContext, query: ScopedSql, p: Params, extra: Record<string, string | number> = {}): Promise<T[]> {
  const rs = await ctx.client.query({
    query,
    query_params: p.values,
    format: 'JSONEachRow',
    clickhouse_settings: { max_execution_time: Math.max(0.001, ctx.timeoutMs / 1000), timeout_overflow_mode: 'throw', max_memory_usage: '0', ...extra },
    abort_signal: ctx.signal,
  })
  return rs.json<T>()
}
