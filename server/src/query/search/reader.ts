/** A cursor over `q` shared by the filter and the pipe parsers: quoted strings, bare words, names. */
import { SearchSyntaxError } from './ir.js'

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c)

export class Reader {
  i = 0
  /** Open parentheses: inside one, `)` ends a bare word. */
  depth = 0

  constructor(readonly q: string) {}

  get done(): boolean {
    return this.i >= this.q.length
  }
  get c(): string | undefined {
    return this.q[this.i]
  }
  isSpaceAt(i: number): boolean {
    return isSpace(this.q[i])
  }

  fail(at: number, problem: string): never {
    throw new SearchSyntaxError(at, problem)
  }

  skipSpace(): void {
    while (this.i < this.q.length && isSpace(this.q[this.i])) this.i++
  }

  /** True (and consumed) when `word` is next, followed by a space, the end, or one of `followers`. */
  keyword(word: string, followers = ''): boolean {
    if (!this.q.startsWith(word, this.i)) return false
    const after = this.q[this.i + word.length]
    if (after !== undefined && !isSpace(after) && !followers.includes(after)) return false
    this.i += word.length
    return true
  }

  /** Reads a quoted string starting at the `"` at `i`; `\"` and `\\` are escapes. */
  quoted(): string {
    const open = this.i
    const q = this.q
    let out = ''
    for (this.i++; this.i < q.length; this.i++) {
      const c = q[this.i] as string
      if (c === '\\' && (q[this.i + 1] === '"' || q[this.i + 1] === '\\')) out += q[++this.i]
      else if (c === '"') {
        this.i++
        const next = q[this.i]
        if (next !== undefined && !isSpace(next) && !(next === ')' && this.depth > 0) && next !== '|') {
          this.fail(this.i, 'expected a space after the closing quote')
        }
        return out
      } else out += c
    }
    this.fail(open, 'unterminated quote (add the closing ")')
  }

  /** Reads a bare word up to whitespace (or `)` inside parentheses); a quote inside it is an error. */
  bare(): string {
    const start = this.i
    const q = this.q
    while (this.i < q.length && !isSpace(q[this.i]) && !(this.depth > 0 && q[this.i] === ')')) {
      if (q[this.i] === '"') this.fail(this.i, 'unexpected quote inside a word (put a space before it, or quote the whole phrase)')
      this.i++
    }
    return q.slice(start, this.i)
  }

  /** A field name in a stage: letters, digits, `_ . -`, starting with a letter or `_`. */
  name(what: string): { name: string; at: number } {
    this.skipSpace()
    const at = this.i
    const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(this.q.slice(this.i, this.i + 200))
    if (!m) this.fail(at, `expected ${what}${this.done ? '' : `, found '${this.q.slice(at, at + 20)}'`}`)
    this.i += m[0].length
    return { name: m[0], at }
  }

  /** Consumes `ch` after optional spaces, or fails naming what was expected. */
  expect(ch: string, what: string): void {
    this.skipSpace()
    if (this.q[this.i] !== ch) this.fail(this.i, `expected ${what}${this.done ? ' before the end' : ''}`)
    this.i++
  }

  /** Consumes `ch` after optional spaces when it is next. */
  accept(ch: string): boolean {
    this.skipSpace()
    if (this.q[this.i] !== ch) return false
    this.i++
    return true
  }
}
