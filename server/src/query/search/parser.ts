/**
 * The `q` search syntax (SPEC §4), parsed into a list of clauses that must all hold:
 *
 *   word            the whole token, case-insensitive (`error` matches `Error:` but not `errors`)
 *   "a phrase"      the exact text, case-insensitive, starting and ending at token boundaries
 *   blk_-123        a word with punctuation is a phrase: the exact text at token boundaries
 *   -word -"a b"    exclusion
 *   level:error     level (also a comma list: level:error,fatal)
 *   service:api     service, exact (also a comma list)
 *   key:value       attribute `key` equal to `value` (exact); `key:"with space"`; `key:*` = has the key
 *   attr.key:value  the same, for an attribute named like a reserved field (`attr.level:x`)
 *
 * Matching a phrase as exact text rather than as "these tokens in this order" keeps identifiers
 * distinct that share their tokens: `blk_-160` is not `blk_160` (VictoriaLogs phrase filters do the same:
 * https://docs.victoriametrics.com/victorialogs/logsql/#phrase-filter).
 */
import { LEVELS, type Level } from '@oglogstream/shared'
import { lowerAscii, tokenize } from './tokens.js'

export const MAX_CLAUSES = 32

export type Clause =
  | {
      kind: 'text'
      negate: boolean
      /** The text to find, ASCII lower-cased. */
      text: string
      /** Its tokens in order; one token equal to `text` is a plain word. */
      tokens: string[]
    }
  | { kind: 'level'; negate: boolean; values: Level[] }
  | { kind: 'service'; negate: boolean; values: string[] }
  /** `value` undefined: the attribute exists (`key:*`). */
  | { kind: 'attr'; negate: boolean; key: string; value: string | undefined }

export interface SearchQuery {
  clauses: Clause[]
}

/** A `q` that cannot be parsed: `position` is the 0-based index in `q` where the problem is. */
export class SearchSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly problem: string,
  ) {
    super(`${problem} at position ${position}`)
    this.name = 'SearchSyntaxError'
  }
}

const FIELD = /^([A-Za-z_][A-Za-z0-9_.-]*):/
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c)

export function parseSearch(q: string): SearchQuery {
  const clauses: Clause[] = []
  let i = 0

  /** Reads a quoted string starting at the `"` at `i`; `\"` and `\\` are escapes. */
  function quoted(): string {
    const open = i
    let out = ''
    for (i++; i < q.length; i++) {
      const c = q[i] as string
      if (c === '\\' && (q[i + 1] === '"' || q[i + 1] === '\\')) out += q[++i]
      else if (c === '"') {
        i++
        if (i < q.length && !isSpace(q[i])) throw new SearchSyntaxError(i, 'expected a space after the closing quote')
        return out
      } else out += c
    }
    throw new SearchSyntaxError(open, 'unterminated quote (add the closing ")')
  }

  /** Reads a bare word up to whitespace; a quote inside it is an error. */
  function bare(): string {
    const start = i
    while (i < q.length && !isSpace(q[i])) {
      if (q[i] === '"') throw new SearchSyntaxError(i, 'unexpected quote inside a word (put a space before it, or quote the whole phrase)')
      i++
    }
    return q.slice(start, i)
  }

  while (i < q.length) {
    if (isSpace(q[i])) {
      i++
      continue
    }
    const start = i
    if (clauses.length >= MAX_CLAUSES) throw new SearchSyntaxError(start, `more than ${MAX_CLAUSES} terms`)
    let negate = false
    if (q[i] === '-') {
      negate = true
      i++
      if (i >= q.length || isSpace(q[i])) throw new SearchSyntaxError(start, "'-' must be followed by a word or a quoted phrase to exclude")
    }
    if (q[i] === '"') {
      const at = i
      const text = quoted()
      if (!text) throw new SearchSyntaxError(at, 'empty phrase')
      clauses.push(textClause(text, negate))
      continue
    }
    const field = FIELD.exec(q.slice(i, i + 300))
    if (field) {
      const name = field[1] as string
      i += field[0].length
      const valueAt = i
      let value: string
      let wasQuoted = false
      if (q[i] === '"') {
        value = quoted()
        wasQuoted = true
      } else value = bare()
      if (!value && !wasQuoted) {
        throw new SearchSyntaxError(
          valueAt,
          `field '${name}' has no value (write ${name}:value, or quote "${name}:" to search for the text)`,
        )
      }
      clauses.push(fieldClause(name, value, wasQuoted, negate, valueAt))
      continue
    }
    const word = bare()
    if (!tokenize(word).length) {
      throw new SearchSyntaxError(start, `'${q.slice(start, i).slice(0, 40)}' has no letters or digits; quote it to search for punctuation`)
    }
    clauses.push(textClause(word, negate))
  }
  return { clauses }
}

function textClause(raw: string, negate: boolean): Clause {
  const text = lowerAscii(raw)
  return { kind: 'text', negate, text, tokens: tokenize(text) }
}

function fieldClause(name: string, value: string, wasQuoted: boolean, negate: boolean, at: number): Clause {
  const lower = name.toLowerCase()
  if (lower === 'level' || lower === 'service') {
    const values = value.split(',').map((v) => v.trim())
    if (values.some((v) => !v)) throw new SearchSyntaxError(at, `empty value in ${lower}:${value.slice(0, 40)}`)
    if (lower === 'service') return { kind: 'service', negate, values }
    const levels = values.map((v) => v.toLowerCase())
    const bad = levels.find((l) => !(LEVELS as readonly string[]).includes(l))
    if (bad !== undefined) throw new SearchSyntaxError(at, `'${bad.slice(0, 40)}' is not a level; use one of ${LEVELS.join(', ')}`)
    return { kind: 'level', negate, values: levels as Level[] }
  }
  const key = name.startsWith('attr.') && name.length > 5 ? name.slice(5) : name
  return { kind: 'attr', negate, key, value: value === '*' && !wasQuoted ? undefined : value }
}
