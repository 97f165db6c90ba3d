/**
 * Search and analytics (`q`, SPEC §4 and §8): one parser into one IR (ir.ts); the filter compiles to
 * SQL for the query API and to a JS predicate for live tail, with the same meaning; the stages compile
 * to SQL only (pipeline.ts). Syntax and semantics: see `parser.ts` and `pipes.ts`.
 */
import type { SearchCompiler } from '../../store/index.js'
import { Errors } from '../../errors.js'
import { compileQuery } from './compile.js'
import { matcher, type MatchableEntry } from './match.js'
import { parseQuery as parseAll, parseSearch as parse, SearchSyntaxError, type SearchQuery } from './parser.js'
import type { Pipeline } from './ir.js'

export type { Clause, SearchQuery, Pipeline, Stage } from './ir.js'
export type { MatchableEntry } from './match.js'
export { SearchSyntaxError, MAX_CLAUSES } from './parser.js'
export { phrasePattern, compileQuery } from './compile.js'
export { compilePipeline, quoteName, type Column, type CompiledPipeline } from './pipeline.js'
export { MAX_ROWS } from './pipes.js'
export { containsPhrase } from './match.js'
export { isTokenChar, lowerAscii, tokenize } from './tokens.js'

/** Turns a syntax error into a 400 `LOG_ERR_BAD_QUERY` naming the position and the problem. */
export function badQuery<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof SearchSyntaxError) throw new Errors.BAD_QUERY(err.message)
    throw err
  }
}

/** Parses a filter-only `q` (a pipe is a 400). */
export function parseSearch(q: string): SearchQuery {
  return badQuery(() => parse(q))
}

/** Parses a whole `q`: the filter and its stages. */
export function parseQuery(q: string): Pipeline {
  return badQuery(() => parseAll(q))
}

/** `q` as a SQL condition for the store, or undefined for an empty search. Throws a 400 on bad syntax or on pipes. */
export function compileSearch(q: string): SearchCompiler | undefined {
  return compileQuery(parseSearch(q))
}

/** `q` as a predicate on one entry (live tail), with the same meaning as `compileSearch`. Throws a 400 on bad syntax or on pipes. */
export function matchesSearch(q: string): (e: MatchableEntry) => boolean {
  return matcher(parseSearch(q))
}
