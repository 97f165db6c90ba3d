/**
 * LogQL log queries (stream selector and pipeline) translated from Grafana's syntax tree into the
 * query IR (query/search/ir.ts): matchers, line filters and label filters become the same filter
 * clauses as `q`; parsers become the same `json`/`logfmt`/`extract` stages; `line_format`,
 * `label_format`, `drop` and `keep` are LogQL stages of the IR. Anything else is a 400 naming it.
 * Metric expressions: translate-metric.ts.
 */
import type { SyntaxNode } from '@lezer/common'
import type { Clause, LabelStage, LogPipeline, TemplatePart } from '../query/search/ir.js'
import { compileRegex, RegexProblem } from '../query/search/regex.js'
import type { CompareOp } from '../query/search/values.js'
import { bytesOf, children, durationMs, type Source } from './logql.js'
import { escapeRe, linePattern, patternStage, regexpStage, template } from './translate-text.js'

export function regexClause(src: Source, n: SyntaxNode, key: string | undefined, pattern: string, negate: boolean): Clause {
  try {
    const { js } = compileRegex(pattern)
    return { kind: 'regex', negate, key, pattern, js }
  } catch (err) {
    if (err instanceof RegexProblem) src.fail(n, `error parsing regexp: ${err.message}`)
    throw err
  }
}

/** `name op "value"` (selector or label filter). Label regexes are anchored, as in Loki. */
function matcher(src: Source, m: SyntaxNode): Clause[] {
  const [id, op, str] = children(m)
  if (!id || !op || !str || str.name !== 'String') return src.unsupported(m)
  const key = src.text(id)
  const value = src.string(str)
  switch (op.name) {
    case 'Eq':
      // `a=""` holds when the label is absent or empty.
      if (value === '') return [{ kind: 'or', negate: false, branches: [[{ kind: 'attr', negate: true, key, value: undefined }], [{ kind: 'attr', negate: false, key, value }]] }]
      return [{ kind: 'attr', negate: false, key, value }]
    case 'Neq':
      if (value === '') return [{ kind: 'attr', negate: false, key, value: undefined }, { kind: 'attr', negate: true, key, value: '' }]
      return [{ kind: 'attr', negate: true, key, value }]
    case 'Re':
    case 'Nre':
      return [regexClause(src, str, key, `^(?:${value})$`, op.name === 'Nre')]
    default:
      return src.unsupported(op)
  }
}

/** `{...}`: every matcher must hold; at least one must need a non-empty value (Loki's rule). */
export function selector(src: Source, sel: SyntaxNode): Clause[] {
  const ms: SyntaxNode[] = []
  const walk = (n: SyntaxNode) => {
    for (const c of children(n)) {
      if (c.name === 'Matcher') ms.push(c)
      else if (c.name === 'Matchers') walk(c)
    }
  }
  walk(sel)
  const clauses = ms.flatMap((m) => matcher(src, m))
  const nonEmpty = clauses.some(
    (c) => (c.kind === 'attr' && !c.negate && c.value !== undefined && c.value !== '') || (c.kind === 'regex' && !c.negate && !c.js.test('')),
  )
  if (!nonEmpty)
    src.fail(
      sel,
      'queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will',
    )
  return clauses
}

/** One `|= "a" or "b"` filter. */
function lineFilter(src: Source, f: SyntaxNode): Clause {
  const op = f.getChild('Filter')?.firstChild ?? src.unsupported(f)
  if (f.getChild('FilterOp')) src.unsupported(f.getChild('FilterOp') as SyntaxNode, 'the ip() line filter')
  const strings: SyntaxNode[] = []
  const walk = (n: SyntaxNode) => {
    for (const c of children(n)) {
      if (c.name === 'String') strings.push(c)
      else if (c.name === 'OrFilter') walk(c)
    }
  }
  walk(f)
  const negate = op.name === 'Neq' || op.name === 'Nre' || op.name === 'Npa'
  const one = (s: SyntaxNode): Clause => {
    const v = src.string(s)
    if (op.name === 'PipeMatch' || op.name === 'Nre') return regexClause(src, s, undefined, v, false)
    if (op.name === 'PipePattern' || op.name === 'Npa') return regexClause(src, s, undefined, linePattern(v), false)
    return regexClause(src, s, undefined, escapeRe(v) || '', false)
  }
  // An empty `|= ""` matches every line.
  const parts = strings.filter((s) => src.string(s) !== '' || op.name === 'PipeMatch' || op.name === 'Nre').map(one)
  if (!parts.length) return { kind: 'or', negate, branches: [[]] }
  if (parts.length === 1) return { ...(parts[0] as Clause), negate }
  return { kind: 'or', negate, branches: parts.map((c) => [c]) }
}

