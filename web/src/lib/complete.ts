/**
 * Autocompletion in the search box (issue 14): what is being typed at the caret of a `q`, and what an
 * accepted suggestion turns the text into. Pure functions; the search box fetches the candidates
 * (field names from `/api/fields`, values from `/api/field_values`) and the pipe and function names
 * come from the list the parser itself uses (`@oglogstream/shared`).
 *
 *   level:err█            value of `level` starting with `err`
 *   us█                   a field name starting with `us` (accepting it writes `user:`, then values)
 *   error | st█           a pipe name (every pipe after a bare `|`)
 *   | stats count(), a█   a stats function
 *   | json | sort by (t█  a field name (fields, sort, by, top, uniq)
 */
import { QUERY_PIPES, STATS_FUNCTIONS } from '@oglogstream/shared'

export type CompletionKind = 'field' | 'value' | 'pipe' | 'function'

export interface Completion {
  kind: CompletionKind
  /** What is typed of the thing being completed (for a value: after `field:` and an opening quote). */
  prefix: string
  /** The text [start, end) an accepted suggestion replaces. */
  start: number
  end: number
  /** A value's field. */
  field?: string
  /** A field in the filter (accepting writes `name:`) or in a stage (accepting writes the name). */
  inFilter?: boolean
  /**
   * The `q` whose fields (or values) are asked for: the stages before the one being typed (`| json`
   * brings the message's keys), without the filter words typed so far, so that a half-typed filter is
   * never sent. Empty for the filter before the first pipe.
   */
  base: string
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/
const OPERATORS = new Set(['OR', 'AND', 'NOT'])
/** Stages whose arguments are field names. */
const FIELD_STAGES = new Set(['fields', 'sort', 'top', 'uniq'])

/** Positions of the `|` outside quotes in `text`, and whether `text` ends inside a quote. */
function scan(text: string): { pipes: number[]; quoted: boolean; quoteAt: number } {
  const pipes: number[] = []
  let quoted = false
  let quoteAt = -1
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted && c === '\\') i++
    else if (c === '"') {
      quoted = !quoted
      if (quoted) quoteAt = i
    } else if (!quoted && c === '|') pipes.push(i)
  }
  return { pipes, quoted, quoteAt }
}

/** The run of word characters after the caret (replaced too when a suggestion is accepted). */
function wordEnd(text: string, caret: number): number {
  let end = caret
  while (end < text.length && /[A-Za-z0-9_.-]/.test(text[end] as string)) end++
  return end
}

