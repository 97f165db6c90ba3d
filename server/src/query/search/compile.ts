/**
 * A parsed filter compiled to one SQL condition. Every value is a typed parameter. Text conditions
 * come in two parts: `hasToken(lower(message), tok)` for each token, a shape the token index on
 * `lower(message)` can use to skip granules, then for a phrase an exact check (a regular expression
 * anchored at token boundaries) on the rows that are left. What a field name means depends on the
 * stages before the filter, so fields are resolved through a `Scope` (pipeline.ts builds the others).
 */
import type { Params, SearchCompiler } from '../../store/index.js'
import { SearchSyntaxError, type Clause, type SearchQuery } from './ir.js'
import { fromEpochMs, toClickHouse } from '../../model/index.js'
import { isTokenChar, tokenize } from './tokens.js'
import { DURATION_MS, SIZE_BYTES, VALUE_PATTERNS, type Unit } from './values.js'

/** ASCII characters that are not part of a token, as an RE2 class. */
const SEPARATOR = '[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]'

/**
 * The RE2 pattern for a phrase (already lower-cased) at token boundaries (at its end too unless
 * `open`, for a prefix). Every ASCII character that is not a letter or digit is written as `\xHH`,
 * so nothing in the text is a metacharacter.
 */
export function phrasePattern(text: string, open = false): string {
  let body = ''
  for (const ch of text) {
    const c = ch.codePointAt(0) as number
    body += c < 128 && !isTokenChar(c) ? `\\x${c.toString(16).padStart(2, '0')}` : ch
  }
  const head = isTokenChar(text.charCodeAt(0)) ? `(?:^|${SEPARATOR})` : ''
  const tail = !open && isTokenChar(text.charCodeAt(text.length - 1)) ? `(?:$|${SEPARATOR})` : ''
  return head + body + tail
}

export type FieldType = 'string' | 'number' | 'time'

/** A field as SQL: its value (a String, or a number or time for typed columns) and whether the row has it. */
export interface FieldSql {
  value: string
  exists: string
  type: FieldType
}

/** What names mean at one point of a pipeline. Methods throw a SearchSyntaxError at `at` for an unknown name. */
export interface Scope {
  /** The message column while rows are still entries; undefined after fields/stats. */
  message: string | undefined
  /** `level`, `service` or `timestamp` while rows are still entries. */
  builtin(name: 'level' | 'service' | 'timestamp' | 'trace_id' | 'span_id' | 'pattern_id'): string | undefined
  /** A field named in a filter (`key:value`). */
  field(key: string, p: Params, at: number): FieldSql
}

/** The scope of the filter before any pipe: keys are attributes. */
export const ENTRY_SCOPE: Scope = {
  message: 'message',
  builtin: (name) => name,
  field: (key, p) => {
    const k = p.add('String', key)
    return { value: `attributes[${k}]`, exists: `mapContains(attributes, ${k})`, type: 'string' }
  },
}

/** The SQL value of a field's text read as `unit` (values.ts), NULL when it is not one. */
export function numberOf(f: FieldSql, unit: Unit, p: Params, at: number, what: string): string {
  if (f.type === 'number') return `toFloat64(${f.value})`
  if (f.type === 'time') throw new SearchSyntaxError(at, `${what} is a time, not a number`)
  if (unit === 'number') return `toFloat64OrNull(extract(${f.value}, ${p.add('String', VALUE_PATTERNS.number)}))`
  const scales = unit === 'duration' ? DURATION_MS : SIZE_BYTES
  const g = `extractGroups(${f.value}, ${p.add('String', VALUE_PATTERNS[unit])})`
  return `(toFloat64OrNull(${g}[1]) * transform(${g}[2], ${p.add('Array(String)', Object.keys(scales))}, ${p.add('Array(Float64)', Object.values(scales))}, 1.0))`
}

/** A phrase (or with `prefix`, the start of one) in the message. */
/**
 * A field read as a number for sorting and for sum/avg/min/max/quantile: plain numbers as they are,
 * durations in milliseconds (`250ms`, `1.5s`), sizes in bytes (`1KiB`); NULL (skipped) otherwise.
 */