function lineFilters(src: Source, n: SyntaxNode): Clause[] {
  return children(n).flatMap((c) => (c.name === 'LineFilters' ? lineFilters(src, c) : c.name === 'LineFilter' ? [lineFilter(src, c)] : []))
}

const COMPARE: Record<string, CompareOp | '!='> = { Gtr: '>', Gte: '>=', Lss: '<', Lte: '<=', Eql: '=', Eq: '=', Neq: '!=' }

function numberLiteral(src: Source, n: SyntaxNode): number {
  const v = Number(src.text(n).replace(/\s+/g, ''))
  if (!Number.isFinite(v)) src.fail(n, `invalid number ${src.text(n).slice(0, 30)}`)
  return v
}

function comparison(src: Source, n: SyntaxNode): Clause {
  const [id, op, lit] = children(n)
  if (!id || !op || !lit) return src.unsupported(n)
  const cmp = COMPARE[op.name] ?? src.unsupported(op)
  let unit: 'number' | 'duration' | 'size' = 'number'
  let value: number
  if (n.name === 'DurationFilter') {
    unit = 'duration'
    value = durationMs(src.text(lit)) ?? src.fail(lit, `invalid duration ${src.text(lit)}`)
  } else if (n.name === 'BytesFilter') {
    unit = 'size'
    value = bytesOf(src.text(lit)) ?? src.fail(lit, `invalid bytes ${src.text(lit)}`)
  } else value = numberLiteral(src, lit)
  const key = src.text(id)
  return { kind: 'compare', negate: cmp === '!=', key, op: cmp === '!=' ? '=' : cmp, unit, value }
}

/** A label filter expression, as clauses that must all hold. */
export function labelFilter(src: Source, n: SyntaxNode): Clause[] {
  const cs = children(n)
  const subs = cs.filter((c) => c.name === 'LabelFilter')
  if (cs.some((c) => c.name === 'Or')) {
    return [{ kind: 'or', negate: false, branches: subs.map((s) => labelFilter(src, s)) }]
  }
  if (subs.length) return subs.flatMap((s) => labelFilter(src, s))
  const c = cs[0] ?? src.unsupported(n)
  switch (c.name) {
    case 'Matcher': {
      const name = src.text(c.firstChild as SyntaxNode)
      // Nothing here produces parse errors, so `__error__=""` holds for every entry.
      if (name === '__error__' || name === '__error_details__') {
        if (/^__error(_details)?__\s*=\s*(""|``)$/.test(src.text(c))) return []
        src.unsupported(c, `${src.text(c)} (no entry has parse errors here)`)
      }
      return matcher(src, c)
    }
    case 'NumberFilter':
      return [comparison(src, c)]
    case 'UnitFilter':
      return [comparison(src, c.firstChild ?? src.unsupported(c))]
    case 'IpLabelFilter':
      return src.unsupported(c, 'the ip() label filter')
    default:
      return src.unsupported(c)
  }
}

