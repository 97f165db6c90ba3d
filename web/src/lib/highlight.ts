/**
 * Search-term highlighting without HTML: the text is split into segments, each rendered as a text
 * node (a matching one inside <mark>), so untrusted log text never reaches innerHTML.
 *
 * The terms come from the `q` syntax (SPEC §4, server/src/query/search/parser.ts): words match
 * whole tokens case-insensitively, "quoted phrases" match as exact text at token boundaries,
 * -word / -"phrase" exclude (nothing to highlight), and field:value matches an attribute's value
 * (`attr.level:x` for an attribute named like a reserved field).
 *
 * A token is the server's (ClickHouse's `tokens()`): a run of ASCII letters and digits and of any
 * non-ASCII character; everything else, `_` included, separates tokens.
 */

export interface SearchTerms {
  /** Words and phrases to find in the message. */
  text: string[]
  /** field -> values to find in that attribute. */
  fields: Record<string, string[]>
}

export interface Segment {
  text: string
  hit: boolean
}

const TOKEN = /^(-?)(?:([A-Za-z_][A-Za-z0-9_.-]*):)?(?:"((?:[^"\\]|\\.)*)"?|(\S+))/

export function searchTerms(q: string): SearchTerms {
  const out: SearchTerms = { text: [], fields: {} }
  let rest = q.trim()
  while (rest) {
    const m = TOKEN.exec(rest)
    if (!m) break
    rest = rest.slice(m[0].length).trimStart()
    const [, neg, field, phrase, word] = m
    const value = (phrase !== undefined ? phrase.replace(/\\(.)/g, '$1') : (word ?? '')).trim()
    if (neg || !value) continue
    if (field) {
      const key = field.startsWith('attr.') ? field.slice(5) : field
      // level:/service: filter on those columns; `key:*` only asks that the attribute exists.
      if (field === 'level' || field === 'service' || value === '*') continue
      ;(out.fields[key] ??= []).push(value)
    } else out.text.push(value)
  }
  return out
}

const WORD_CHAR = '[A-Za-z0-9\\u0080-\\uffff]'

/** A matcher for whole-token occurrences of any term, or undefined when there is nothing to find. */
export function termPattern(terms: readonly string[]): RegExp | undefined {
  const uniq = [...new Set(terms.map((t) => t.trim()).filter(Boolean))].sort((a, b) => b.length - a.length)
  if (!uniq.length) return undefined
  const alt = uniq.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')
  return new RegExp(`(?<!${WORD_CHAR})(?:${alt})(?!${WORD_CHAR})`, 'gi')
}

/** Splits `text` into plain and matching segments; joined back they are exactly `text`. */
export function splitHighlights(text: string, pattern: RegExp | undefined): Segment[] {
  if (!pattern || !text) return [{ text, hit: false }]
  const out: Segment[] = []
  let last = 0
  pattern.lastIndex = 0
  for (const m of text.matchAll(pattern)) {
    const i = m.index ?? 0
    if (m[0].length === 0) continue
    if (i > last) out.push({ text: text.slice(last, i), hit: false })
    out.push({ text: m[0], hit: true })
    last = i + m[0].length
  }
  if (last < text.length) out.push({ text: text.slice(last), hit: false })
  return out.length ? out : [{ text, hit: false }]
}
