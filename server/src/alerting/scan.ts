/**
 * One scan for many rules. The engine's cost of a rule's query is mostly planning (~7 ms a read of
 * the table, more for each nested SELECT), not reading: a 5-minute window of 10 M entries is read
 * and grouped in a few tens of milliseconds. Most alerting rules count entries of a window, summed
 * by columns:
 *
 *   sum by (service) (count_over_time({service_name="api", level="error"}[5m])) > 100
 *   sum(count_over_time({service_name="api"} |= "refused" [5m])) > 10
 *   sum by (level) (rate({service_name="api"}[5m]))
 *   q: _time:5m service:api level:error | stats count() as n by (service) | n:>100
 *
 * Those of one tenant, window and instant are answered by one GROUP BY over the window: by service,
 * level and one flag per distinct filter (the selector and filters, compiled as the rule's own query
 * compiles them: query/search/labels.ts for LogQL, compile.ts for q), counting entries and bytes.
 * Each rule then sums the rows of its flag by its labels, divides by the window for rate, and keeps
 * what its comparison keeps, as its own SQL (series.ts, qrun.ts) does: counts are integers, summed
 * exactly in any order, and a rate is divided once per series in both (test/alerting/scan.test.ts
 * checks the answers are equal). Any other rule runs as before (service.ts `groupQuery`).
 */
import { MAX_QUERY_MEMORY_BYTES } from '../query/analytics.js'
import type { MetricExpr, RangeFn } from '../query/search/ir.js'
import { compileQuery } from '../query/search/index.js'
import { COLUMN_LABELS, logSearch } from '../query/search/labels.js'
import { scopedWhere } from '../loki/run.js'
import { fromEpochMs } from '../model/index.js'
import { Params, queries, type SearchCompiler } from '../store/index.js'
import type { Sample } from './evaluator.js'
import type { QRule } from './qrule.js'
type Cmp = '==' | '!=' | '>' | '>=' | '<' | '<='

/** What a rule that one scan can answer needs from it. */
export interface ScanShape {
  /** Rules of one window (its length, and whether it is a LogQL or a `q` one) share a scan. */
  window: string
  rangeMs: number
  /** The time range as `q` reads it ([at - window, at + 1 ms)), else as LogQL ([at - range, at] in ns). */
  q: boolean
  /** The entries it counts, as its own query compiles them; `key` tells equal ones apart. */
  search: SearchCompiler | undefined
  key: string
  /** The series' labels: (label name, column). */
  labels: [string, 'service' | 'level'][]
  /** Divided by the window's seconds (rate, bytes_rate). */
  perSecond: boolean
  bytes: boolean
  /** With no label, no entry is one series of 0 (a q `stats` without `by`), not none (LogQL). */
  zero: boolean
  cmp?: { op: Cmp; value: number }
}

const COUNTS: readonly RangeFn[] = ['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate']
const CMP: readonly string[] = ['==', '!=', '>', '>=', '<', '<=']

/**
 * The shape of a LogQL `e` if one scan can answer it: `sum [by (service|service_name|level|detected_level, ...)]`
 * of count_over_time, rate, bytes_over_time or bytes_rate over a selector with line and label filters
 * only (no parser, no label_format), optionally compared with a number (`> 10`, not `> bool 10`).
 * A rate summed without `by` is not (series.ts adds its per-stream rates, rounded apart).
 */
export function scanShape(e: MetricExpr): ScanShape | undefined {
  let cmp: ScanShape['cmp']
  if (e.kind === 'binary') {
    if (!CMP.includes(e.op) || e.bool || e.right.kind !== 'scalar' || e.left.kind === 'scalar') return undefined
    cmp = { op: e.op as Cmp, value: e.right.value }
    e = e.left
  }
  if (e.kind !== 'aggregate' || e.op !== 'sum' || e.grouping?.without) return undefined
  const r = e.expr
  if (r.kind !== 'range' || r.grouping || r.unwrap || !COUNTS.includes(r.fn)) return undefined
  if (!r.log.stages.every((s) => s.kind === 'filter')) return undefined
  const perSecond = r.fn === 'rate' || r.fn === 'bytes_rate'
  if (perSecond && !e.grouping) return undefined
  const names = e.grouping?.labels ?? []
  if (!names.every((l) => COLUMN_LABELS[l])) return undefined
  const log = r.log
  return {
    window: `logql:${r.rangeMs}`,
    rangeMs: r.rangeMs,
    q: false,
    search: logSearch(log, () => {}),
    key: JSON.stringify(log),
    labels: [...new Set(names)].map((l) => [l, COLUMN_LABELS[l] as 'service' | 'level']),
    perSecond,
    bytes: r.fn === 'bytes_over_time' || r.fn === 'bytes_rate',
    zero: false,
    cmp,
  }
}

/**
 * The shape of a `q` rule if one scan can answer it: `<filter> | stats count() as n [by (service, level)]`,
 * optionally followed by one condition on the count (`| n:>10`).
 */
