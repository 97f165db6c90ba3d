/**
 * "Filter for" / "filter out" a field value: the `q` term that selects (or excludes) entries whose
 * field has exactly that value, and `q` with that term added. The terms are the `q` syntax
 * (server/src/query/search/parser.ts): `key:"value"` is an exact attribute match (quoted, so that
 * `*`, `>` or spaces in the value are plain text), `level:` and `service:` are the columns,
 * `attr.key:` names an attribute called like a reserved field, and a `"phrase"` is exact message text.
 */
import { filterPart, pipeIndex } from './pipes.ts'

/** Field names the `q` grammar reads after a `:` (a letter or `_` first). */
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/
/** Names with a meaning of their own in `q`: an attribute so named is written `attr.<name>`. */
const RESERVED = new Set(['level', 'service', '_time', 'trace_id', 'span_id', 'id'])

export type FieldKind = 'level' | 'service' | 'attr' | 'trace_id' | 'span_id' | 'text'

export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/**
 * The term for `kind`/`key` = `value`, or undefined when `q` cannot say it (an attribute name with
 * spaces or punctuation the grammar does not take, a service name with a comma).
 */
export function fieldTerm(kind: FieldKind, key: string, value: string): string | undefined {
  switch (kind) {
    case 'level':
      return `level:${value.toLowerCase()}`
    case 'service':
      return value.includes(',') || !value ? undefined : `service:${quote(value)}`
    case 'trace_id':
    case 'span_id':
      return value ? `${kind}:${quote(value)}` : undefined
    case 'text':
      return value.trim() ? quote(value) : undefined
    case 'attr': {
      if (!NAME.test(key)) return undefined
      const name = RESERVED.has(key.toLowerCase()) || key.startsWith('attr.') ? `attr.${key}` : key
      return `${name}:${quote(value)}`
    }
  }
}

/** The terms of the filter part of `q`, split at spaces outside quotes (enough to find and drop one term). */
export function filterTerms(q: string): string[] {
  const f = filterPart(q)
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < f.length; i++) {
    const c = f[i] as string
    if (quoted && c === '\\') {
      cur += c + (f[i + 1] ?? '')
      i++
      continue
    }
    if (c === '"') quoted = !quoted
    if (!quoted && /\s/.test(c)) {
      if (cur) out.push(cur)
      cur = ''
    } else cur += c
  }
  if (cur) out.push(cur)
  return out
}

/**
 * `q` with `term` added (`negate`: as `-term`), before any pipe. The opposite term, if present, is
 * removed (filter out after filter for swaps it); the same term twice is not added.
 */
export function addTerm(q: string, term: string, negate: boolean): string {
  const want = negate ? `-${term}` : term
  const opposite = negate ? term : `-${term}`
  const terms = filterTerms(q).filter((t) => t !== opposite)
  if (!terms.includes(want)) terms.push(want)
  // An OR in the filter binds looser than the new term: keep the user's filter as one group.
  const hasOr = filterTerms(q).includes('OR')
  const rest = terms.filter((t) => t !== want)
  const filter = hasOr && rest.length ? `(${rest.join(' ')}) ${want}` : terms.join(' ')
  const p = pipeIndex(q)
  return p < 0 ? filter : `${filter} ${q.slice(p).trim()}`
}

/** `q` without `term` (or `-term`): the "remove this filter" of a chosen field value. */
export function removeTerm(q: string, term: string): string {
  const terms = filterTerms(q).filter((t) => t !== term && t !== `-${term}`)
  const p = pipeIndex(q)
  const filter = terms.join(' ')
  return p < 0 ? filter : `${filter} ${q.slice(p).trim()}`.trim()
}

/** Whether `q`'s filter holds `term` as is (1), negated (-1), or not (0). */
export function termState(q: string, term: string): 1 | -1 | 0 {
  const terms = filterTerms(q)
  if (terms.includes(term)) return 1
  if (terms.includes(`-${term}`)) return -1
  return 0
}
