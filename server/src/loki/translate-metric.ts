/**
 * LogQL queries, log or metric, from Grafana's syntax tree into the query IR (ir.ts `LogPipeline`
 * and `MetricExpr`): range functions, vector aggregations with by/without, binary operators and
 * comparisons (a scalar operation is folded here). Anything outside the subset is a 400 naming it.
 */
import type { SyntaxNode } from '@lezer/common'
import type { BinaryOp, Grouping, LogPipeline, MetricExpr, RangeFn, VectorOp } from '../query/search/ir.js'
import { children, durationMs, LogqlError, parseLogql, type Source } from './logql.js'
import { labelFilter, logExpr, logPipeline, pipeline } from './translate.js'

export type Translated = { kind: 'log'; log: LogPipeline } | { kind: 'metric'; expr: MetricExpr }

const RANGE_FNS: Record<string, RangeFn> = {
  CountOverTime: 'count_over_time',
  Rate: 'rate',
  BytesOverTime: 'bytes_over_time',
  BytesRate: 'bytes_rate',
  SumOverTime: 'sum_over_time',
  AvgOverTime: 'avg_over_time',
  MinOverTime: 'min_over_time',
  MaxOverTime: 'max_over_time',
  StddevOverTime: 'stddev_over_time',
  StdvarOverTime: 'stdvar_over_time',
  QuantileOverTime: 'quantile_over_time',
  FirstOverTime: 'first_over_time',
  LastOverTime: 'last_over_time',
  AbsentOverTime: 'absent_over_time',
}
const WITHOUT_UNWRAP: readonly RangeFn[] = ['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'absent_over_time']

const VECTOR_OPS: Record<string, VectorOp> = {
  Sum: 'sum',
  Avg: 'avg',
  Min: 'min',
  Max: 'max',
  Count: 'count',
  Stddev: 'stddev',
  Stdvar: 'stdvar',
  Topk: 'topk',
  Bottomk: 'bottomk',
  Sort: 'sort',
  Sort_Desc: 'sort_desc',
}

const BINARY_OPS: Record<string, BinaryOp> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Gte: '>=',
  Lss: '<',
  Lte: '<=',
}

/** The longest range and the most steps a query may ask for (Loki's own defaults are 30 d / 11,000). */
export const MAX_RANGE_MS = 30 * 86_400_000

export function translate(q: string): Translated {
  const { root, src } = parseLogql(q)
  const log = root.getChild('LogExpr')
  if (log) return { kind: 'log', log: logExpr(src, log) }
  return { kind: 'metric', expr: metric(src, root.getChild('MetricExpr') ?? src.unsupported(root)) }
}

function grouping(src: Source, n: SyntaxNode | null): Grouping | undefined {
  if (!n) return undefined
  const labels: string[] = []
  const walk = (l: SyntaxNode | null) => {
    for (const c of l ? children(l) : []) {
      if (c.name === 'Labels') walk(c)
      else if (c.name === 'Identifier') labels.push(src.text(c))
    }
  }
  walk(n.getChild('Labels'))
  return { without: !!n.getChild('Without'), labels }
}

function number(src: Source, n: SyntaxNode): number {
  const v = Number(src.text(n).replace(/\s+/g, ''))
  if (!Number.isFinite(v)) src.fail(n, `invalid number ${src.text(n).slice(0, 30)}`)
  return v
}

