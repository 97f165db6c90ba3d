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
 * into one allocation: a TabSeparated row is at most twice `entryBytes` plus its ids, 6 bytes of
 * quoting per attribute and a fixed frame (split.test.ts states the bound), and pages of the reserve
 * that are never written are never touched. Any row that would not fit (another row format) falls
 * back to chunks and a copy.
 */
export function encodeBody(entries: readonly Entry[], row: (e: Entry) => string = tsvRow): Buffer {
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
