/**
 * LogQL metric expressions (ir.ts `MetricExpr`) compiled to one ClickHouse SELECT whose rows are
 * `(t Int64 nanoseconds, labels Map(String, String), v Float64)`: one value per series per step.
 * The engine does all the work — windows, range functions, aggregations, binary operators — and
 * only the points leave it (the caller shapes them into a matrix or a vector).
 *
 * Windows: the steps are `start + k·step` for k in 0..n; the value at step t covers entries with
 * t − range < timestamp ≤ t (Prometheus' and Loki's left-open window). Each entry is sent to every
 * step whose window holds it (`arrayJoin` over its k's), so a range longer than the step costs
 * range/step rows per entry, and grouping does the rest.
 */
import type { Params, ScopedSql, ScopedWhere, SearchCompiler } from '../../store/index.js'
import { numberOf } from './compile.js'
import { SearchSyntaxError, type Grouping, type MetricExpr, type RangeFn } from './ir.js'
import { COLUMN_LABELS, labelSql, logSearch, type RowSql } from './labels.js'

/** The steps of a query, in nanoseconds since the epoch. */
export interface Steps {
  start: bigint
  end: bigint
  step: bigint
}

/** Reads the table under the conditions of a log pipeline: store/queries.ts `whereClause` (one tenant's rows) in the end. */
export type WhereFn = (search: SearchCompiler, from: bigint, to: bigint, p: Params) => ScopedWhere

export interface SeriesContext {
  table: string
  steps: Steps
  where: WhereFn
  p: Params
}

