/**
 * A message that is a JSON object or logfmt (`key=value key2="a b"`) read as fields, so the detail can
 * show it pretty-printed with its keys as fields (and filter on them). Nested JSON objects flatten to
 * dotted keys (`req.method`), arrays stay JSON text; the same names the `| json` pipe produces for the
 * top level.
 */

export interface Structured {
  format: 'json' | 'logfmt'
  /** key -> value as text, in the message's order. */
  fields: [string, string][]
  /** The message re-indented (JSON) or one pair per line (logfmt). */
  pretty: string
}

const MAX_FIELDS = 200

function flatten(obj: Record<string, unknown>, prefix: string, out: [string, string][]): void {
  for (const [k, v] of Object.entries(obj)) {
    if (out.length >= MAX_FIELDS) return
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out)
    else out.push([key, typeof v === 'string' ? v : JSON.stringify(v)])
  }
}

function parseJson(message: string): Structured | undefined {
  const t = message.trim()
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined
  let obj: unknown
  try {
    obj = JSON.parse(t)
  } catch {
    return undefined
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined
  const fields: [string, string][] = []
  flatten(obj as Record<string, unknown>, '', fields)
  return { format: 'json', fields, pretty: JSON.stringify(obj, null, 2) }
}

const PAIR = /([A-Za-z_][A-Za-z0-9_.\-/]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)/y

/** logfmt: only when the whole message is pairs separated by spaces (at least two, so prose with one `a=b` is not logfmt). */
export function parseLogfmt(message: string): Structured | undefined {
  const fields: [string, string][] = []
  let i = 0
  const s = message.trim()
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++
    if (i >= s.length) break
    PAIR.lastIndex = i
    const m = PAIR.exec(s)
    if (!m) return undefined
    i = PAIR.lastIndex
    if (i < s.length && s[i] !== ' ' && s[i] !== '\t') return undefined
    const raw = m[2] as string
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw
    if (fields.length < MAX_FIELDS) fields.push([m[1] as string, value])
  }
  if (fields.length < 2) return undefined
  return { format: 'logfmt', fields, pretty: fields.map(([k, v]) => `${k}=${/[\s"=]/.test(v) || !v ? JSON.stringify(v) : v}`).join('\n') }
}

export function parseStructured(message: string): Structured | undefined {
  if (message.length > 256 * 1024) return undefined
  return parseJson(message) ?? parseLogfmt(message)
}

/**
 * The message text that finds entries with this extracted field value: the `key=value` (logfmt) or
 * `"key":value` (JSON) as written in `message` when it is there verbatim, else the value alone.
 */
export function extractedPhrase(message: string, format: Structured['format'], key: string, value: string): string {
  const candidates =
    format === 'logfmt'
      ? [`${key}=${value}`, `${key}=${JSON.stringify(value)}`]
      : [`"${key}":${JSON.stringify(value)}`, `"${key}":${value}`, `"${key}": ${JSON.stringify(value)}`, `"${key}": ${value}`]
  return candidates.find((c) => !key.includes('.') && message.includes(c)) ?? value
}
