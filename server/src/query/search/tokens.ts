/**
 * What a token is, shared by the parser, the SQL compiler and the JS matcher so that search, the
 * index and live tail agree. It is ClickHouse's definition (`tokens()`, `hasToken`, `tokenbf_v1`):
 * a maximal run of ASCII letters and digits and of any non-ASCII character; every other ASCII
 * character (space, punctuation, `_`, `-`, `.`) separates tokens. Case folding is ASCII only, as
 * ClickHouse's `lower()` on which the index is built.
 */

/** True for a UTF-16 code unit that is part of a token. */
export function isTokenChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code >= 128
}

/** ASCII-only lower case, like ClickHouse's `lower()` (non-ASCII letters are left as they are). */
export function lowerAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s
}

/** The tokens of a text, in order, as ClickHouse's `tokens(text)`. */
export function tokenize(s: string): string[] {
  const out: string[] = []
  let start = -1
  for (let i = 0; i <= s.length; i++) {
    const inToken = i < s.length && isTokenChar(s.charCodeAt(i))
    if (inToken && start < 0) start = i
    else if (!inToken && start >= 0) {
      out.push(s.slice(start, i))
      start = -1
    }
  }
  return out
}
