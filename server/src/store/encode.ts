/**
 * Rows for the insert, encoded straight from the entries into UTF-8 chunks (never one string of the
 * whole batch: a V8 string stops at 512 MiB, and a batch of large attribute maps reached it, issue 11).
 *
 * TabSeparated rather than JSONEachRow: measured with `bench/insert-formats.mts` on the real schema
 * (10k-row blocks of loghub lines) it is cheaper for the engine to parse and for us to write (no key
 * per field, no JSON quoting of every value). Binary formats (RowBinary, Native) cannot pass: the
 * embedded connection turns the body into a UTF-8 string, which corrupts bytes that are not valid UTF-8.
 */
import { DEFAULT_TENANT, entryBytes, toClickHouse, type Entry } from '../model/index.js'

/**
 * The columns, in the order the TabSeparated encoder writes them. `level` (never empty) comes last: the
 * embedded engine trims the text of a query, and through the client's insert the body is part of it, so
 * a last field that may be empty (a span id) would lose its tab separator and the row would not parse.
 */
export const COLUMNS = ['tenant', 'timestamp', 'service', 'message', 'attributes', 'trace_id', 'span_id', 'id', 'pattern_id', 'level'] as const

/** Bytes a chunk of encoded rows grows to before it is handed on (one `Buffer` per chunk). */
export const CHUNK_BYTES = 1 << 20 // 1 MiB

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', "'": "\\'" }
const TSV_FIELD = /[\\\t\n\r\0]/
const TSV_FIELD_G = /[\\\t\n\r\0]/g
// Inside a Map the values are in ClickHouse's quoted form (and not escaped again as a TSV field).
const QUOTED = /[\\'\t\n\r\0]/
const QUOTED_G = /[\\'\t\n\r\0]/g
const sub = (c: string): string => TSV_ESCAPES[c] as string

/** A TabSeparated field: backslash, tab, newline, carriage return and NUL are escaped. */
export function tsvField(s: string): string {
  return TSV_FIELD.test(s) ? s.replace(TSV_FIELD_G, sub) : s
}

function quoted(s: string): string {
  return `'${QUOTED.test(s) ? s.replace(QUOTED_G, sub) : s}'`
}

/** One entry as one TabSeparated line, `\n` included, in `COLUMNS` order. */
export function tsvRow(e: Entry): string {
  let attrs = '{'
  let first = true
  for (const k in e.attributes) {
    attrs += `${first ? '' : ','}${quoted(k)}:${quoted(e.attributes[k] as string)}`
    first = false
  }
  attrs += '}'
  return `${tsvField(e.tenant ?? DEFAULT_TENANT)}\t${toClickHouse(e.timestamp)}\t${tsvField(e.service)}\t${tsvField(e.message)}\t${attrs}\t${tsvField(e.trace_id)}\t${tsvField(e.span_id)}\t${tsvField(e.id ?? '')}\t${tsvField(e.pattern_id ?? '')}\t${e.level}\n`
}

/** One entry as one JSONEachRow line (the format the store used before; kept for the benchmark). */
export function jsonRow(e: Entry): string {
  return (
    JSON.stringify({
      tenant: e.tenant ?? DEFAULT_TENANT,
      timestamp: toClickHouse(e.timestamp),
      level: e.level,
      service: e.service,
      message: e.message,
      attributes: e.attributes,
      trace_id: e.trace_id,
      span_id: e.span_id,
      id: e.id ?? '',
      pattern_id: e.pattern_id ?? '',
    }) + '\n'
  )
}

/**
 * The encoded rows as UTF-8 chunks of about `chunkBytes` each (a row is never split). Each row is
 * written straight into the chunk, with no string of the chunk in between. Lazy: a consumer that
 * streams the chunks (HTTP) holds one chunk at a time.
 */
export function* encodeRows(entries: readonly Entry[], row: (e: Entry) => string = tsvRow, chunkBytes = CHUNK_BYTES): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(chunkBytes)
  let off = 0
  for (const e of entries) {
    const r = row(e)
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    const most = r.length * 3
    if (off + most > buf.length) {
      if (off) yield buf.subarray(0, off)
      buf = Buffer.allocUnsafe(Math.max(chunkBytes, most))
      off = 0
    }
    off += buf.write(r, off, 'utf8')
  }
  if (off) yield buf.subarray(0, off)
}

/**
 * The encoded rows as one `Buffer` (for the embedded engine, which takes the body whole), written
 * into one allocation. TabSeparated rows (the default) are written straight into it, field by field,
 * character by character (no row string, no regular expression, no second pass to UTF-8), the same
 * bytes as `tsvRow` gives; the reserve is 3 bytes per UTF-16 unit (the most a unit takes, escaped or
 * as UTF-8) plus each row's frame, and pages of it that are never written are never touched.
 * Another row format is written row by row within a reserve of twice `entryBytes` plus ids, quoting
 * and frame, and falls back to chunks and a copy for a row that would not fit.
 */
export function encodeBody(entries: readonly Entry[], row: (e: Entry) => string = tsvRow): Buffer {
  if (row === tsvRow) return encodeTsv(entries)
  let cap = 0
  for (const e of entries) {
    // Tenant names are at most 64 ASCII characters (model/tenant.ts), written as they are.
    cap += 2 * (entryBytes(e) + e.trace_id.length * 3 + e.span_id.length * 3 + (e.pattern_id?.length ?? 0)) + 64 + 65
    for (const _ in e.attributes) cap += 6
  }
  const buf = Buffer.allocUnsafe(cap)
  let off = 0
  for (const e of entries) {
    const r = row(e)
    if (off + r.length * 3 > cap && off + Buffer.byteLength(r) > cap) return Buffer.concat([...encodeRows(entries, row)])
    off += buf.write(r, off, 'utf8')
  }
  return buf.subarray(0, off)
}

/** Bytes of one row beside 3 per UTF-16 unit of its strings: 9 tabs, a newline, 2 braces, 6 per attribute. */
const ROW_FRAME = 12
const ATTRIBUTE_FRAME = 6

/**
 * Units beyond which a text is first tested for escapes, and copied as it is when it has none: the
 * runtime copies faster per character, and a text of 13 units or more may be a slice of a larger
 * one, which the loop below reads slowly.
 */
const LONG_TEXT = 12
/** By ASCII code: 0, or the character after the backslash that escapes it (`TSV_ESCAPES`). */
const FIELD_ESCAPE = new Uint8Array(128)
const QUOTED_ESCAPE = new Uint8Array(128)
for (const [c, e] of Object.entries(TSV_ESCAPES)) {
  if (c !== "'") FIELD_ESCAPE[c.charCodeAt(0)] = e.charCodeAt(1)
  QUOTED_ESCAPE[c.charCodeAt(0)] = e.charCodeAt(1)
}

/** `tsvRow` of every entry, as bytes written straight into one buffer (see `encodeBody`). */
function encodeTsv(entries: readonly Entry[]): Buffer {
  let units = 0
  let frame = ROW_FRAME * entries.length
  for (const e of entries) {
    units += (e.tenant ?? DEFAULT_TENANT).length + e.timestamp.length + e.service.length + e.message.length + e.trace_id.length + e.span_id.length
    units += (e.id?.length ?? 0) + (e.pattern_id?.length ?? 0) + e.level.length
    const attrs = e.attributes
    for (const k in attrs) {
      units += k.length + (attrs[k] as string).length
      frame += ATTRIBUTE_FRAME
    }
  }
  const buf = Buffer.allocUnsafe(3 * units + frame)
  let off = 0
  for (const e of entries) {
    off = writeText(buf, off, e.tenant ?? DEFAULT_TENANT, false)
    buf[off++] = 9
    // toClickHouse: the date, a space, the time with its nine digits (the canonical form's first 29
    // units, ASCII digits and separators).
    const ts = e.timestamp
    for (let i = 0; i < 29; i++) buf[off++] = i === 10 ? 32 : ts.charCodeAt(i)
    buf[off++] = 9
    off = writeText(buf, off, e.service, false)
    buf[off++] = 9
    off = writeText(buf, off, e.message, false)
    buf[off++] = 9
    buf[off++] = 123 // {
    let first = true
    const attrs = e.attributes
    for (const k in attrs) {
      if (!first) buf[off++] = 44 // ,
      first = false
      buf[off++] = 39 // '
      off = writeText(buf, off, k, true)
      buf[off++] = 39
      buf[off++] = 58 // :
      buf[off++] = 39
      off = writeText(buf, off, attrs[k] as string, true)
      buf[off++] = 39
    }
    buf[off++] = 125 // }
    buf[off++] = 9
    off = writeText(buf, off, e.trace_id, false)
    buf[off++] = 9
    off = writeText(buf, off, e.span_id, false)
    buf[off++] = 9
    off = writeText(buf, off, e.id ?? '', false)
    buf[off++] = 9
    off = writeText(buf, off, e.pattern_id ?? '', false)
    buf[off++] = 9
    off = writeText(buf, off, e.level, false)
    buf[off++] = 10
  }
  return buf.subarray(0, off)
}

/**
 * `s` as UTF-8 at `off`, escaped as a TabSeparated field (backslash, tab, newline, carriage return,
 * NUL), and `quote`: also `'`, as inside a quoted Map value. A lone surrogate is written as U+FFFD, as
 * `Buffer.write` does. Returns the offset after it.
 */
function writeText(buf: Buffer, off: number, s: string, quote: boolean): number {
  const n = s.length
  // A long text with nothing to escape: copied by the runtime (faster per character than this loop).
  if (n > LONG_TEXT && !(quote ? QUOTED : TSV_FIELD).test(s)) return off + buf.write(s, off, 'utf8')
  return writeChars(buf, off, s, quote)
}

/** `writeText` character by character (a short text: a call into the runtime costs more). */
function writeChars(buf: Buffer, off: number, s: string, quote: boolean): number {
  const n = s.length
  const esc = quote ? QUOTED_ESCAPE : FIELD_ESCAPE
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) {
      const x = esc[c] as number
      if (x === 0) buf[off++] = c
      else {
        buf[off++] = 92 // backslash
        buf[off++] = x
      }
    } else if (c < 0x800) {
      buf[off++] = 0xc0 | (c >> 6)
      buf[off++] = 0x80 | (c & 0x3f)
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
          i++
          buf[off++] = 0xf0 | (c >> 18)
          buf[off++] = 0x80 | ((c >> 12) & 0x3f)
          buf[off++] = 0x80 | ((c >> 6) & 0x3f)
          buf[off++] = 0x80 | (c & 0x3f)
          continue
        }
        c = 0xfffd
      }
      buf[off++] = 0xe0 | (c >> 12)
      buf[off++] = 0x80 | ((c >> 6) & 0x3f)
      buf[off++] = 0x80 | (c & 0x3f)
    }
  }
  return off
}

