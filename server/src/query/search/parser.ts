/**
 * The `q` filter syntax (SPEC §4, §8), parsed into clauses that must all hold:
 *
 *   word            the whole token, case-insensitive (`error` matches `Error:` but not `errors`)
 *   "a phrase"      the exact text, case-insensitive, starting and ending at token boundaries
 *   blk_-123        a word with punctuation is a phrase: the exact text at token boundaries
 *   conn*           a token starting with `conn`
 *   ~"re [0-9]+"    the message matches an RE2 regular expression (case-sensitive)
 *   -word -"a b"    exclusion; also NOT word, NOT (...), -(...)
 *   a OR b, (a b)   alternatives and groups; AND (or a space) binds tighter than OR
 *   level:error     level (also a comma list: level:error,fatal)
 *   service:api     service, exact (also a comma list)
 *   trace_id:4bf9…  the trace id (span_id: the span id), any case, also a comma list; `attr.trace_id:` for an attribute
 *   key:value       attribute `key` equal to `value` (exact); `key:"with space"`; `key:*` = has the key
 *   key:pre*  key:~"re"  key:>=500  key:>250ms  key:<1KiB   prefix, regex and comparisons (values.ts)
 *   attr.key:value  the same, for an attribute named like a reserved field (`attr.level:x`)
 *   _time:5m        at most 5 minutes old
 *
 * Then `| pipe ...` stages (pipes.ts). Matching a phrase as exact text rather than as "these tokens in
 * this order" keeps identifiers distinct that share their tokens: `blk_-160` is not `blk_160`
 * (VictoriaLogs phrase filters do the same: https://docs.victoriametrics.com/victorialogs/logsql/#phrase-filter).
 * `OR`, `AND` and `NOT` are operators in capitals only; quote them to search for the words.
 */
import { LEVELS, type Level } from '@oglogstream/shared'
import { SearchSyntaxError, type Clause, type Pipeline, type SearchQuery } from './ir.js'
import { parseStages } from './pipes.js'
import { Reader } from './reader.js'
import { compileRegex, RegexProblem } from './regex.js'
import { lowerAscii, tokenize } from './tokens.js'
import { readLiteral, readValue, type CompareOp } from './values.js'

export { SearchSyntaxError } from './ir.js'
export type { Clause, SearchQuery } from './ir.js'

export const MAX_CLAUSES = 32

const FIELD = /^([A-Za-z_][A-Za-z0-9_.-]*):/

/** Parses the whole `q`: the filter and its stages. */
export function parseQuery(q: string): Pipeline {
  const r = new Reader(q)
  const state = { count: 0 }
  const clauses = parseFilter(r, state, false)
  const stages = r.done ? [] : parseStages(r, (inStage) => parseFilter(r, state, inStage))
  return { filter: { clauses }, stages }
}

const NO_PIPES =
  'pipes (|) are not allowed here: the live tail and /api/logs, /api/stats, /api/histogram, /api/export take a filter only; run pipes with /api/query'

/** Parses a `q` that must be a filter only (the live tail): a pipe is an error at its position. */
export function parseSearch(q: string): SearchQuery {
  const r = new Reader(q)
  const clauses = parseFilter(r, { count: 0 }, false)
  if (!r.done) r.fail(r.i, NO_PIPES)
  return { clauses }
}

/**
 * A filter up to the end, a `|` starting the next stage, or (inside parentheses) the closing `)`.
 * `inStage`: the filter follows a pipe, so its field names are checked later against what the
 * earlier stages produce and carry their position.
 */
export function parseFilter(r: Reader, state: { count: number }, inStage: boolean): Clause[] {
  const branches: Clause[][] = [andList(r, state, inStage)]
  for (;;) {
    r.skipSpace()
    const at = r.i
    if (!r.keyword('OR')) break
    const next = andList(r, state, inStage)
    if (!next.length) r.fail(at, "'OR' must be followed by a term")
    branches.push(next)
  }
  if (branches.length === 1) return branches[0] as Clause[]
  if (branches.some((b) => !b.length)) r.fail(0, "'OR' must follow a term")
  return [{ kind: 'or', negate: false, branches }]
}

function andList(r: Reader, state: { count: number }, inStage: boolean): Clause[] {
  const out: Clause[] = []
  for (;;) {
    r.skipSpace()
    if (r.done || r.c === '|' || (r.c === ')' && r.depth > 0)) return out
    const at = r.i
    if (r.keyword('OR')) {
      r.i = at
      if (!out.length) r.fail(at, "'OR' must follow a term")
      return out
    }
    if (r.keyword('AND')) {
      if (!out.length) r.fail(at, "'AND' must follow a term")
      continue
    }
    out.push(term(r, state, inStage))
  }
}

