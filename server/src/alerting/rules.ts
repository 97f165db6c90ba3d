/**
 * Rule groups in the Prometheus / Loki ruler format (issue 16): `groups` of `name`, `interval`,
 * `rules` (`alert` or `record`, `expr`, `for`, `keep_firing_for`, `labels`, `annotations`). A Loki rule
 * file works unchanged: `expr` is LogQL, compiled here through the Loki translator, or a `q` stats
 * query after `q:` (qrule.ts), so a rule that does not compile is refused before it is stored or evaluated. Problems name the source (file or
 * request), the group, the rule and the line.
 */
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml'
import { durationMs, LogqlError } from '../loki/logql.js'
import { translate } from '../loki/translate-metric.js'
import { SearchSyntaxError, type MetricExpr } from '../query/search/ir.js'
import { compileQRule, isQExpr, type QRule } from './qrule.js'

export interface Rule {
  /** `alert` name, or undefined for a recording rule. */
  alert?: string
  record?: string
  expr: string
  forMs: number
  keepFiringForMs: number
  labels: Record<string, string>
  annotations: Record<string, string>
}

export interface RuleGroup {
  /** Loki's namespace: the file's name, or the one given to the API. */
  namespace: string
  name: string
  /** 0: the default evaluation interval. */
  intervalMs: number
  rules: CompiledRule[]
}

/** A compiled rule: what the evaluator runs, a LogQL metric query or a `q` (qrule.ts). */
export type CompiledRule = Rule & CompiledExpr

export type CompiledExpr = { metric: MetricExpr; q?: undefined } | { q: QRule; metric?: undefined }

export class RuleError extends Error {}

const GROUP_FIELDS = new Set(['name', 'interval', 'rules', 'limit', 'query_offset'])
const RULE_FIELDS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'])
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Prometheus durations (`30s`, `1m`, `1h30m`, `0`). */
function duration(v: unknown, where: string, field: string): number {
  if (v === undefined || v === null) return 0
  if (v === 0 || v === '0') return 0
  const ms = typeof v === 'string' ? durationMs(v) : undefined
  if (ms === undefined || ms < 0) throw new RuleError(`${where}: ${field}: not a valid duration string: "${String(v)}"`)
  return ms
}

function stringMap(v: unknown, where: string, field: string): Record<string, string> {
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new RuleError(`${where}: ${field} must be a map of strings`)
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v)) {
    if (!LABEL.test(k)) throw new RuleError(`${where}: ${field}: invalid name "${k}"`)
    if (typeof x === 'object' && x !== null) throw new RuleError(`${where}: ${field}.${k} must be a string`)
    out[k] = String(x ?? '')
  }
  return out
}

/** Compiles a rule's `expr`: a LogQL metric query, or a `q` after `q:`. */
export function compileExpr(expr: string): CompiledExpr {
  try {
    if (isQExpr(expr)) return { q: compileQRule(expr) }
    const t = translate(expr)
    if (t.kind !== 'metric') throw new RuleError('expr must be a metric query (a log query has no value to compare)')
    return { metric: t.expr }
  } catch (err) {
    if (err instanceof LogqlError) throw new RuleError(err.message)
    if (err instanceof SearchSyntaxError) throw new RuleError(err.message)
    throw err
  }
}

