/**
 * What an entry weighs, in one place for every bound that counts bytes. Two measures, for two needs:
 * - `entryBytes`: the exact UTF-8 bytes of what the entry carries (message, service, attribute keys and
 *   values). The documented unit of MAX_BATCH_BYTES (ingest/budget.ts) and of one insert's byte bound
 *   (store/split.ts); deterministic, so the same batch always splits the same way.
 * - `entryJsonBytes`: a cheap estimate (string lengths, no encoding) of the entry's JSON, for the bounds
 *   on the hot path that only need the order of magnitude: the in-memory queue, group commit, live-tail
 *   fan-out. Exact for plain ASCII plus a fixed overhead; multi-byte text and escapes make the JSON
 *   larger (up to 6x for control characters), so a bound that must hold exactly (a bus message) is
 *   checked on the encoded bytes.
 */
import type { Entry } from './entry.js'

/**
 * The bytes an entry carries: message, service, and every attribute key and value, as UTF-8. The
 * timestamp, level and ids are bounded in size by validation and not counted; an encoded row adds them
 * and its separators (store/split.test.ts states the bound).
 */
export function entryBytes(e: Entry): number {
  let n = Buffer.byteLength(e.message) + Buffer.byteLength(e.service)
  const attrs = e.attributes
  for (const k in attrs) n += Buffer.byteLength(k) + Buffer.byteLength(attrs[k] as string)
  return n
}

/**
 * At least `entryBytes(e)`, from string lengths alone (UTF-8 takes at most 3 bytes a UTF-16 unit): tells
 * a batch far under a byte bound without encoding a string.
 */
export function entryBytesAtMost(e: Entry): number {
  let n = e.message.length + e.service.length
  const attrs = e.attributes
  for (const k in attrs) n += k.length + (attrs[k] as string).length
  return 3 * n
}

/** Braces, the six field names, quotes and commas of one entry's JSON (and, in memory, the object). */
export const ENTRY_OVERHEAD_BYTES = 100
/** Quotes, colon and comma of one attribute. */
const ATTRIBUTE_OVERHEAD_BYTES = 6

/** The estimated size of the entry's JSON (see above). */
export function entryJsonBytes(e: Entry): number {
  let n = ENTRY_OVERHEAD_BYTES + e.timestamp.length + e.level.length + e.service.length + e.message.length + e.trace_id.length + e.span_id.length
  for (const k in e.attributes) n += k.length + (e.attributes[k] as string).length + ATTRIBUTE_OVERHEAD_BYTES
  return n
}

/** The sum of `entryJsonBytes` over `entries`. */
export function entriesJsonBytes(entries: readonly Entry[]): number {
  let n = 0
  for (const e of entries) n += entryJsonBytes(e)
  return n
}
