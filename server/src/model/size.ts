/**
 * What an entry weighs, in one place for every bound that counts bytes: a mapped request
 * (MAX_BATCH_BYTES, ingest/budget.ts) and one insert (store/split.ts). Cheap (no encoding) and
 * deterministic, so the same batch always splits the same way.
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
