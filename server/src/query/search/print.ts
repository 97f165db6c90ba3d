/**
 * A filter (`SearchQuery`, ir.ts) written back as `q` text that parses to the same clauses: the
 * fuzz tests' round-trip property (parse, print, parse gives the same IR), and a canonical form of a
 * query. Phrases and field values are printed quoted, `OR` groups in parentheses.
 */
import type { Clause, SearchQuery } from './ir.js'
import { DURATION_MS, SIZE_BYTES, readLiteral, type Unit } from './values.js'

/** Field names the parser reads as something other than an attribute; `attr.` names the attribute. */
const RESERVED = new Set(['level', 'service', 'pattern', 'trace_id', 'span_id'])

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

function fieldName(key: string): string {
  return RESERVED.has(key.toLowerCase()) || key === '_time' || key.startsWith('attr.') ? `attr.${key}` : key
}

/** A literal that reads back as exactly `value` of `unit` (durations and sizes always with a suffix). */
export function printLiteral(unit: Unit, value: number): string {
  const scales = unit === 'number' ? { '': 1 } : unit === 'duration' ? DURATION_MS : SIZE_BYTES
  const preferred = unit === 'duration' ? ['ms', 's', 'm', 'h', 'd', 'w', 'us', 'ns'] : Object.keys(scales)
  for (const suffix of preferred) {
    const n = value / (scales as Record<string, number>)[suffix]!
    const text = `${plainNumber(n)}${suffix}`
    const back = readLiteral(text)
    if (back && back.unit === unit && back.value === value) return text
  }
  throw new Error(`no literal of unit ${unit} reads back as ${value}`)
}

function plainNumber(n: number): string {
  if (Object.is(n, -0)) return '-0'
  const s = String(n)
  return /e/i.test(s) ? n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : s
}

function clause(c: Clause): string {
  const neg = c.negate ? '-' : ''
  switch (c.kind) {
    case 'text':
      return `${neg}${quote(c.text)}`
    case 'level':
    case 'service':
    case 'pattern':
      return `${neg}${c.kind}:${quote(c.values.join(','))}`
    case 'id':
      return `${neg}${c.column}:${quote(c.values.join(','))}`
    case 'attr':
      return `${neg}${fieldName(c.key)}:${c.value === undefined ? '*' : quote(c.value)}`
    case 'prefix':
      if (c.key !== undefined) return `${neg}${fieldName(c.key)}:${c.text}*`
      // A word starting with '-' is only written after a '-': `NOT --x*` is the word `-x*`, not excluded.
      if (c.text.startsWith('-')) return c.negate ? `-${c.text}*` : `NOT -${c.text}*`
      return `${neg}${c.text}*`
    case 'regex':
      return `${neg}${c.key === undefined ? '' : `${fieldName(c.key)}:`}~${quote(c.pattern)}`
    case 'compare':
      return `${neg}${fieldName(c.key)}:${c.op}${printLiteral(c.unit, c.value)}`
    case 'time':
      return `${neg}_time:${printLiteral('duration', c.ms)}`
    case 'or':
      return `${neg}(${c.branches.map(list).join(' OR ')})`
  }
}

function list(clauses: Clause[]): string {
  return clauses.map(clause).join(' ')
}

/** `q` text for a filter; `parseSearch(printSearch(s))` gives `s` again. */
export function printSearch(s: SearchQuery): string {
  // A top-level OR needs no parentheses (a parenthesised group counts as a term toward MAX_CLAUSES).
  const only = s.clauses[0]
  if (s.clauses.length === 1 && only?.kind === 'or' && !only.negate && only.branches.length > 1) return only.branches.map(list).join(' OR ')
  return list(s.clauses)
}
