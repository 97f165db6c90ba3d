/**
 * `~"regex"`: RE2 syntax (what ClickHouse's `match` runs), also run in JavaScript by the live tail.
 * A pattern is accepted only where both engines mean the same thing: constructs one of them lacks
 * (lookarounds and back-references are JavaScript-only; `\Q..\E`, `[[:alpha:]]` RE2-only) are refused
 * with a message, and the few that both have with different meanings are rewritten for JavaScript
 * (`.` and `\s` are narrower in RE2).
 */

export interface CompiledRegex {
  /** The pattern for ClickHouse (RE2). */
  re2: string
  /** The same pattern for the live tail. */
  js: RegExp
}

export const MAX_REGEX_LENGTH = 1000

/** What is wrong with a pattern; the parser adds the position. */
export class RegexProblem extends Error {}

/** Validates `pattern`; throws a `RegexProblem` saying what is wrong. */
export function compileRegex(pattern: string): CompiledRegex {
  if (!pattern) throw new RegexProblem('empty regular expression')
  if (pattern.length > MAX_REGEX_LENGTH) throw new RegexProblem(`regular expression longer than ${MAX_REGEX_LENGTH} characters`)
  let flags = 'u'
  let body = pattern
  if (body.startsWith('(?i)')) {
    flags += 'i'
    body = body.slice(4)
  }
  let js = ''
  let inClass = false
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string
    if (c === '\\') {
      const n = body[i + 1]
      if (n === undefined) throw new RegexProblem('regular expression ends with a lone backslash')
      if (/[1-9]/.test(n) || n === 'k') throw new RegexProblem(`back-references (\\${n}) are not supported in RE2 syntax`)
      if (n === 'Q' || n === 'E' || n === 'C' || n === 'z' || n === 'A')
        throw new RegexProblem(`\\${n} is RE2-only; write the pattern without it`)
      if (n === 'u' || n === 'c') throw new RegexProblem(`\\${n} is not RE2 syntax; use \\x{...} for a code point`)
      if (n === 's' || n === 'S') {
        // RE2's \s is [\t\n\f\r ]; JavaScript's also takes Unicode spaces.
        js += inClass
          ? n === 's'
            ? '\\t\\n\\f\\r '
            : invalid('\\S inside a character class')
          : n === 's'
            ? '[\\t\\n\\f\\r ]'
            : '[^\\t\\n\\f\\r ]'
      } else if (n === 'x' && body[i + 2] === '{') {
        const end = body.indexOf('}', i)
        if (end < 0) throw new RegexProblem('unterminated \\x{...}')
        js += `\\u{${body.slice(i + 3, end)}}`
        i = end
        continue
      } else js += c + n
      i++
      continue
    }
    if (inClass) {
      if (c === '[' && body[i + 1] === ':') throw new RegexProblem('POSIX classes like [[:alpha:]] are not supported; use [a-zA-Z]')
      if (c === ']') inClass = false
      js += c
      continue
    }
    if (c === '[') {
      inClass = true
      js += c
      if (body[i + 1] === '^') {
        js += '^'
        i++
      }
      if (body[i + 1] === ']') {
        js += '\\]'
        i++
      }
      continue
    }
    if (c === '(' && body[i + 1] === '?') {
      const rest = body.slice(i + 2)
      if (/^(=|!|<=|<!)/.test(rest)) throw new RegexProblem('lookahead and lookbehind are not supported in RE2 syntax')
      if (rest.startsWith('P<')) {
        js += '(?<'
        i += 3
        continue
      }
      if (!rest.startsWith(':') && !/^<[A-Za-z]/.test(rest))
        throw new RegexProblem('only (?:...), (?P<name>...) and a leading (?i) are supported among (?...) groups')
    }
    // RE2's . excludes only \n; JavaScript's also \r, \u2028, \u2029.
    js += c === '.' ? '[^\\n]' : c
  }
  try {
    return { re2: pattern, js: new RegExp(js, flags) }
  } catch (err) {
    throw new RegexProblem(`invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`)
  }
}

function invalid(what: string): never {
  throw new RegexProblem(`${what} is not supported`)
}