/**
 * Texts by number as the bytes of a TabSeparated field (escaped UTF-8): the pattern ids a labeler
 * knows, in the order it learnt them. `bodyFromRows` copies an entry's id from here by its number
 * (`RowLabels`), without reading the entry: the entries of a batch of tens of thousands lie all over
 * the heap, and reading each one's id string again at insert cost more than the rest of the copy.
 */
export class FieldTable {
  private bytes = Buffer.allocUnsafe(4096)
  /** Where text j ends in `bytes` (it starts where text j-1 ends). */
  private ends = new Int32Array(256)
  private count = 0

  get size(): number {
    return this.count
  }

  push(text: string): void {
    const at = this.count === 0 ? 0 : (this.ends[this.count - 1] as number)
    if (at + 3 * text.length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, at + 3 * text.length))
      grown.set(this.bytes.subarray(0, at))
      this.bytes = grown
    }
    if (this.count === this.ends.length) {
      const grown = new Int32Array(2 * this.ends.length)
      grown.set(this.ends)
      this.ends = grown
    }
    this.ends[this.count++] = writeChars(this.bytes, at, text, false)
  }

  /** Bytes of text j. */
  length(j: number): number {
    return (this.ends[j] as number) - (j === 0 ? 0 : (this.ends[j - 1] as number))
  }

  /** Writes text j at `off` of `out`; returns the offset after it. */
  write(j: number, out: Buffer, off: number): number {
    const bytes = this.bytes
    const end = this.ends[j] as number
    for (let p = j === 0 ? 0 : (this.ends[j - 1] as number); p < end; p++) out[off++] = bytes[p] as number
    return off
  }
}