function metric(src: Source, n: SyntaxNode): MetricExpr {
  const c = n.firstChild ?? src.unsupported(n)
  switch (c.name) {
    case 'MetricExpr':
      return metric(src, c)
    case 'RangeAggregationExpr':
      return range(src, c)
    case 'VectorAggregationExpr': {
      const opNode = c.getChild('VectorOp')?.firstChild ?? src.unsupported(c)
      const op = VECTOR_OPS[opNode.name] ?? src.unsupported(opNode)
      const inner = c.getChild('MetricExpr') ?? src.fail(c, `${op} takes a metric expression, not a log query`)
      const param = c.getChild('Number')
      const k = param ? number(src, param) : undefined
      if ((op === 'topk' || op === 'bottomk') && (k === undefined || !Number.isInteger(k) || k < 1))
        src.fail(param ?? c, `parameter ${param ? src.text(param) : ''} must be a positive integer for ${op}`)
      const g = grouping(src, c.getChild('Grouping'))
      return { kind: 'aggregate', op, ...(k === undefined ? {} : { param: k }), ...(g ? { grouping: g } : {}), expr: metric(src, inner) }
    }
    case 'BinOpExpr':
      return binary(src, c)
    case 'LiteralExpr':
      return { kind: 'scalar', value: number(src, c) }
    case 'VectorExpr':
      return { kind: 'vector', value: number(src, c.getChild('Number') ?? src.unsupported(c)) }
    case 'LabelReplaceExpr':
      return src.unsupported(c, 'label_replace()')
    default:
      return src.unsupported(c)
  }
}

function range(src: Source, n: SyntaxNode): MetricExpr {
  const opNode = n.getChild('RangeOp')?.firstChild ?? src.unsupported(n)
  const fn = RANGE_FNS[opNode.name] ?? src.unsupported(opNode, src.text(opNode))
  let lr = n.getChild('LogRangeExpr') ?? src.unsupported(n)
  while (lr.getChild('LogRangeExpr')) lr = lr.getChild('LogRangeExpr') as SyntaxNode
  if (lr.getChild('OffsetExpr')) src.unsupported(lr.getChild('OffsetExpr') as SyntaxNode, 'offset')
  const rangeNode = lr.getChild('Range')?.getChild('Duration') ?? src.unsupported(lr)
  const rangeMs = durationMs(src.text(rangeNode)) ?? src.fail(rangeNode, `invalid duration ${src.text(rangeNode)}`)
  if (rangeMs < 1 || rangeMs > MAX_RANGE_MS) src.fail(rangeNode, `range [${src.text(rangeNode)}] is out of bounds: 1ms..30d`)
  let log: LogPipeline
  const sel = lr.getChild('Selector')
  if (sel) log = logPipeline(src, sel, pipeline(src, lr.getChild('PipelineExpr')))
  else log = logExpr(src, lr.getChild('LogExpr') ?? src.unsupported(lr))
  let unwrap: { label: string; conv: 'number' | 'duration' | 'bytes' } | undefined
  let u = lr.getChild('UnwrapExpr')
  if (u) {
    // `| unwrap x | filter ...`: nested UnwrapExpr nodes, the filters after it in order.
    const post: SyntaxNode[] = []
    while (u.getChild('UnwrapExpr')) {
      post.unshift(u)
      u = u.getChild('UnwrapExpr') as SyntaxNode
    }
    const conv = u.getChild('ConvOp')?.firstChild
    if (conv && conv.name !== 'BytesConv' && conv.name !== 'DurationConv' && conv.name !== 'DurationSecondsConv')
      src.unsupported(conv, `unwrap ${src.text(conv)}()`)
    const label = src.text(u.getChild('Identifier') ?? src.unsupported(u))
    unwrap = { label, conv: !conv ? 'number' : conv.name === 'BytesConv' ? 'bytes' : 'duration' }
    for (const p of post) {
      const f = p.getChild('LabelFilter') ?? src.unsupported(p)
      log = { ...log, stages: [...log.stages, { kind: 'filter', at: f.from, clauses: labelFilter(src, f) }] }
    }
  }
  if (unwrap && WITHOUT_UNWRAP.includes(fn)) src.fail(opNode, `invalid aggregation ${fn} with unwrap`)
  if (!unwrap && !WITHOUT_UNWRAP.includes(fn)) src.fail(opNode, `invalid aggregation ${fn} without unwrap`)
  const param = n.getChild('Number')
  let level: number | undefined
  if (fn === 'quantile_over_time') {
    level = param ? number(src, param) : src.fail(opNode, 'quantile_over_time takes a quantile: quantile_over_time(0.99, ...)')
    if (level < 0 || level > 1) src.fail(param as SyntaxNode, `quantile ${level} is out of range 0..1`)
  } else if (param) src.fail(param, `${fn} takes no parameter`)
  const g = grouping(src, n.getChild('Grouping'))
  if (g && WITHOUT_UNWRAP.includes(fn)) src.fail(n.getChild('Grouping') as SyntaxNode, `grouping not allowed for ${fn} aggregation`)
  return {
    kind: 'range',
    fn,
    rangeMs,
    log,
    ...(unwrap ? { unwrap } : {}),
    ...(level === undefined ? {} : { param: level }),
    ...(g ? { grouping: g } : {}),
  }
}