/** Checks one group (already plain data) and compiles its rules. `line` finds a rule's line for messages. */
export function checkGroup(
  raw: unknown,
  namespace: string,
  source: string,
  line: (path: (string | number)[]) => number | undefined = () => undefined,
  path: (string | number)[] = [],
): RuleGroup {
  const at = (p: (string | number)[]) => {
    const l = line(p)
    return l === undefined ? source : `${source}:${l}`
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new RuleError(`${at(path)}: a group must be a map with name, interval and rules`)
  const g = raw as Record<string, unknown>
  for (const k of Object.keys(g))
    if (!GROUP_FIELDS.has(k)) throw new RuleError(`${at([...path, k])}: field ${k} not found in type rulefmt.RuleGroup`)
  if (typeof g.name !== 'string' || g.name === '') throw new RuleError(`${at(path)}: groupname must not be empty`)
  const gwhere = `${at(path)}: group "${g.name}"`
  const intervalMs = duration(g.interval, gwhere, 'interval')
  if (!Array.isArray(g.rules)) throw new RuleError(`${gwhere}: rules must be a list`)
  const rules = g.rules.map((r, i): CompiledRule => {
    const rp = [...path, 'rules', i]
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      throw new RuleError(`${at(rp)}: group "${g.name}", rule ${i + 1}: a rule must be a map`)
    const o = r as Record<string, unknown>
    const name = (o.alert ?? o.record) as unknown
    const where = `${at(rp)}: group "${g.name}", rule ${i + 1}${typeof name === 'string' ? ` (${name})` : ''}`
    for (const k of Object.keys(o))
      if (!RULE_FIELDS.has(k))
        throw new RuleError(`${at([...rp, k])}: group "${g.name}", rule ${i + 1}: field ${k} not found in type rulefmt.Rule`)
    if ((o.alert === undefined) === (o.record === undefined)) throw new RuleError(`${where}: one of 'record' or 'alert' must be set`)
    if (o.record !== undefined && (typeof o.record !== 'string' || !NAME.test(o.record)))
      throw new RuleError(`${where}: invalid recording rule name: ${String(o.record)}`)
    if (o.alert !== undefined && (typeof o.alert !== 'string' || o.alert === '')) throw new RuleError(`${where}: invalid alert name`)
    if (o.record !== undefined && (o.for !== undefined || o.annotations !== undefined || o.keep_firing_for !== undefined))
      throw new RuleError(`${where}: invalid field 'for', 'keep_firing_for' or 'annotations' in recording rule`)
    if (typeof o.expr !== 'string' || o.expr.trim() === '') throw new RuleError(`${where}: field 'expr' must be set in rule`)
    let compiled: CompiledExpr
    try {
      compiled = compileExpr(o.expr)
    } catch (err) {
      if (err instanceof RuleError)
        throw new RuleError(
          `${at([...rp, 'expr'])}: group "${g.name}", rule ${i + 1}${typeof name === 'string' ? ` (${name})` : ''}: could not parse expression: ${err.message}`,
        )
      throw err
    }
    return {
      ...(o.alert !== undefined ? { alert: o.alert as string } : { record: o.record as string }),
      expr: o.expr,
      ...compiled,
      forMs: duration(o.for, where, 'for'),
      keepFiringForMs: duration(o.keep_firing_for, where, 'keep_firing_for'),
      labels: stringMap(o.labels, where, 'labels'),
      annotations: stringMap(o.annotations, where, 'annotations'),
    }
  })
  return { namespace, name: g.name, intervalMs, rules }
}

/** Parses a rule file (YAML or JSON): `groups: [...]`. */
export function parseRuleFile(text: string, namespace: string, source: string): RuleGroup[] {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const pos = e?.linePos?.[0]
    throw new RuleError(`${source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e?.message.split('\n')[0]}`)
  }
  const line = (path: (string | number)[]) => {
    const n = doc.getIn(path, true) as Node | undefined
    const off = n && typeof n === 'object' && 'range' in n ? n.range?.[0] : undefined
    if (off === undefined) {
      // a key: the line of the map that holds it
      const parent = doc.getIn(path.slice(0, -1), true) as Node | undefined
      const po = parent && (isMap(parent) || isSeq(parent)) ? parent.range?.[0] : undefined
      return po === undefined ? undefined : lc.linePos(po).line
    }
    return lc.linePos(off).line
  }
  const data = doc.toJS() as unknown
  if (data === null || data === undefined) return []
  if (typeof data !== 'object' || Array.isArray(data)) throw new RuleError(`${source}: a rule file is a map with 'groups'`)
  for (const k of Object.keys(data))
    if (k !== 'groups') throw new RuleError(`${source}:${line([k]) ?? 1}: field ${k} not found in type rulefmt.RuleGroups`)
  const groups = (data as { groups?: unknown }).groups
  if (groups === undefined || groups === null) return []
  if (!Array.isArray(groups)) throw new RuleError(`${source}: groups must be a list`)
  const seen = new Set<string>()
  return groups.map((g, i) => {
    const group = checkGroup(g, namespace, source, line, ['groups', i])
    if (seen.has(group.name))
      throw new RuleError(`${source}:${line(['groups', i]) ?? 1}: groupname: "${group.name}" is repeated in the same file`)
    seen.add(group.name)
    return group
  })
}

/** A group back in the ruler format (for `/loki/api/v1/rules` and the API). */
export function groupToYamlObject(g: RuleGroup): Record<string, unknown> {
  const fmt = (ms: number) =>
    ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
  return {
    name: g.name,
    ...(g.intervalMs ? { interval: fmt(g.intervalMs) } : {}),
    rules: g.rules.map((r) => ({
      ...(r.alert !== undefined ? { alert: r.alert } : { record: r.record }),
      expr: r.expr,
      ...(r.forMs ? { for: fmt(r.forMs) } : {}),
      ...(r.keepFiringForMs ? { keep_firing_for: fmt(r.keepFiringForMs) } : {}),
      ...(Object.keys(r.labels).length ? { labels: r.labels } : {}),
      ...(Object.keys(r.annotations).length ? { annotations: r.annotations } : {}),
    })),
  }
}