/** What is being completed at `caret` in `text`, or undefined when nothing is. */
export function completionAt(text: string, caret: number): Completion | undefined {
  const before = text.slice(0, caret)
  const { pipes, quoted, quoteAt } = scan(before)
  const lastPipe = pipes.length ? (pipes[pipes.length - 1] as number) : -1
  const base = lastPipe >= 0 ? text.slice(0, lastPipe).trim() : ''
  if (quoted) {
    // Only a value in quotes is completed: `user:"Al█`.
    const m = /(?:^|[\s(])-?([A-Za-z_][A-Za-z0-9_.-]*):$/.exec(before.slice(0, quoteAt))
    if (!m) return undefined
    const field = m[1] as string
    let end = caret
    while (end < text.length && text[end] !== '"') end++
    if (text[end] === '"') end++
    return { kind: 'value', field, prefix: before.slice(quoteAt + 1), start: quoteAt, end, base: filterBase(lastPipe, base) }
  }
  let seg = before.slice(lastPipe + 1)
  let segAt = lastPipe + 1
  if (lastPipe >= 0) {
    const pipe = /^\s*([A-Za-z_]*)$/.exec(seg)
    if (pipe) {
      const prefix = pipe[1] as string
      return { kind: 'pipe', prefix, start: caret - prefix.length, end: wordEnd(text, caret), base }
    }
    const word = /^\s*([A-Za-z_]+)(?=[\s(]|$)/.exec(seg)
    const stage = word?.[1] ?? ''
    if (stage === 'stats') {
      const rest = seg.slice((word as RegExpExecArray)[0].length)
      const by = /\bby\b/.exec(rest)
      if (!by) {
        // A function where one starts: after `stats` or a `,` that follows a closed call.
        const fn = /(?:^|,)\s*([A-Za-z_]*)$/.exec(rest)
        if (fn && !/\([^)]*$/.test(rest)) {
          const prefix = fn[1] as string
          return { kind: 'function', prefix, start: caret - prefix.length, end: wordEnd(text, caret), base }
        }
        // Inside a call: its field (`avg(t`).
        return nameIn(rest, text, caret, stageBaseOf(text, lastPipe))
      }
      return nameIn(rest.slice(by.index + 2), text, caret, stageBaseOf(text, lastPipe))
    }
    if (FIELD_STAGES.has(stage)) return nameIn(seg.slice((word as RegExpExecArray)[0].length), text, caret, stageBaseOf(text, lastPipe))
    if (stage && (QUERY_PIPES as readonly string[]).includes(stage) && stage !== 'filter') return undefined
    if (stage === 'filter') {
      segAt += (word as RegExpExecArray)[0].length
      seg = before.slice(segAt)
    }
  }
  // A filter: the word at the caret, after a space, a parenthesis or an exclusion.
  const tok = /(?:^|[\s(])(-?)([^\s()"]*)$/.exec(seg)
  if (!tok) return undefined
  const token = tok[2] as string
  const tokenAt = caret - token.length
  const colon = token.indexOf(':')
  if (colon > 0) {
    const field = token.slice(0, colon)
    const prefix = token.slice(colon + 1)
    if (!NAME.test(field) || /^[<>=~*]/.test(prefix) || /[*,]/.test(prefix)) return undefined
    let end = caret
    while (end < text.length && !/[\s()]/.test(text[end] as string)) end++
    return { kind: 'value', field, prefix, start: tokenAt + colon + 1, end, base: filterBase(lastPipe, base) }
  }
  if (!token || !NAME.test(token) || OPERATORS.has(token)) return undefined
  return { kind: 'field', prefix: token, start: tokenAt, end: wordEnd(text, caret), inFilter: true, base: filterBase(lastPipe, base) }
}

/** Fields of a filter stage come from the stages before it; those of the filter before any pipe, from none. */
function filterBase(lastPipe: number, base: string): string {
  return lastPipe >= 0 ? base : ''
}

/** The `q` before the stage that starts at `pipeAt`. */
function stageBaseOf(text: string, pipeAt: number): string {
  return text.slice(0, pipeAt).trim()
}

/** A field name being typed in a list of names (`fields a, b`, `by (a, b`, `sort by (a desc, b`). */
function nameIn(rest: string, text: string, caret: number, base: string): Completion | undefined {
  const m = /(?:^|[\s(,])([A-Za-z_][A-Za-z0-9_.-]*)$/.exec(rest)
  if (!m) return undefined
  const prefix = m[1] as string
  if (['by', 'desc', 'asc', 'as'].includes(prefix)) return undefined
  // A stats function's argument is a field too; `by` itself is not.
  return { kind: 'field', prefix, start: caret - prefix.length, end: wordEnd(text, caret), inFilter: false, base }
}

export interface Suggestion {
  /** What the list shows. */
  label: string
  /** A short note beside it (hits, what a pipe does). */
  detail?: string
  /** The text that replaces [start, end). */
  insert: string
}

/** A value as written after `field:`: bare when it is a plain word, else quoted. */
export function quoteValue(v: string): string {
  if (/^[A-Za-z0-9_./@-]+$/.test(v) && !v.endsWith('*') && !/^[<>=~]/.test(v)) return v
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** The built-in fields a filter can name, offered beside the attributes. */
const FILTER_FIELDS = ['level', 'service']
const STAGE_FIELDS = ['_time', 'level', 'service', 'message']

const PIPE_NOTES: Record<string, string> = {
  json: "the message's JSON keys as fields",
  logfmt: 'key=value pairs as fields',
  extract: 'fields by a pattern: extract "from <ip> "',
  fields: 'keep these columns',
  sort: 'sort by (field desc)',
  limit: 'the first N rows',
  stats: 'count(), avg(x) ... by (field)',
  top: 'top 10 by (field)',
  uniq: 'uniq by (field)',
  filter: 'a filter on the rows so far',
}

const startsWith = (s: string, prefix: string) => s.toLowerCase().startsWith(prefix.toLowerCase())

/** At most this many suggestions are shown. */
export const MAX_SUGGESTIONS = 12

/**
 * The suggestions for `c`: `fields` (names with hits, from /api/fields) for a field, `values` (from
 * /api/field_values) for a value; pipes and functions from the parser's own lists. What is typed
 * exactly already is left out (nothing to complete).
 */
export function suggestions(
  c: Completion,
  fields: readonly { name: string; hits: number }[] = [],
  values: readonly { value: unknown; hits: number }[] = [],
): Suggestion[] {
  let out: Suggestion[] = []
  if (c.kind === 'pipe') {
    out = QUERY_PIPES.filter((p) => startsWith(p, c.prefix)).map((p) => ({
      label: p,
      detail: PIPE_NOTES[p],
      insert: p === 'sort' || p === 'uniq' ? `${p} by (` : `${p} `,
    }))
  } else if (c.kind === 'function') {
    out = STATS_FUNCTIONS.filter((f) => startsWith(f, c.prefix)).map((f) => ({
      label: `${f}()`,
      insert: f === 'count' ? 'count()' : f === 'quantile' ? 'quantile(0.95, ' : `${f}(`,
    }))
  } else if (c.kind === 'field') {
    const seen = new Set<string>()
    const builtins = (c.inFilter ? FILTER_FIELDS : STAGE_FIELDS).map((name) => ({ name, hits: undefined as number | undefined }))
    for (const f of [...fields, ...builtins]) {
      if (seen.has(f.name) || !startsWith(f.name, c.prefix) || f.name === c.prefix) continue
      seen.add(f.name)
      out.push({ label: f.name, detail: f.hits === undefined ? undefined : `${f.hits}`, insert: c.inFilter ? `${f.name}:` : f.name })
    }
  } else {
    for (const v of values) {
      if (v.value === null || v.value === undefined) continue
      const s = String(v.value)
      if (s === '' || !startsWith(s, c.prefix) || s === c.prefix) continue
      out.push({ label: s, detail: `${v.hits}`, insert: `${quoteValue(s)} ` })
    }
  }
  return out.slice(0, MAX_SUGGESTIONS)
}

/** The text and caret after accepting `s` for `c`. */
export function accept(text: string, c: Completion, s: Suggestion): { text: string; caret: number } {
  let insert = s.insert
  // A value replaces the rest of the word; no double space before what follows.
  if (insert.endsWith(' ') && /^\s/.test(text.slice(c.end))) insert = insert.trimEnd()
  const out = text.slice(0, c.start) + insert + text.slice(c.end)
  return { text: out, caret: c.start + insert.length + (insert === s.insert ? 0 : 1) }
}
