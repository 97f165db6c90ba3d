/**
 * What an entry weighs, estimated cheaply (string lengths, no encoding): shared by every byte bound
 * on the way (the in-memory queue, group commit). Exact for the JSON of an ASCII entry without
 * escapes plus a fixed overhead; multi-byte text and escapes make the JSON larger (up to 3x, 6x for
 * control characters), so a bound that must hold exactly (a bus message) is checked on the encoded bytes.
 */
import type { Entry } from './entry.js'

/** Braces, the six field names, quotes and commas of one entry's JSON (and, in memory, the object). */
export const ENTRY_OVERHEAD_BYTES = 100
/** Quotes, colon and comma of one attribute. */
const ATTRIBUTE_OVERHEAD_BYTES = 6

export function entryBytes(e: Entry): number {
  let n = ENTRY_OVERHEAD_BYTES + e.timestamp.length + e.level.length + e.service.length + e.message.length + e.trace_id.length + e.span_id.length
  for (const k in e.attributes) n += k.length + (e.attributes[k] as string).length + ATTRIBUTE_OVERHEAD_BYTES
  return n
}

/** The sum of `entryBytes` over `entries`. */
export function entriesBytes(entries: readonly Entry[]): number {
  let n = 0
  for (const e of entries) n += entryBytes(e)
  return n
}
