/**
 * Runs a `q` rule (qrule.ts) at one instant for one tenant, through the same compiler as
 * `GET /api/query` (query/search/pipeline.ts): the window [at - window, at] as its time range. A stats
 * rule has one SELECT, run alone or in a round's batch; `| new_patterns` reads the templates first.
 */
import { MAX_QUERY_MEMORY_BYTES, runPipeline } from '../query/analytics.js'
import type { Stage } from '../query/search/ir.js'
import { MAX_SERIES } from '../loki/run.js'
import { fromEpochMs } from '../model/index.js'
import { Params, queries, type ScopedSql, type Store } from '../store/index.js'
import { compilePipeline, compileQuery, quoteName } from '../query/search/index.js'
import type { Sample } from './evaluator.js'
import type { QRule } from './qrule.js'

/** The time range of an evaluation at `atMs`: the window before it, its end inclusive as a LogQL instant query's. */
const range = (rule: QRule, atMs: number) => ({ from: fromEpochMs(atMs - rule.windowMs) as string, to: fromEpochMs(atMs + 1) as string })

/**
 * A q stats rule's SELECT, alone (`runQRule`) or as one part of a round's batch (service.ts
 * `groupQuery`): its pipeline compiled as `/api/query` compiles it, wrapped into rows of (labels, v),
 * the shape of a LogQL series at one step.
 */
export function qStatsSql(ctx: queries.QueryContext, rule: Extract<QRule, { kind: 'stats' }>, atMs: number, p: Params): ScopedSql {
  const where = queries.whereClause({ tenant: ctx.tenant, ...range(rule, atMs), search: compileQuery(rule.pipeline.filter) }, p)
  const c = compilePipeline(rule.pipeline, ctx.table, where, p, MAX_SERIES)
  // Label names are checked names ([a-zA-Z0-9_]), written as literals.
  const labels = rule.labels.map((l) => `'${l.label}', ifNull(toString(${quoteName(l.field)}), '')`).join(', ')
  return queries.wrapScoped(
    [c.sql],
    (sql) =>
      `SELECT CAST(map(${labels}), 'Map(String, String)') AS labels, toFloat64(ifNull(${quoteName(rule.value)}, nan)) AS v FROM (${sql})`,
  )
}

/** A row of (labels, v) as a sample: labels sorted by name, an empty value no label (as in Loki). */
export function toSample(labels: Record<string, string>, v: number | null): Sample {
  const l: Record<string, string> = {}
  for (const k of Object.keys(labels).sort()) if (labels[k]) l[k] = labels[k] as string
  return { labels: l, value: v === null ? NaN : Number(v) }
}

export const tooMany = () => new Error(`maximum number of series (${MAX_SERIES}) reached for a single query`)

export async function runQRule(store: Store, ctx: queries.QueryContext, rule: QRule, atMs: number): Promise<Sample[]> {
  if (rule.kind === 'stats') {
    const p = new Params()
    const r = await queries.table(ctx, qStatsSql(ctx, rule, atMs, p), p, MAX_QUERY_MEMORY_BYTES)
    if (r.data.length > MAX_SERIES) throw tooMany()
    return (r.data as [Record<string, string>, number | null][]).map(([labels, v]) => toSample(labels, v))
  }
  const { from, to } = range(rule, atMs)
  // New templates first, then the entries of the window that match the filter and carry one of them.
  const fresh = await store.patternsFirstSeen(ctx, from, to, MAX_SERIES + 1)
  if (fresh.length > MAX_SERIES) throw tooMany()
  if (!fresh.length) return []
  const stats: Stage = {
    kind: 'stats',
    at: 0,
    aggs: [{ fn: 'count', field: undefined, name: 'n', at: 0 }],
    by: [
      { name: 'pattern_id', at: 0 },
      { name: 'service', at: 0 },
    ],
  }
  const filter = { clauses: [...rule.filter.clauses, { kind: 'pattern' as const, negate: false, values: fresh.map((p) => p.pattern_id) }] }
  const r = await runPipeline(ctx, { from, to }, { filter, stages: [stats] }, MAX_SERIES)
  const byId = new Map(fresh.map((p) => [`${p.pattern_id}\n${p.service}`, p]))
  const out: Sample[] = []
  for (const [id, service, n] of r.rows as [string, string, number][]) {
    const p = byId.get(`${id}\n${service}`)
    if (p) out.push({ labels: { pattern_id: id, service, template: p.template }, value: Number(n) })
  }
  return out
}
