/**
 * One scan for many rules. The engine's cost of a rule's query is mostly planning (~7 ms a read of
 * the table, more for each nested SELECT), not reading: a 5-minute window of 10 M entries is read
 * and grouped in a few tens of milliseconds. Most alerting rules count entries of a window, summed
 * by columns:
 *
 *   sum by (service) (count_over_time({service_name="api", level="error"}[5m])) > 100
 *   sum(count_over_time({service_name="api"} |= "refused" [5m])) > 10
 *   sum by (level) (rate({service_name="api"}[5m]))
 *
 * Those of one tenant, window and instant are answered by one GROUP BY over the window: by service,
 * level and one flag per distinct log pipeline (its selector and filters, compiled as the rule's own
 * query compiles them, query/search/labels.ts), counting entries and bytes. Each rule then sums the
 * rows of its flag by its labels, divides by the window for rate, and keeps what its comparison
 * keeps, as series.ts's SQL does for that rule: counts are integers, summed exactly in any order, and
 * a rate is divided once per series in both (test/alerting/scan.test.ts checks the answers are equal).
 * Any other rule runs as before (service.ts `groupQuery`).
 */
import { MAX_QUERY_MEMORY_BYTES } from '../query/analytics.js'
import type { MetricExpr, RangeFn } from '../query/search/ir.js'
import { COLUMN_LABELS, logSearch } from '../query/search/labels.js'
import { scopedWhere } from '../loki/run.js'
import { Params, queries } from '../store/index.js'
import type { Sample } from './evaluator.js'

type RangeExpr = Extract<MetricExpr, { kind: 'range' }>
type Cmp = '==' | '!=' | '>' | '>=' | '<' | '<='

/** What a rule that one scan can answer needs from it. */
export interface ScanShape {
  range: RangeExpr
  /** The series' labels: (label name, column). */
  labels: [string, 'service' | 'level'][]
  /** Divided by the window's seconds (rate, bytes_rate). */
  perSecond: boolean
  bytes: boolean
  cmp?: { op: Cmp; value: number }
}

const COUNTS: readonly RangeFn[] = ['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate']
const CMP: readonly string[] = ['==', '!=', '>', '>=', '<', '<=']

/**
 * The shape of `e` if one scan can answer it: `sum [by (service|service_name|level|detected_level, ...)]`
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
  return {
    range: r,
    labels: [...new Set(names)].map((l) => [l, COLUMN_LABELS[l] as 'service' | 'level']),
    perSecond,
    bytes: r.fn === 'bytes_over_time' || r.fn === 'bytes_rate',
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
  const rangeMs = shapes[0]?.range.rangeMs
  if (rangeMs === undefined) return []
  if (shapes.some((s) => s.range.rangeMs !== rangeMs)) throw new Error('a scan answers rules of one window')
  const p = new Params()
  // One flag per distinct log pipeline.
  const flags = new Map<string, number>()
  const conditions: string[] = []
  const flagOf = shapes.map((s) => {
    const key = JSON.stringify(s.range.log)
    let i = flags.get(key)
    if (i === undefined) {
      flags.set(key, (i = conditions.length))
      conditions.push(logSearch(s.range.log, () => {})(p))
    }
    return i
  })
  const bytes = shapes.some((s) => s.bytes)
  const at = BigInt(atMs) * 1_000_000n
  // The window of series.ts's instant query: (at - range, at], read as [at - range, at] by its WHERE.
  const where = scopedWhere(ctx)(() => conditions.map((c) => `(${c})`).join(' OR '), at - BigInt(rangeMs) * 1_000_000n, at, p)
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