export function qScanShape(rule: QRule): ScanShape | undefined {
  if (rule.kind !== 'stats') return undefined
  const [stats, cond, ...more] = rule.pipeline.stages
  if (stats?.kind !== 'stats' || more.length) return undefined
  const agg = stats.aggs[0]
  if (stats.aggs.length !== 1 || agg?.fn !== 'count' || agg.field) return undefined
  if (!stats.by.every((k) => (k.name === 'service' || k.name === 'level') && k.bucketMs === undefined)) return undefined
  let cmp: ScanShape['cmp']
  if (cond) {
    const c = cond.kind === 'filter' && cond.clauses.length === 1 ? cond.clauses[0] : undefined
    if (c?.kind !== 'compare' || c.negate || c.key !== agg.name) return undefined
    cmp = { op: c.op === '=' ? '==' : c.op, value: c.value }
  }
  const filter = rule.pipeline.filter
  return {
    window: `q:${rule.windowMs}`,
    rangeMs: rule.windowMs,
    q: true,
    search: compileQuery(filter),
    key: JSON.stringify(filter),
    labels: rule.labels.map((l) => [l.label, l.field as 'service' | 'level']),
    perSecond: false,
    bytes: false,
    zero: rule.labels.length === 0,
    cmp,
  }
}

const compare = (op: Cmp, a: number, b: number): boolean => {
  switch (op) {
    case '==':
      return a === b
    case '!=':
      return a !== b
    case '>':
      return a > b
    case '>=':
      return a >= b
    case '<':
      return a < b
    case '<=':
      return a <= b
  }
}

/**
 * Answers `shapes` (all with the same window) at `atMs` in one query over `ctx`'s tenant: one list
 * of samples per shape, in order.
 */
export async function runScan(ctx: queries.QueryContext, shapes: readonly ScanShape[], atMs: number): Promise<Sample[][]> {
  const first = shapes[0]
  if (!first) return []
  if (shapes.some((s) => s.window !== first.window)) throw new Error('a scan answers rules of one window')
  const rangeMs = first.rangeMs
  const p = new Params()
  // One flag per distinct filter.
  const flags = new Map<string, number>()
  const conditions: string[] = []
  const flagOf = shapes.map((s) => {
    let i = flags.get(s.key)
    if (i === undefined) {
      flags.set(s.key, (i = conditions.length))
      conditions.push(s.search?.(p) ?? '1')
    }
    return i
  })
  const bytes = shapes.some((s) => s.bytes)
  const any = () => conditions.map((c) => `(${c})`).join(' OR ')
  // The window of the rules' own queries: series.ts's instant query reads (at - range, at] as
  // [at - range, at] in nanoseconds; a q rule [at - window, at + 1 ms) (qrun.ts).
  const at = BigInt(atMs) * 1_000_000n
  const where = first.q
    ? queries.whereClause({ tenant: ctx.tenant, from: fromEpochMs(atMs - rangeMs), to: fromEpochMs(atMs + 1), search: any }, p)
    : scopedWhere(ctx)(any, at - BigInt(rangeMs) * 1_000_000n, at, p)
  const sql = queries.scopedSql(where, (w) => {
    const fs = conditions.map((c, i) => `(${c}) AS f${i}`).join(', ')
    const keys = conditions.map((_c, i) => `f${i}`).join(', ')
    return `SELECT toString(service) AS s, toString(level) AS l, ${fs}, count() AS c${bytes ? ', sum(length(message)) AS b' : ''}
      FROM ${ctx.table} ${w} GROUP BY s, l, ${keys}`
  })
  const res = await queries.table(ctx, sql, p, MAX_QUERY_MEMORY_BYTES)
  const n = conditions.length
  const rows = (res.data as unknown[][]).map((row) => ({
    service: String(row[0]),
    level: String(row[1]),
    flags: row.slice(2, 2 + n).map((f) => Number(f) !== 0),
    count: Number(row[2 + n]),
    bytes: bytes ? Number(row[3 + n]) : 0,
  }))
  const seconds = rangeMs / 1000
  return shapes.map((s, i) => {
    const f = flagOf[i] as number
    const series = new Map<string, { labels: Record<string, string>; v: number }>()
    for (const row of rows) {
      if (!row.flags[f]) continue
      const labels: Record<string, string> = {}
      for (const [name, col] of s.labels) if (row[col] !== '') labels[name] = row[col]
      const key = JSON.stringify(s.labels.map(([name]) => labels[name] ?? ''))
      const x = series.get(key)
      const v = s.bytes ? row.bytes : row.count
      if (x) x.v += v
      else series.set(key, { labels, v })
    }
    if (s.zero && series.size === 0) series.set('', { labels: {}, v: 0 })
    const out: Sample[] = []
    for (const { labels, v } of series.values()) {
      const value = s.perSecond ? v / seconds : v
      if (s.cmp && !compare(s.cmp.op, value, s.cmp.value)) continue
      const sorted: Record<string, string> = {}
      for (const k of Object.keys(labels).sort()) sorted[k] = labels[k] as string
      out.push({ labels: sorted, value })
    }
    return out
  })
}