/** Range functions whose values add up, so `sum by (x)` of them can group while counting. */
const ADDITIVE: readonly RangeFn[] = ['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'sum_over_time']

const ns = (ctx: SeriesContext, v: bigint) => ctx.p.add('Int64', v.toString())

/** The number of the last step (0 for an instant query). */
const lastStep = (s: Steps) => (s.end - s.start) / s.step

/** Names that `by (...)` may use for a label stored under another (Loki 3 and Grafana write both). */
const ALIASES: Readonly<Record<string, string>> = { detected_level: 'level', service: 'service_name' }

/** A label set reduced by `by (...)` / `without (...)`. */
function groupLabels(labels: string, g: Grouping | undefined, p: Params): string {
  if (!g) return labels
  for (const name of g.without ? [] : g.labels) {
    const src = ALIASES[name]
    if (src) labels = `mapUpdate(${labels}, mapFilter((k, v) -> v != '', map(${p.add('String', name)}, ${labels}[${p.add('String', src)}])))`
  }
  const names = p.add('Array(String)', g.labels)
  return `mapFilter((k, v) -> ${g.without ? 'NOT ' : ''}has(${names}, k), ${labels})`
}

/**
 * The SELECT of `e`. The table is read only in `rangeSql`, under a WHERE from `ctx.where`, so the whole
 * query reads one tenant's rows; checked here: as many reads of the table as scoped WHEREs, each present.
 */
export function compileSeries(e: MetricExpr, ctx: SeriesContext): ScopedSql {
  const wheres: string[] = []
  const sql = seriesSql(e, {
    ...ctx,
    where: (search, from, to, p) => {
      const w = ctx.where(search, from, to, p)
      wheres.push(w)
      return w
    },
  })
  const reads = sql.split(`FROM ${ctx.table}`).length - 1
  if (reads !== wheres.length || !wheres.every((w) => sql.includes(w))) throw new Error('a metric query read the table outside its tenant')
  return sql as ScopedSql
}

function seriesSql(e: MetricExpr, ctx: SeriesContext): string {
  switch (e.kind) {
    case 'range':
      return rangeSql(e, ctx, e.grouping)
    case 'vector':
    case 'scalar':
      return `SELECT toInt64(${ns(ctx, ctx.steps.start)} + toInt64(number) * ${ns(ctx, ctx.steps.step)}) AS t, CAST(map(), 'Map(String, String)') AS labels,
        toFloat64(${ctx.p.add('Float64', e.value)}) AS v FROM numbers(${ctx.p.add('UInt64', (lastStep(ctx.steps) + 1n).toString())})`
    case 'aggregate':
      return aggregateSql(e, ctx)
    case 'binary':
      return binarySql(e, ctx)
  }
}

type RangeExpr = Extract<MetricExpr, { kind: 'range' }>

function rangeSql(e: RangeExpr, ctx: SeriesContext, grouping: Grouping | undefined): string {
  const { p, steps } = ctx
  const range = BigInt(e.rangeMs) * 1_000_000n
  let row: RowSql | undefined
  const search = logSearch(e.log, (r) => (row = r))
  const where = ctx.where(search, steps.start - range, steps.end, p)
  const r = row as unknown as RowSql
  const ts = 'toUnixTimestamp64Nano(timestamp)'
  const S = ns(ctx, steps.start)
  const STEP = ns(ctx, steps.step)
  const kmin = `greatest(0, intDiv(${ts} - ${S} + ${STEP} - 1, ${STEP}))`
  const kmax = `least(${ns(ctx, lastStep(steps))}, intDiv(${ts} + ${ns(ctx, range)} - ${S} + ${STEP} - 1, ${STEP}) - 1)`
  let labels = r.labels
  let x = '1'
  if (e.unwrap) {
    const f = labelSql({ ...r, columns: false }, e.unwrap.label, p)
    const n = numberOf(f, e.unwrap.conv === 'bytes' ? 'size' : e.unwrap.conv, p, 0, e.unwrap.label)
    x = e.unwrap.conv === 'duration' ? `(${n}) / 1000` : n
    // The unwrapped label is the value now, not a label of the series (as in Loki).
    labels = `mapFilter((k, v) -> k != ${p.add('String', e.unwrap.label)}, ${labels})`
  } else if (e.fn === 'bytes_over_time' || e.fn === 'bytes_rate') x = `length(${r.line})`
  const seconds = p.add('Float64', e.rangeMs / 1000)
  const agg = rangeAgg(e, seconds)
  // A window as long as the step (the log-volume query's [$__auto]) holds each entry at one step only.
  const k = range === steps.step ? kmin : 'k'
  const join = range === steps.step ? '' : `ARRAY JOIN range(toUInt64(${kmin}), toUInt64(greatest(${kmin}, ${kmax} + 1))) AS k`
  const keys = columnKeys(e, r, grouping)
  const group = keys
    ? { select: keys.map((c, i) => `${c} AS g${i}`).join(', '), by: keys.map((_c, i) => `g${i}`).join(', '), labels: columnMap(grouping as Grouping, p) }
    : { select: `${groupLabels(labels, grouping, p)} AS labels`, by: 'labels', labels: 'labels' }
  const inner = `SELECT ${S} + toInt64(${k}) * ${STEP} AS t, ${group.select}, toFloat64(${x}) AS x, timestamp AS ts FROM ${ctx.table} ${join} ${where}`
  const sql = `SELECT t, ${group.labels} AS labels, toFloat64(${agg}) AS v FROM (${inner}) GROUP BY t${group.by ? `, ${group.by}` : ''} HAVING isNotNull(v)`
  if (e.fn !== 'absent_over_time') return sql
  // 1 at the steps where nothing matched, labelled by the selector's equality matchers (as Loki).
  const eq = e.log.filter.clauses.flatMap((c) => (c.kind === 'attr' && !c.negate && c.value !== undefined ? [[c.key, c.value]] : []))
  return `SELECT toInt64(${S} + toInt64(number) * ${STEP}) AS t, CAST(mapFromArrays(${p.add('Array(String)', eq.map((x) => x[0]))}, ${p.add('Array(String)', eq.map((x) => x[1]))}), 'Map(String, String)') AS labels, toFloat64(1) AS v
    FROM numbers(${p.add('UInt64', (lastStep(steps) + 1n).toString())}) WHERE t NOT IN (SELECT t FROM (${sql}))`
}

/**
 * Grouped only by service and level with nothing that changes labels (the log-volume query), a range
 * function groups by those columns themselves, without building label maps or reading the attributes.
 */
function columnKeys(e: RangeExpr, r: RowSql, g: Grouping | undefined): string[] | undefined {
  const columnsOnly = g && !g.without && r.columns && !e.unwrap && e.log.stages.every((s) => s.kind === 'filter')
  if (!columnsOnly || !g.labels.every((l) => COLUMN_LABELS[l])) return undefined
  return g.labels.map((l) => COLUMN_LABELS[l] as string)
}

/** The labels of a column grouping, from its keys g0, g1, ... */
function columnMap(g: Grouping, p: Params): string {
  const pairs = g.labels.map((l, i) => `${p.add('String', l)}, toString(g${i})`)
  return pairs.length ? `map(${pairs.join(', ')})` : "CAST(map(), 'Map(String, String)')"
}

function rangeAgg(e: RangeExpr, seconds: string): string {
  switch (e.fn) {
    case 'count_over_time':
    case 'absent_over_time':
      return 'count()'
    case 'rate':
      return `count() / ${seconds}`
    case 'bytes_over_time':
    case 'sum_over_time':
      return 'sum(x)'
    case 'bytes_rate':
      return `sum(x) / ${seconds}`
    case 'avg_over_time':
      return 'avg(x)'
    case 'min_over_time':
      return 'min(x)'
    case 'max_over_time':
      return 'max(x)'
    case 'stddev_over_time':
      return 'stddevPop(x)'
    case 'stdvar_over_time':
      return 'varPop(x)'
    case 'first_over_time':
      return 'argMin(x, ts)'
    case 'last_over_time':
      return 'argMax(x, ts)'
    case 'quantile_over_time':
      // The level is a number the translator checked (0..1), as a literal: the engine takes no parameter there.
      return `quantile(${String(e.param ?? 0.5)})(x)`
  }
}

function aggregateSql(e: Extract<MetricExpr, { kind: 'aggregate' }>, ctx: SeriesContext): string {
  const { p } = ctx
  const child = e.expr
  // `sum by (level) (count_over_time(...))`: group while counting, without the per-series step in between.
  const inner =
    e.op === 'sum' && e.grouping && child.kind === 'range' && !child.grouping && ADDITIVE.includes(child.fn) && !child.unwrap
      ? rangeSql(child, ctx, e.grouping)
      : seriesSql(child, ctx)
  const labels = groupLabels('labels', e.grouping ?? { without: false, labels: [] }, p)
  switch (e.op) {
    case 'sort':
    case 'sort_desc':
      return inner // ordering is the shape of the answer, done when it is written
    case 'topk':
    case 'bottomk': {
      const k = Math.trunc(e.param ?? 1)
      const by = e.grouping ? `, ${labels}` : ''
      // k is an integer the translator checked, written as a literal (LIMIT BY takes no parameter).
      return `SELECT t, labels, v FROM (${inner}) ORDER BY t, v ${e.op === 'topk' ? 'DESC' : 'ASC'} LIMIT ${k} BY t${by}`
    }
    default: {
      const fn = { sum: 'sum(v)', avg: 'avg(v)', min: 'min(v)', max: 'max(v)', count: 'toFloat64(count())', stddev: 'stddevPop(v)', stdvar: 'varPop(v)' }[e.op]
      return `SELECT t, ${labels} AS labels, toFloat64(${fn}) AS v FROM (${inner}) GROUP BY t, labels`
    }
  }
}

const COMPARISON = ['==', '!=', '>', '>=', '<', '<=']

function binarySql(e: Extract<MetricExpr, { kind: 'binary' }>, ctx: SeriesContext): string {
  const op = (a: string, b: string) => {
    switch (e.op) {
      case '^':
        return `pow(${a}, ${b})`
      case '%':
        return `${a} - ${b} * trunc(${a} / ${b})`
      case '==':
        return `${a} = ${b}`
      default:
        return `${a} ${e.op} ${b}`
    }
  }
  const cmp = COMPARISON.includes(e.op)
  const scalar = (x: MetricExpr) => (x.kind === 'scalar' ? ctx.p.add('Float64', x.value) : undefined)
  const ls = scalar(e.left)
  const rs = scalar(e.right)
  if (ls !== undefined && rs !== undefined) throw new SearchSyntaxError(0, 'an operation between two scalars is folded by the translator')
  if (ls !== undefined || rs !== undefined) {
    const side = seriesSql(ls !== undefined ? e.right : e.left, ctx)
    const expr = ls !== undefined ? op(ls, 'v') : op('v', rs as string)
    if (!cmp) return `SELECT t, labels, toFloat64(${expr}) AS v FROM (${side})`
    return e.bool ? `SELECT t, labels, toFloat64(${expr}) AS v FROM (${side})` : `SELECT t, labels, v FROM (${side}) WHERE ${expr}`
  }
  // Between vectors: one-to-one on identical label sets at the same step.
  const key = "arrayStringConcat(arraySort(arrayMap((k, v) -> concat(k, '\\0', v), mapKeys(labels), mapValues(labels))), '\\1')"
  const l = seriesSql(e.left, ctx)
  const r = seriesSql(e.right, ctx)
  const both = `(SELECT t, labels, v, ${key} AS key FROM (${l})) AS a INNER JOIN (SELECT t, v, ${key} AS key FROM (${r})) AS b ON a.t = b.t AND a.key = b.key`
  const expr = op('a.v', 'b.v')
  if (!cmp) return `SELECT a.t AS t, a.labels AS labels, toFloat64(${expr}) AS v FROM ${both}`
  return e.bool
    ? `SELECT a.t AS t, a.labels AS labels, toFloat64(${expr}) AS v FROM ${both}`
    : `SELECT a.t AS t, a.labels AS labels, a.v AS v FROM ${both} WHERE ${expr}`
}
