/**
 * Runs a `q` rule (qrule.ts) at one instant for one tenant, through the same compiler and runner as
 * `GET /api/query` (query/analytics.ts): the window [at - window, at] as its time range.
 */
import { runPipeline } from '../query/analytics.js'
import type { Stage } from '../query/search/ir.js'
import { MAX_SERIES } from '../loki/run.js'
import { fromEpochMs } from '../model/index.js'
import { queries, type Params, type ScopedSql, type Store } from '../store/index.js'
import { compilePipeline, compileQuery, quoteName } from '../query/search/index.js'
import type { Sample } from './evaluator.js'
import type { QRule } from './qrule.js'

/** The time range of an evaluation at `atMs`: the window before it, its end inclusive as a LogQL instant query's. */
const range = (rule: QRule, atMs: number) => ({ from: fromEpochMs(atMs - rule.windowMs) as string, to: fromEpochMs(atMs + 1) as string })

/**
 * A q stats rule as one part of a group's batch (service.ts `groupQuery`): its pipeline compiled as
 * `/api/query` compiles it, wrapped into rows of (labels, v), the shape of a LogQL series at one step.
 */
export function qBatchPart(ctx: queries.QueryContext, rule: Extract<QRule, { kind: 'stats' }>, atMs: number, p: Params): ScopedSql {
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

const tooMany = () => new Error(`maximum number of series (${MAX_SERIES}) reached for a single query`)

export async function runQRule(store: Store, ctx: queries.QueryContext, rule: QRule, atMs: number): Promise<Sample[]> {
  const { from, to } = range(rule, atMs)
  if (rule.kind === 'stats') {
    const r = await runPipeline(ctx, { from, to }, rule.pipeline, MAX_SERIES)
    if (r.truncated) throw tooMany()
    const col = (name: string) => r.columns.findIndex((c) => c.name === name)
    const v = col(rule.value)
    const ls = rule.labels.map((l) => ({ ...l, i: col(l.field) }))
    return r.rows.map((row) => {
      const labels: Record<string, string> = {}
      for (const l of ls) {
        const x = row[l.i]
        if (x !== null && x !== undefined && x !== '') labels[l.label] = String(x)
      }
      const value = row[v]
      return { labels, value: value === null || value === undefined ? NaN : Number(value) }
    })
  }
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