function term(r: Reader, state: { count: number }, inStage: boolean): Clause {
  const start = r.i
  if (state.count >= MAX_CLAUSES) r.fail(start, `more than ${MAX_CLAUSES} terms`)
  state.count++
  let negate = false
  if (r.c === '-') {
    negate = true
    r.i++
    if (r.done || r.isSpaceAt(r.i)) r.fail(start, "'-' must be followed by a word or a quoted phrase to exclude")
  } else if (r.keyword('NOT', '(')) {
    r.skipSpace()
    if (r.done || r.c === '|' || r.c === ')') r.fail(start, "'NOT' must be followed by a term")
    state.count--
    const inner = term(r, state, inStage)
    return { ...inner, negate: !inner.negate }
  }
  if (r.c === '(') {
    const open = r.i
    r.i++
    r.depth++
    const inner = parseFilter(r, state, inStage)
    r.depth--
    if (r.q[r.i] !== ')') r.fail(open, "unclosed '(' (add the closing ')')")
    r.i++
    if (!inner.length) r.fail(open, 'empty parentheses')
    const only = inner[0] as Clause
    if (inner.length === 1 && only.kind === 'or' && !only.negate) return { ...only, negate }
    return { kind: 'or', negate, branches: [inner] }
  }
  if (r.c === '"') {
    const at = r.i
    const text = r.quoted()
    if (!text) r.fail(at, 'empty phrase')
    return { ...textClause(text, negate), ...(inStage ? { at: start } : {}) }
  }
  if (r.c === '~') return { ...regexClause(r, undefined), negate, ...(inStage ? { at: start } : {}) }
  const field = FIELD.exec(r.q.slice(r.i, r.i + 300))
  if (field) {
    const name = field[1] as string
    r.i += field[0].length
    return fieldClause(r, name, negate, inStage)
  }
  const word = r.bare()
  if (word.length > 1 && word.endsWith('*') && tokenize(word.slice(0, -1)).length) {
    return { kind: 'prefix', negate, key: undefined, text: lowerAscii(word.slice(0, -1)), ...(inStage ? { at: start } : {}) }
  }
  if (!tokenize(word).length) {
    r.fail(start, `'${r.q.slice(start, r.i).slice(0, 40)}' has no letters or digits; quote it to search for punctuation`)
  }
  return { ...textClause(word, negate), ...(inStage ? { at: start } : {}) }
}

function regexClause(r: Reader, key: string | undefined): Extract<Clause, { kind: 'regex' }> {
  const at = r.i
  r.i++
  if (r.c !== '"') r.fail(at, `'~' must be followed by a quoted regular expression: ~"user [0-9]+"`)
  const pattern = r.quoted()
  try {
    const { re2, js } = compileRegex(pattern)
    return { kind: 'regex', negate: false, key, pattern: re2, js }
  } catch (err) {
    if (err instanceof RegexProblem) r.fail(at, err.message)
    throw err
  }
}

function textClause(raw: string, negate: boolean): Extract<Clause, { kind: 'text' }> {
  const text = lowerAscii(raw)
  return { kind: 'text', negate, text, tokens: tokenize(text) }
}

function fieldClause(r: Reader, name: string, negate: boolean, inStage: boolean): Clause {
  const at = r.i
  const lower = name.toLowerCase()
  const pos = inStage ? { at: at - name.length - 1 } : {}
  if (r.c === '~') {
    if (lower === 'level' || lower === 'service' || lower === 'pattern') r.fail(at, `${lower}: takes a comma list of values, not a regular expression`)
    return { ...regexClause(r, keyOf(name)), negate, ...pos }
  }
  let value: string
  let wasQuoted = false
  if (r.c === '"') {
    value = r.quoted()
    wasQuoted = true
  } else value = r.bare()
  if (!value && !wasQuoted) {
    r.fail(at, `field '${name}' has no value (write ${name}:value, or quote "${name}:" to search for the text)`)
  }
  if (lower === 'level' || lower === 'service' || lower === 'pattern') {
    const values = value.split(',').map((v) => v.trim())
    if (values.some((v) => !v)) throw new SearchSyntaxError(at, `empty value in ${lower}:${value.slice(0, 40)}`)
    if (lower === 'service') return { kind: 'service', negate, values }
    if (lower === 'pattern') return { kind: 'pattern', negate, values }
    const levels = values.map((v) => v.toLowerCase())
    const bad = levels.find((l) => !(LEVELS as readonly string[]).includes(l))
    if (bad !== undefined) throw new SearchSyntaxError(at, `'${bad.slice(0, 40)}' is not a level; use one of ${LEVELS.join(', ')}`)
    return { kind: 'level', negate, values: levels as Level[] }
  }
  if ((lower === 'trace_id' || lower === 'span_id') && !inStage) {
    const values = value.split(',').map((v) => v.trim().toLowerCase())
    if (values.some((v) => !v)) throw new SearchSyntaxError(at, `empty value in ${lower}:${value.slice(0, 40)}`)
    return { kind: 'id', negate, column: lower, values }
  }
  if (name === '_time' && !wasQuoted) {
    const ms = readValue('duration', value)
    if (ms === undefined || ms <= 0 || !/[a-z]$/.test(value))
      r.fail(at, `_time takes a duration like 5m, 1h or 7d, not '${value.slice(0, 20)}'`)
    return { kind: 'time', negate, ms }
  }
  const key = keyOf(name)
  if (!wasQuoted) {
    const cmp = /^(>=|<=|>|<|=)(.*)$/.exec(value)
    if (cmp) {
      const lit = readLiteral(cmp[2] as string)
      if (!lit) {
        r.fail(
          at + (cmp[1] as string).length,
          `'${(cmp[2] as string).slice(0, 20)}' is not a number, a duration (250ms, 1.5s, 5m) or a size (512B, 1KiB, 10MB) to compare ${name} with`,
        )
      }
      return { kind: 'compare', negate, key, op: cmp[1] as CompareOp, unit: lit.unit, value: lit.value, ...pos }
    }
    if (value === '*') return { kind: 'attr', negate, key, value: undefined, ...pos }
    if (value.length > 1 && value.endsWith('*')) return { kind: 'prefix', negate, key, text: value.slice(0, -1), ...pos }
  }
  return { kind: 'attr', negate, key, value, ...pos }
}

/** `attr.level` names the attribute `level` (a reserved field name otherwise). */
function keyOf(name: string): string {
  return name.startsWith('attr.') && name.length > 5 ? name.slice(5) : name
}
