/**
 * LogQL parser and formatting stages written as text (`| regexp`, `| pattern`, `|>` line patterns,
 * `line_format` / `label_format` templates) turned into the IR's regular expressions and templates.
 */
import type { SyntaxNode } from '@lezer/common'
import type { LabelStage, TemplatePart } from '../query/search/ir.js'
import type { Source } from './logql.js'
import { regexClause } from './translate.js'

export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `|> "<_> error <_>"`: the whole line against a pattern. */
export function linePattern(p: string): string {
  return `^${p.split(/<[A-Za-z_][A-Za-z0-9_]*>/).map(escapeRe).join('.*?')}$`
}

/** A Go template of `{{.label}}` references (and `__line__`, `__timestamp__`); functions are not supported. */
export function template(src: Source, n: SyntaxNode): TemplatePart[] {
  const t = src.string(n)
  const parts: TemplatePart[] = []
  let last = 0
  for (const m of t.matchAll(/\{\{-?\s*(.*?)\s*-?\}\}/g)) {
    if (m.index > last) parts.push({ text: t.slice(last, m.index) })
    const body = m[1] as string
    if (/^\.[A-Za-z_][A-Za-z0-9_]*$/.test(body)) parts.push({ label: body.slice(1) })
    else if (body === '__line__') parts.push({ line: true })
    else if (body === '__timestamp__') parts.push({ timestamp: true })
    else src.unsupported(n, `the template action {{${body.slice(0, 40)}}} (only {{.label}}, {{__line__}} and {{__timestamp__}})`)
    last = m.index + m[0].length
  }
  if (last < t.length) parts.push({ text: t.slice(last) })
  return parts
}

/** `| regexp "(?P<name>...)"` as an extract stage: named groups are labels, other groups do not capture. */
export function regexpStage(src: Source, s: SyntaxNode, at: number): LabelStage {
  const re = src.string(s)
  const names: string[] = []
  let out = ''
  for (let i = 0; i < re.length; i++) {
    const c = re[i] as string
    if (c === '\\') {
      out += c + (re[i + 1] ?? '')
      i++
    } else if (c === '(' && re[i + 1] === '?') {
      const m = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(re.slice(i))
      if (m) {
        names.push(m[1] as string)
        out += '('
        i += m[0].length - 1
      } else out += c
    } else if (c === '(') out += '(?:'
    else out += c
  }
  if (!names.length) src.fail(s, 'at least one named capture must be supplied')
  regexClause(src, s, undefined, out, false)
  return { kind: 'extract', at, regex: out, names }
}

/** `| pattern "<ip> - <_> <status>"`: from the start of the line; the last capture takes the rest. */
export function patternStage(src: Source, s: SyntaxNode, at: number): LabelStage {
  const p = src.string(s)
  const names: string[] = []
  let regex = '^'
  let last = 0
  for (const m of p.matchAll(/<([A-Za-z_][A-Za-z0-9_]*)>/g)) {
    regex += escapeRe(p.slice(last, m.index))
    last = m.index + m[0].length
    const lazy = last < p.length ? '*?' : '*'
    if (m[1] === '_') regex += `.${lazy}`
    else {
      names.push(m[1] as string)
      regex += `(.${lazy})`
    }
  }
  regex += escapeRe(p.slice(last))
  if (!names.length) src.fail(s, 'at least one capture is required in a pattern')
  return { kind: 'extract', at, regex, names }
}

