/**
 * Rules written in `q` (SPEC §8, §10) instead of LogQL: an `expr` that starts with `q:`.
 *
 *   expr: 'q: _time:5m level:error | stats count() as n by (service) | n:>10'
 *   expr: 'q: _time:10m service:api | new_patterns'
 *
 * - A stats query: the filter's `_time:<d>` is the window it counts over, ending at the evaluation
 *   time; each row of the result is one sample (one alert of an alerting rule, one series of a
 *   recording rule), its `by` fields the labels and its value the column the last condition after
 *   `stats` compares (`n` above), or the first result of `stats` when there is no condition.
 * - `| new_patterns`: the templates (patterns/) first seen within the window among the entries that
 *   match the filter, one sample each with labels `pattern_id`, `service` and `template`, and the
 *   number of matching entries in the window as the value.
 *
 * Both run through the same `q` compiler as `/api/query` (query/search/pipeline.ts); a `q` that does
 * not parse or compile is refused with the position in `expr`.
 */
import { MAX_ROWS } from '../query/search/pipes.js'
import { compilePipeline, compileQuery } from '../query/search/index.js'
import { parseQuery } from '../query/search/parser.js'
import { SearchSyntaxError, type Clause, type Pipeline, type SearchQuery, type Stage } from '../query/search/ir.js'
import { Params, queries } from '../store/index.js'
import { DEFAULT_TENANT } from '../model/tenant.js'

export const Q_PREFIX = /^\s*q:\s*/

export type QRule =
  | {
      kind: 'stats'
      pipeline: Pipeline
      windowMs: number
      /** The `by` fields, as (field, label name). */
      labels: { field: string; label: string }[]
      /** The column whose value is the sample's. */
      value: string
    }
  | { kind: 'new_patterns'; filter: SearchQuery; windowMs: number }

/** Whether `expr` is written in `q` (else LogQL). */
export const isQExpr = (expr: string): boolean => Q_PREFIX.test(expr)

/** A field name as a Prometheus label name (`http.status` → `http_status`). */
export const labelName = (field: string): string => {
  const l = field.replace(/[^a-zA-Z0-9_]/g, '_')
  return /^[a-zA-Z_]/.test(l) ? l : `_${l}`
}

const NEW_PATTERNS = /\|\s*new_patterns\s*$/

/** The error at a position of the `q` text, moved to its position in `expr`. */
function at(offset: number, err: unknown): never {
  if (err instanceof SearchSyntaxError) throw new SearchSyntaxError(err.position + offset, err.problem)
  throw err
}

/** Takes the window out of the filter: the smallest top-level `_time:<d>`. */
function window(filter: SearchQuery, offset: number): { filter: SearchQuery; windowMs: number } {
  const times = filter.clauses.filter((c): c is Extract<Clause, { kind: 'time' }> => c.kind === 'time' && !c.negate)
  if (!times.length)
    throw new SearchSyntaxError(
      offset,
      'a q rule counts over a window ending at the evaluation time: put _time:<duration> (like _time:5m) in its filter',
    )
  return { filter: { clauses: filter.clauses.filter((c) => !times.includes(c as never)) }, windowMs: Math.min(...times.map((t) => t.ms)) }
}

/**
 * Parses and compiles the `q` of an `expr` that starts with `q:`; throws a SearchSyntaxError whose
 * position is in `expr`.
 */
export function compileQRule(expr: string): QRule {
  const offset = (Q_PREFIX.exec(expr)?.[0] ?? '').length
  const q = expr.slice(offset)
  const np = NEW_PATTERNS.exec(q)
  const text = np ? q.slice(0, np.index) : q
  let pl: Pipeline
  try {
    pl = parseQuery(text)
  } catch (err) {
    at(offset, err)
  }
  const { filter, windowMs } = window(pl.filter, offset)
  if (np) {
    const stage = pl.stages[0]
    if (stage) throw new SearchSyntaxError(offset + stage.at, 'new_patterns takes a filter only: no pipe may come before it')
    try {
      compileQuery(filter)?.(new Params())
    } catch (err) {
      at(offset, err)
    }
    return { kind: 'new_patterns', filter, windowMs }
  }
  const stats = pl.stages.findIndex((s) => s.kind === 'stats')
  const st = pl.stages[stats] as Extract<Stage, { kind: 'stats' }> | undefined
  if (!st)
    throw new SearchSyntaxError(
      offset + text.length,
      'a q rule is a stats query (| stats count() as n by (service) | n:>10) or ends in | new_patterns',
    )
  for (const [i, s] of pl.stages.entries()) {
    if (i < stats && !['filter', 'json', 'logfmt', 'extract'].includes(s.kind))
      throw new SearchSyntaxError(offset + s.at, `${s.kind} before stats: a q rule's stats reads entries (filters, json, logfmt, extract)`)
    if (i > stats && !['filter', 'sort', 'limit'].includes(s.kind))
      throw new SearchSyntaxError(offset + s.at, `${s.kind} after stats: a q rule's rows are the stats result, with conditions (| n:>10)`)
  }
  for (const k of st.by)
    if (k.bucketMs !== undefined)
      throw new SearchSyntaxError(offset + k.at, 'a q rule has one value per label set: group by fields, not _time buckets')
  const aggs = new Set(st.aggs.map((a) => a.name))
  let value = st.aggs[0]?.name as string
  const conditions = pl.stages.slice(stats + 1).filter((s) => s.kind === 'filter')
  const last = conditions[conditions.length - 1]
  const compared = last?.clauses.find((c) => c.kind === 'compare' && aggs.has(c.key))
  if (compared?.kind === 'compare') value = compared.key
  const pipeline = { filter, stages: pl.stages }
  // Compiled once here, so that an unknown field or a bad function is refused when the rule is written.
  try {
    const p = new Params()
    compilePipeline(pipeline, 'logs', queries.whereClause({ tenant: DEFAULT_TENANT, search: compileQuery(filter) }, p), p, MAX_ROWS)
  } catch (err) {
    at(offset, err)
  }
  return { kind: 'stats', pipeline, windowMs, labels: st.by.map((k) => ({ field: k.name, label: labelName(k.name) })), value }
}
