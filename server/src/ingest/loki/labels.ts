/**
 * Loki's label string, `{job="api", env="prod"}` (the `labels` field of a protobuf stream and of the
 * legacy JSON form): a PromQL series selector with only `=` matchers, values Go-quoted.
 */
import { EntryError } from '../../model/index.js'

const NAME = /[A-Za-z_][A-Za-z0-9_.]*/y

/** Parses a label string; throws EntryError('invalid_labels') naming what is wrong. */
export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  let i = 0
  const fail = (what: string): never => {
    throw new EntryError('invalid_labels', `invalid labels ${clip(s)}: ${what} at offset ${i}`)
  }
  const ws = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++
  }
  ws()
  if (s[i] !== '{') fail("expected '{'")
  i++
  ws()
  if (s[i] === '}') {
    i++
    ws()
    if (i !== s.length) fail("unexpected text after '}'")
    return out
  }
  for (;;) {
    ws()
    NAME.lastIndex = i
    const m = NAME.exec(s)
    if (!m) fail('expected a label name')
    const name = (m as RegExpExecArray)[0]
    i += name.length
    ws()
    if (s[i] !== '=') fail("expected '='")
    i++
    ws()
    const quote = s[i]
    if (quote !== '"' && quote !== '`') fail('expected a quoted value')
    i++
    let value = ''
    for (;;) {
      if (i >= s.length) fail('unterminated value')
      const c = s[i] as string
      if (c === quote) {
        i++
        break
      }
      if (c === '\\' && quote === '"') {
        const e = s[i + 1]
        if (e === undefined) fail('unterminated escape')
        value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e
        i += 2
        continue
      }
      value += c
      i++
    }
    out[name] = value
    ws()
    if (s[i] === ',') {
      i++
      ws()
      if (s[i] === '}') break // a trailing comma is tolerated, as Loki does
      continue
    }
    if (s[i] === '}') break
    fail("expected ',' or '}'")
  }
  i++
  ws()
  if (i !== s.length) fail("unexpected text after '}'")
  return out
}

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s
}