/** Binding strength (Loki's, as PromQL): `^` (right-associative), then `* / %`, then `+ -`, then comparisons. */
const PRECEDENCE: Record<BinaryOp, number> = { '^': 4, '*': 3, '/': 3, '%': 3, '+': 2, '-': 2, '==': 1, '!=': 1, '>': 1, '>=': 1, '<': 1, '<=': 1 }

interface Operator {
  op: BinaryOp
  bool: boolean
}

/** The BinOpExpr directly under an operand, when it is not in parentheses. */
const bareBinary = (e: SyntaxNode) => {
  const m = e.getChild('MetricExpr')
  return m?.firstChild?.name === 'BinOpExpr' ? m.firstChild : undefined
}

/**
 * The grammar nests a chain of operators without their precedence (`2 * 3 + 1` comes as
 * `2 * (3 + 1)`): the chain is flattened into operands and operators, then rebuilt by precedence.
 */
function binary(src: Source, n: SyntaxNode): MetricExpr {
  const operands: SyntaxNode[] = []
  const ops: Operator[] = []
  const flatten = (b: SyntaxNode) => {
    const exprs = b.getChildren('Expr')
    const opNode = children(b).find((c) => c.name !== 'Expr' && c.name !== 'BinOpModifier') ?? src.unsupported(b)
    const op = BINARY_OPS[opNode.name] ?? src.unsupported(opNode, `the ${src.text(opNode)} operator`)
    const mod = b.getChild('BinOpModifier')
    if (mod?.getChild('OnOrIgnoringModifier')) src.unsupported(mod, 'on()/ignoring() vector matching')
    for (const [i, e] of exprs.entries()) {
      const inner = bareBinary(e)
      if (inner) flatten(inner)
      else operands.push(e)
      if (i === 0) ops.push({ op, bool: !!mod?.getChild('Bool') })
    }
  }
  flatten(n)
  const side = (e: SyntaxNode): MetricExpr => {
    if (e.getChild('LogExpr')) src.fail(e, 'unexpected log query in a binary operation: a range function such as count_over_time is needed')
    return metric(src, e.getChild('MetricExpr') ?? src.unsupported(e))
  }
  const values = operands.map(side)
  // Precedence climbing over the flat chain.
  let i = 0
  const parse = (minPrec: number): MetricExpr => {
    let left = values[i] as MetricExpr
    while (i < ops.length && PRECEDENCE[(ops[i] as Operator).op] >= minPrec) {
      const o = ops[i] as Operator
      const prec = PRECEDENCE[o.op]
      i++
      const right = parse(o.op === '^' ? prec : prec + 1)
      left = combine(o, left, right)
    }
    return left
  }
  return parse(1)
}

function combine({ op, bool }: Operator, left: MetricExpr, right: MetricExpr): MetricExpr {
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    if (PRECEDENCE[op] === 1 && !bool) throw new LogqlError('comparisons between scalars must use BOOL modifier')
    return { kind: 'scalar', value: fold(op, left.value, right.value) }
  }
  return { kind: 'binary', op, bool, left, right }
}

function fold(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    case '/':
      return a / b
    case '%':
      return a % b
    case '^':
      return a ** b
    default: {
      const t = { '==': a === b, '!=': a !== b, '>': a > b, '>=': a >= b, '<': a < b, '<=': a <= b }[op]
      return t ? 1 : 0
    }
  }
}