function stage(src: Source, st: SyntaxNode): LabelStage[] {
  const at = st.from
  const c = children(st).find((x) => x.name !== 'Pipe') ?? src.unsupported(st)
  switch (c.name) {
    case 'LineFilters':
      return [{ kind: 'filter', at, clauses: lineFilters(src, c) }]
    case 'LabelFilter':
      return [{ kind: 'filter', at, clauses: labelFilter(src, c) }]
    case 'LogfmtParser':
      return [{ kind: 'logfmt', at }]
    case 'LabelParser': {
      const kind = c.firstChild?.name
      const s = c.getChild('String')
      if (kind === 'Json') return [{ kind: 'json', at }]
      if (kind === 'Logfmt') return [{ kind: 'logfmt', at }]
      if (kind === 'Regexp' && s) return [regexpStage(src, s, at)]
      if (kind === 'Pattern' && s) return [patternStage(src, s, at)]
      return src.unsupported(c, `| ${src.text(c).split(/\s/)[0]}`)
    }
    case 'JsonExpressionParser': {
      const paths: { name: string; path: string[] }[] = []
      const walk = (n: SyntaxNode) => {
        for (const e of children(n)) {
          if (e.name === 'LabelExtractionExpressionList') walk(e)
          if (e.name !== 'LabelExtractionExpression') continue
          const name = src.text(e.firstChild as SyntaxNode)
          const s = e.getChild('String')
          const path = s ? src.string(s) : name
          if (/[[\]]/.test(path)) src.unsupported(e, `the json path ${path.slice(0, 40)} (dotted paths only)`)
          paths.push({ name, path: path.split('.') })
        }
      }
      walk(c)
      return [{ kind: 'json', at, paths }]
    }
    case 'LineFormatExpr':
      return [{ kind: 'line_format', at, parts: template(src, c.getChild('String') ?? src.unsupported(c)) }]
    case 'LabelFormatExpr': {
      const assign: { name: string; from?: string; parts?: TemplatePart[] }[] = []
      const walk = (n: SyntaxNode) => {
        for (const e of children(n)) {
          if (e.name === 'LabelsFormat') walk(e)
          if (e.name !== 'LabelFormatMatcher') continue
          const [id, , v] = children(e)
          if (!id || !v) src.unsupported(e)
          const name = src.text(id)
          assign.push(v.name === 'Identifier' ? { name, from: src.text(v) } : { name, parts: template(src, v) })
        }
      }
      walk(c)
      return [{ kind: 'label_format', at, assign }]
    }
    case 'DropLabelsExpr':
    case 'KeepLabelsExpr': {
      const names: string[] = []
      const walk = (n: SyntaxNode) => {
        for (const e of children(n)) {
          if (e.name === 'DropLabels' || e.name === 'KeepLabels') walk(e)
          if (e.name !== 'DropLabel' && e.name !== 'KeepLabel') continue
          const id = e.firstChild as SyntaxNode
          if (id.name !== 'Identifier') src.unsupported(e, `${src.text(e)} (a matcher in drop/keep)`)
          names.push(src.text(id))
        }
      }
      walk(c)
      return [{ kind: c.name === 'DropLabelsExpr' ? 'drop' : 'keep', at, names }]
    }
    default:
      return src.unsupported(c, `| ${src.text(c).split(/\s/)[0]}`)
  }
}

/** The stages of a PipelineExpr, in order. */
export function pipeline(src: Source, n: SyntaxNode | null): LabelStage[] {
  if (!n) return []
  return children(n).flatMap((c) => (c.name === 'PipelineExpr' ? pipeline(src, c) : c.name === 'PipelineStage' ? stage(src, c) : []))
}

/** Selector and stages as a LogPipeline: filters before the first other stage join the selector's clauses. */
export function logPipeline(src: Source, sel: SyntaxNode, stages: LabelStage[]): LogPipeline {
  const clauses = selector(src, sel)
  let i = 0
  for (; i < stages.length; i++) {
    const s = stages[i] as LabelStage
    if (s.kind !== 'filter') break
    clauses.push(...s.clauses)
  }
  return { filter: { clauses }, stages: stages.slice(i) }
}

/** A LogExpr node (`{...} | ...`, possibly in parentheses). */
export function logExpr(src: Source, n: SyntaxNode): LogPipeline {
  const inner = n.getChild('LogExpr')
  if (inner) return logExpr(src, inner)
  const sel = n.getChild('Selector') ?? src.unsupported(n)
  return logPipeline(src, sel, pipeline(src, n.getChild('PipelineExpr')))
}
