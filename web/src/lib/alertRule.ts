/**
 * Alert rules from the dashboard: a LogQL expression from an Explore view ("Create alert from this
 * search"), and the rule group the Alerts page's form posts to /api/rules.
 */
import type { ViewState } from './urlState.ts'

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
const re = (values: string[]) => values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')

const PLAIN = /^[\w\s.,/@-]+$/
const NAME = /^[\w./-]+$/

/**
 * `sum(count_over_time({...} |= "..." [5m])) > 0` for the view's services, levels and plain words. A
 * `q` with more (field filters, operators, pipes) is not LogQL: the rule is then written in `q`, the
 * search as it is over the window — `q: _time:5m service:api status:>=500 | stats count() as n | n:>0`,
 * or with its own pipes kept (`q: _time:5m ... | stats ... by (...)`) for the user to finish. The form
 * shows the expression for editing; the server says what it refuses.
 */
export function alertExprFromView(v: Pick<ViewState, 'q' | 'levels' | 'services'>, window = '5m'): string {
  const words = v.q.trim()
  if (words && !PLAIN.test(words) && [...v.services, ...v.levels].every((x) => NAME.test(x))) {
    const parts = [`_time:${window}`]
    if (v.services.length) parts.push(`service:${v.services.join(',')}`)
    if (v.levels.length) parts.push(`level:${v.levels.join(',')}`)
    parts.push(words.includes('|') ? words : `${words} | stats count() as n | n:>0`)
    return `q: ${parts.join(' ')}`
  }
  const matchers: string[] = []
  if (v.services.length === 1) matchers.push(`service_name=${quote(v.services[0] as string)}`)
  else if (v.services.length > 1) matchers.push(`service_name=~${quote(re(v.services))}`)
  if (v.levels.length === 1) matchers.push(`level=${quote(v.levels[0] as string)}`)
  else if (v.levels.length > 1) matchers.push(`level=~${quote(re(v.levels))}`)
  if (matchers.length === 0) matchers.push('service_name=~".+"')
  const line = words && PLAIN.test(words) ? ` |= ${quote(words)}` : ''
  return `sum(count_over_time({${matchers.join(', ')}}${line} [${window}])) > 0`
}

export interface RuleForm {
  group: string
  name: string
  expr: string
  for: string
  severity: string
  summary: string
}

export interface RuleGroupBody {
  name: string
  interval?: string
  rules: Record<string, unknown>[]
}

/** The rule of the form, in the ruler format. */
export function ruleOf(f: RuleForm): Record<string, unknown> {
  return {
    alert: f.name.trim(),
    expr: f.expr.trim(),
    ...(f.for.trim() ? { for: f.for.trim() } : {}),
    ...(f.severity.trim() ? { labels: { severity: f.severity.trim() } } : {}),
    ...(f.summary.trim() ? { annotations: { summary: f.summary.trim() } } : {}),
  }
}

/** The group to write: the existing one with the rule added (or replaced, by name), or a new one. */
export function groupWith(existing: RuleGroupBody | undefined, f: RuleForm): RuleGroupBody {
  const rule = ruleOf(f)
  if (!existing) return { name: f.group.trim(), interval: '1m', rules: [rule] }
  const rules = existing.rules.filter((r) => r.alert !== rule.alert)
  return { ...existing, rules: [...rules, rule] }
}