/** The pattern ids of a batch's entries: entry k's is text `which[k]` of `ids`. */
export interface RowLabels {
  readonly which: Int32Array
  readonly ids: FieldTable
}

/** Labels from the entries' own `pattern_id`s (where no labeler gave them by number). */
export function labelsOf(entries: readonly Entry[]): RowLabels {
  const ids = new FieldTable()
  const known = new Map<string, number>()
  const which = new Int32Array(entries.length)
  for (let k = 0; k < entries.length; k++) {
    const id = (entries[k] as Entry).pattern_id ?? ''
    let j = known.get(id)
    if (j === undefined) {
      known.set(id, (j = ids.size))
      ids.push(id)
    }
    which[k] = j
  }
  return { which, ids }
}

/**
 * Rows encoded before, record by record (`encodeBody` of their entries: the write-ahead log's records),
 * and the pattern ids to put in (`labels`; none: the rows go in as they are).
 */
export interface EncodedRows {
  readonly records: readonly Buffer[]
  readonly labels?: RowLabels | undefined
}

/**
 * Rows encoded before, as the insert's body of `count` entries: the same bytes as `encodeBody` of the
 * entries with their labels, without encoding the entries again. Only the pattern_id column changes
 * after a record is written (the worker labels entries before insert): each row's is replaced by its
 * label. Undefined when the rows are not `count` (the caller then encodes the entries).
 */
