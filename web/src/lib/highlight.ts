/**
 * Search-term highlighting without HTML: the text is split into segments, each rendered as a text
 * node (a matching one inside <mark>), so untrusted log text never reaches innerHTML.
 *
 * The terms come from the `q` syntax (SPEC §4): words match whole tokens case-insensitively,
 * "quoted phrases" match as a whole, -word / -"phrase" exclude (nothing to highlight), and
 * field:value matches an attribute's value.
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

const TOKEN = /^(-?)(?:([\p{L}\p{N}_.-]+):)?(?:"([^"]*)"?|(\S+))/u

export function searchTerms(q: string): SearchTerms {
  const out: SearchTerms = { text: [], fields: {} }
  let rest = q.trim()
  while (rest) {
    const m = TOKEN.exec(rest)
    if (!m) break
    rest = rest.slice(m[0].length).trimStart()
    const [, neg, field, phrase, word] = m
    const value = (phrase ?? word ?? '').trim()
    if (neg || !value) continue
    if (field) (out.fields[field] ??= []).push(value)
    else out.text.push(value)
  }
  return out
}

const WORD_CHAR = '[\\p{L}\\p{N}_]'

/** A matcher for whole-token occurrences of any term, or undefined when there is nothing to find. */
export function termPattern(terms: readonly string[]): RegExp | undefined {
  const uniq = [...new Set(terms.map((t) => t.trim()).filter(Boolean))].sort((a, b) => b.length - a.length)
  if (!uniq.length) return undefined
  const alt = uniq.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+')).join('|')
  return new RegExp(`(?<!${WORD_CHAR})(?:${alt})(?!${WORD_CHAR})`, 'giu')
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
