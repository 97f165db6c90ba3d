/**
 * The same filter evaluated in JavaScript on one entry, for live tail (which never reaches the
 * store). It must agree with `compile.ts` on every entry; `test/search/property.test.ts` checks that.
 */
import type { Clause, SearchQuery } from './ir.js'
import { isTokenChar, lowerAscii } from './tokens.js'
import { compare, readValue } from './values.js'

export interface MatchableEntry {
  level: string
  service: string
  message: string
  attributes?: Record<string, string> | undefined
  trace_id?: string | undefined
  span_id?: string | undefined
  /** Canonical timestamp, for `_time:`; an entry without one is taken as just received. */
  timestamp?: string | undefined
  /** Known once the entry is stored: the live tail sees entries before they are mined. */
  pattern_id?: string | undefined
}

/** True when `text` occurs in `haystack` with a token boundary wherever `text` starts (and unless `open`, ends) with a token character. */
export function containsPhrase(haystack: string, text: string, open = false): boolean {
  const needHead = isTokenChar(text.charCodeAt(0))
  const needTail = !open && isTokenChar(text.charCodeAt(text.length - 1))
  for (let at = haystack.indexOf(text); at >= 0; at = haystack.indexOf(text, at + 1)) {
    const before = at > 0 ? haystack.charCodeAt(at - 1) : NaN
    const after = at + text.length < haystack.length ? haystack.charCodeAt(at + text.length) : NaN
    if ((!needHead || Number.isNaN(before) || !isTokenChar(before)) && (!needTail || Number.isNaN(after) || !isTokenChar(after)))
      return true
  }
  return false
}

function attr(e: MatchableEntry, key: string): string | undefined {
  const attrs = e.attributes ?? {}
  return Object.prototype.hasOwnProperty.call(attrs, key) ? attrs[key] : undefined
}

function clauseMatches(c: Clause, e: MatchableEntry, lowerMessage: () => string): boolean {
  switch (c.kind) {
    case 'text':
      // Punctuation-only text is matched as written (no letters, so no case).
      return c.tokens.length ? containsPhrase(lowerMessage(), c.text) : e.message.includes(c.text)
    case 'prefix':
      if (c.key === undefined) return containsPhrase(lowerMessage(), c.text, true)
      return (attr(e, c.key) ?? '').startsWith(c.text)
    case 'regex': {
      if (c.key === undefined) return c.js.test(e.message)
      const v = attr(e, c.key)
      return v !== undefined && c.js.test(v)
    }
    case 'compare': {
      const n = readValue(c.unit, attr(e, c.key) ?? '')
      return n !== undefined && compare(n, c.op, c.value)
    }
    case 'time': {
      const t = e.timestamp ? Date.parse(e.timestamp.slice(0, 23) + 'Z') : Date.now()
      return t >= Date.now() - c.ms
    }
    case 'level':
      return (c.values as string[]).includes(e.level)
    case 'service':
      return c.values.includes(e.service)
    case 'pattern':
      return c.values.includes(e.pattern_id ?? '')
    case 'id':
      return c.values.includes((c.column === 'trace_id' ? e.trace_id : e.span_id) ?? '')
    case 'attr': {
      const v = attr(e, c.key)
      return v !== undefined && (c.value === undefined || v === c.value)
    }
    case 'or':
      return c.branches.some((b) => allMatch(b, e, lowerMessage))
  }
}

function allMatch(clauses: Clause[], e: MatchableEntry, lowerMessage: () => string): boolean {
  return clauses.every((c) => clauseMatches(c, e, lowerMessage) !== c.negate)
}

/** A predicate for a parsed filter (every clause must hold). */
export function matcher(query: SearchQuery): (e: MatchableEntry) => boolean {
  return (e) => {
    let lowered: string | undefined
    const lowerMessage = () => (lowered ??= lowerAscii(e.message))
    return allMatch(query.clauses, e, lowerMessage)
  }
}