export function anyNumberOf(f: FieldSql, p: Params, at: number, what: string): string {
  if (f.type !== 'string') return numberOf(f, 'number', p, at, what)
  // A plain number first, without a regular expression (the common case, and `if` short-circuits);
  // this reading is SQL-only (no live-tail counterpart), so the engine's own number syntax is fine.
  const plain = `toFloat64OrNull(${f.value})`
  return `if(isNull(${plain}), coalesce(${numberOf(f, 'duration', p, at, what)}, ${numberOf(f, 'size', p, at, what)}), ${plain})`
}

function textCondition(text: string, tokens: string[], prefix: boolean, message: string, p: Params): string {
  // A prefix's last token may be cut short: only the tokens before it are whole.
  const whole = prefix && isTokenChar(text.charCodeAt(text.length - 1)) ? tokens.slice(0, -1) : tokens
  const has = [...new Set(whole)].map((t) => `hasToken(lower(${message}), ${p.add('String', t)})`)
  if (!prefix && tokens.length === 1 && tokens[0] === text) return has[0] as string
  // Punctuation only: no token to look up, no boundary to respect.
  if (!tokens.length) return `position(${message}, ${p.add('String', text)}) > 0`
  return [...has, `match(lower(${message}), ${p.add('String', phrasePattern(text, prefix))})`].join(' AND ')
}

function need<T>(v: T | undefined, at: number, what: string): T {
  if (v === undefined) throw new SearchSyntaxError(at, what)
  return v
}

function clauseCondition(c: Clause, s: Scope, p: Params): string {
  const at = 'at' in c && c.at !== undefined ? c.at : 0
  const noMessage = 'words, phrases, prefixes and ~"regex" search the message, which is gone after fields, stats, top or uniq'
  switch (c.kind) {
    case 'text':
      return textCondition(c.text, c.tokens, false, need(s.message, at, noMessage), p)
    case 'level':
    case 'service': {
      const col = s.builtin(c.kind) ?? s.field(c.kind, p, at).value
      return `${col} IN ${p.add('Array(String)', c.values)}`
    }
    case 'pattern': {
      const col = s.builtin('pattern_id') ?? s.field('pattern_id', p, at).value
      return `${col} IN ${p.add('Array(String)', c.values)}`
    }
    case 'id': {
      const col = s.builtin(c.column) ?? s.field(c.column, p, at).value
      return `${col} IN ${p.add('Array(String)', c.values)}`
    }
    case 'time': {
      const col = need(s.builtin('timestamp'), at, '_time: filters entries, and rows after stats, top or uniq are not entries')
      return `${col} >= ${p.add("DateTime64(9, 'UTC')", toClickHouse(fromEpochMs(Date.now() - c.ms) ?? '1970-01-01T00:00:00.000000000Z'))}`
    }
    case 'attr': {
      const f = s.field(c.key, p, at)
      if (c.value === undefined) return f.exists
      const v = f.type === 'string' ? f.value : `toString(${f.value})`
      return `${f.exists} AND ${v} = ${p.add('String', c.value)}`
    }
    case 'prefix': {
      if (c.key === undefined) return textCondition(c.text, tokenize(c.text), true, need(s.message, at, noMessage), p)
      const f = s.field(c.key, p, at)
      return `startsWith(${f.type === 'string' ? f.value : `toString(${f.value})`}, ${p.add('String', c.text)})`
    }
    case 'regex': {
      if (c.key === undefined) return `match(${need(s.message, at, noMessage)}, ${p.add('String', c.pattern)})`
      const f = s.field(c.key, p, at)
      return `${f.exists} AND match(${f.type === 'string' ? f.value : `toString(${f.value})`}, ${p.add('String', c.pattern)})`
    }
    case 'compare': {
      const f = s.field(c.key, p, at)
      return `ifNull(${numberOf(f, c.unit, p, at, c.key)} ${c.op} ${p.add('Float64', c.value)}, 0)`
    }
    case 'or':
      return c.branches.map((b) => `(${andCondition(b, s, p)})`).join(' OR ')
  }
}

/** Every clause must hold. */
export function andCondition(clauses: Clause[], s: Scope, p: Params): string {
  if (!clauses.length) return '1'
  return clauses.map((c) => (c.negate ? `NOT (${clauseCondition(c, s, p)})` : `(${clauseCondition(c, s, p)})`)).join(' AND ')
}

/** The SQL condition for a parsed filter on entries, or undefined when it has no clause. */
export function compileQuery(query: SearchQuery): SearchCompiler | undefined {
  if (!query.clauses.length) return undefined
  return (p) => andCondition(query.clauses, ENTRY_SCOPE, p)
}
