/**
 * The same search evaluated in JavaScript on one entry, for live tail (which never reaches the
 * store). It must agree with `compile.ts` on every entry; `search.property.test.ts` checks that.
 */
import type { Clause, SearchQuery } from './parser.js'
import { isTokenChar, lowerAscii } from './tokens.js'

export interface MatchableEntry {
  level: string
  service: string
  message: string
  attributes?: Record<string, string> | undefined
}

/** True when `text` occurs in `haystack` with a token boundary wherever `text` starts or ends with a token character. */
export function containsPhrase(haystack: string, text: string): boolean {
  const needHead = isTokenChar(text.charCodeAt(0))
  const needTail = isTokenChar(text.charCodeAt(text.length - 1))
  for (let at = haystack.indexOf(text); at >= 0; at = haystack.indexOf(text, at + 1)) {
    const before = at > 0 ? haystack.charCodeAt(at - 1) : NaN
    const after = at + text.length < haystack.length ? haystack.charCodeAt(at + text.length) : NaN
    if ((!needHead || Number.isNaN(before) || !isTokenChar(before)) && (!needTail || Number.isNaN(after) || !isTokenChar(after)))
      return true
  }
  return false
}

function clauseMatches(c: Clause, e: MatchableEntry, lowerMessage: () => string): boolean {
  switch (c.kind) {
    case 'text':
      // Punctuation-only text is matched as written (no letters, so no case).
      return c.tokens.length ? containsPhrase(lowerMessage(), c.text) : e.message.includes(c.text)
    case 'level':
      return (c.values as string[]).includes(e.level)
    case 'service':
      return c.values.includes(e.service)
    case 'attr': {
      const attrs = e.attributes ?? {}
      if (!Object.prototype.hasOwnProperty.call(attrs, c.key)) return false
      return c.value === undefined || attrs[c.key] === c.value
    }
  }
}

/** A predicate for a parsed query (every clause must hold). */
export function matcher(query: SearchQuery): (e: MatchableEntry) => boolean {
  return (e) => {
    let lowered: string | undefined
    const lowerMessage = () => (lowered ??= lowerAscii(e.message))
    return query.clauses.every((c) => clauseMatches(c, e, lowerMessage) !== c.negate)
  }
}