export function bodyFromRows(rows: EncodedRows, count: number): Buffer | undefined {
  const { records, labels } = rows
  let size = 0
  for (const r of records) size += r.length
  if (labels === undefined) {
    // No labels: the rows are the body as they are.
    let n = 0
    for (const r of records) for (let at = r.indexOf(10); at >= 0; at = r.indexOf(10, at + 1)) n++
    if (n !== count) return undefined
    return records.length === 1 ? (records[0] as Buffer) : Buffer.concat(records as Buffer[], size)
  }
  const { which, ids } = labels
  if (which.length !== count) return undefined
  let lead = 0
  for (let k = 0; k < count; k++) lead += ids.length(which[k] as number)
  // Each record is copied behind room for the ids still to come (`lead` in all), just before its rows
  // are read (so they are read from the cache); each row's part up to its pattern_id then moves forward
  // within the buffer (copyWithin: no view allocated a copy, as Buffer.copy does), and its id is written
  // after it. What is written never passes what is still to be read.
  const out = Buffer.allocUnsafe(lead + size)
  let src = lead
  let off = 0
  let i = 0
  // From the previous row's level field (`from`) to this row's pattern_id, one move a row (the fields'
  // tabs are found by a few steps back from the newline, the level and pattern_id fields being short).
  let from = lead
  let start = lead
  for (const r of records) {
    // A record is whole rows (a row ends at its newline; escaped fields hold none).
    if (r.length > 0 && r[r.length - 1] !== 10) return undefined
    out.set(r, src)
    src += r.length
    for (; start < src; i++) {
      // A row's last two fields are pattern_id and level.
      const end = out.indexOf(10, start)
      if (i >= count) return undefined
      let levelTab = end - 1
      while (levelTab >= start && out[levelTab] !== 9) levelTab--
      let patternTab = levelTab - 1
      while (patternTab >= start && out[patternTab] !== 9) patternTab--
      if (patternTab < start) return undefined
      out.copyWithin(off, from, patternTab + 1)
      off = ids.write(which[i] as number, out, off + patternTab + 1 - from)
      from = levelTab
      start = end + 1
    }
  }
  out.copyWithin(off, from, src)
  off += src - from
  return i === count ? out.subarray(0, off) : undefined
}

const UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', '0': '\0', "'": "'" }
const ESCAPED_G = /\\(.)/gs
const unescape = (_: string, c: string): string => UNESCAPES[c] ?? c

/** A TabSeparated field's text as it was before `tsvField`. */
export function unescapeField(s: string): string {
  return s.includes('\\') ? s.replace(ESCAPED_G, unescape) : s
}

/** A Map literal as `encodeTsv` writes it (`{'k':'v',…}`, quoted and escaped) back to an object. */
function parseMap(s: string): Record<string, string> {
  const out: Record<string, string> = {}
  let i = 1
  const quoted = (): string => {
    if (s[i] !== "'") throw new Error(`not a quoted string at ${i} of ${s.slice(0, 80)}`)
    let j = ++i
    let esc = false
    for (; j < s.length; j++) {
      const c = s[j]
      if (esc) esc = false
      else if (c === '\\') esc = true
      else if (c === "'") break
    }
    if (j >= s.length) throw new Error(`an unterminated string in ${s.slice(0, 80)}`)
    const v = unescapeField(s.slice(i, j))
    i = j + 1
    return v
  }
  if (s[0] !== '{') throw new Error(`not a map: ${s.slice(0, 80)}`)
  if (s[i] === '}') return out
  for (;;) {
    const k = quoted()
    if (s[i++] !== ':') throw new Error(`a key without its value in ${s.slice(0, 80)}`)
    const v = quoted()
    // A key `__proto__` is a plain key, as JSON.parse makes it.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
    else out[k] = v
    const c = s[i++]
    if (c === '}') return out
    if (c !== ',') throw new Error(`a map entry not followed by , or } in ${s.slice(0, 80)}`)
  }
}

/**
 * The entries of rows `encodeBody` wrote (the write-ahead log's records, read back after a restart), with
 * their fields in the order ingest gives them (validate.ts, then id and tenant): the same entries as were
 * encoded, except that a lone surrogate (not UTF-8) was written as U+FFFD. Throws on a row it cannot read.
 */
export function decodeRows(buf: Buffer): Entry[] {
  const text = buf.toString('utf8')
  const out: Entry[] = []
  let start = 0
  while (start < text.length) {
    const end = text.indexOf('\n', start)
    if (end < 0) throw new Error('a row without its newline')
    const f = text.slice(start, end).split('\t')
    if (f.length !== COLUMNS.length) throw new Error(`a row of ${f.length} fields, not ${COLUMNS.length}`)
    const [tenant, ts, service, message, attrs, trace, span, id, pattern, level] = f as [string, string, string, string, string, string, string, string, string, string]
    const e: Entry = {
      timestamp: `${ts.slice(0, 10)}T${ts.slice(11)}Z`,
      level: level as Entry['level'],
      service: unescapeField(service),
      message: unescapeField(message),
      attributes: parseMap(attrs),
      trace_id: unescapeField(trace),
      span_id: unescapeField(span),
    }
    if (id !== '') e.id = unescapeField(id)
    if (tenant !== DEFAULT_TENANT) e.tenant = unescapeField(tenant)
    if (pattern !== '') e.pattern_id = unescapeField(pattern)
    out.push(e)
    start = end + 1
  }
  return out
}
