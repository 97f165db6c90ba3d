/**
 * Search (`q`, SPEC §4): one parser, compiled to SQL for the query API and to a JS predicate for
 * live tail, with the same meaning. Syntax and semantics: see `parser.ts`.
 */
import type { SearchCompiler } from '../../store/index.js'
import { Errors } from '../../errors.js'
import { compileQuery } from './compile.js'
import { matcher, type MatchableEntry } from './match.js'
import { parseSearch as parse, SearchSyntaxError, type SearchQuery } from './parser.js'

export type { Clause, SearchQuery } from './parser.js'
export type { MatchableEntry } from './match.js'
export { SearchSyntaxError, MAX_CLAUSES } from './parser.js'
export { phrasePattern } from './compile.js'
export { containsPhrase } from './match.js'
export { isTokenChar, lowerAscii, tokenize } from './tokens.js'

/** Parses `q`; a syntax error becomes a 400 `LOG_ERR_BAD_QUERY` naming the position and the problem. */
export function parseSearch(q: string): SearchQuery {
  try {
    return parse(q)
  } catch (err) {
    if (err instanceof SearchSyntaxError) throw new Errors.BAD_QUERY(err.message)
    throw err
  }
}

/** `q` as a SQL condition for the store, or undefined for an empty search. Throws a 400 on bad syntax. */
export function compileSearch(q: string): SearchCompiler | undefined {
  return compileQuery(parseSearch(q))
}

/** `q` as a predicate on one entry (live tail), with the same meaning as `compileSearch`. Throws a 400 on bad syntax. */
export function matchesSearch(q: string): (e: MatchableEntry) => boolean {
  return matcher(parseSearch(q))
}
