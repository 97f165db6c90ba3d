/**
 * A parsed search compiled to one SQL condition over the logs table. Every value is a typed
 * parameter. Text conditions come in two parts: `hasToken(lower(message), tok)` for each token, a
 * shape the token index on `lower(message)` can use to skip granules, then for a phrase an exact
 * check (a regular expression anchored at token boundaries) on the rows that are left.
 */
import type { Params, SearchCompiler } from '../../store/index.js'
import type { Clause, SearchQuery } from './parser.js'
import { isTokenChar } from './tokens.js'

/** ASCII characters that are not part of a token, as an RE2 class. */
const SEPARATOR = '[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]'

/**
 * The RE2 pattern for a phrase (already lower-cased) at token boundaries. Every ASCII character
 * that is not a letter or digit is written as `\xHH`, so nothing in the text is a metacharacter.
 */
export function phrasePattern(text: string): string {
  let body = ''
  for (const ch of text) {
    const c = ch.codePointAt(0) as number
    body += c < 128 && !isTokenChar(c) ? `\\x${c.toString(16).padStart(2, '0')}` : ch
  }
  const head = isTokenChar(text.charCodeAt(0)) ? `(?:^|${SEPARATOR})` : ''
  const tail = isTokenChar(text.charCodeAt(text.length - 1)) ? `(?:$|${SEPARATOR})` : ''
  return head + body + tail
}

function textCondition(c: Extract<Clause, { kind: 'text' }>, p: Params): string {
  const has = [...new Set(c.tokens)].map((t) => `hasToken(lower(message), ${p.add('String', t)})`)
  if (c.tokens.length === 1 && c.tokens[0] === c.text) return has[0] as string
  // Punctuation only: no token to look up, no boundary to respect.
  if (!has.length) return `position(message, ${p.add('String', c.text)}) > 0`
  return `${has.join(' AND ')} AND match(lower(message), ${p.add('String', phrasePattern(c.text))})`
}

function clauseCondition(c: Clause, p: Params): string {
  switch (c.kind) {
    case 'text':
      return textCondition(c, p)
    case 'level':
      return `level IN ${p.add('Array(String)', c.values)}`
    case 'service':
      return `service IN ${p.add('Array(String)', c.values)}`
    case 'attr': {
      const key = p.add('String', c.key)
      if (c.value === undefined) return `mapContains(attributes, ${key})`
      return `mapContains(attributes, ${key}) AND attributes[${key}] = ${p.add('String', c.value)}`
    }
  }
}

/** The SQL condition for a parsed query, or undefined when it has no clause. */
export function compileQuery(query: SearchQuery): SearchCompiler | undefined {
  if (!query.clauses.length) return undefined
  return (p) => query.clauses.map((c) => (c.negate ? `NOT (${clauseCondition(c, p)})` : `(${clauseCondition(c, p)})`)).join(' AND ')
}
