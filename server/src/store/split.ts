/**
 * Bounds on one insert: at most N entries and B bytes (issue 11: limits that count entries alone let
 * 20k entries of copied OTLP attributes become one insert of gigabytes). Pure and deterministic: the
 * same batch under the same bounds always splits the same way, which the per-part dedup tokens rely on.
 */
import { entryBytes, type Entry } from '../model/index.js'

export interface InsertBounds {
  /** Most entries in one insert. */
  maxEntries: number
  /**
   * Most bytes in one insert, as `entryBytes` (model/size.ts) counts them: message, service and
   * attributes; the fixed frame of each row (timestamp, level, ids, separators) is bounded by
   * `maxEntries` instead. An entry larger than this goes alone.
   */
  maxBytes: number
}

export const DEFAULT_MAX_INSERT_ENTRIES = 100_000
export const DEFAULT_MAX_INSERT_BYTES = 64 * 1024 * 1024 // 64 MiB

/**
 * Splits `entries`, in order, into consecutive chunks of at most `maxEntries` entries and at most
 * `maxBytes` bytes (greedy: a chunk closes when the next entry would not fit). An entry heavier than
 * `maxBytes` on its own makes a chunk of one. Concatenated, the chunks are `entries`.
 */
export function splitEntries(entries: readonly Entry[], bounds: InsertBounds, weigh: (e: Entry) => number = entryBytes): Entry[][] {
  const maxEntries = Math.max(1, Math.floor(bounds.maxEntries))
  const maxBytes = Math.max(1, bounds.maxBytes)
  const chunks: Entry[][] = []
  let chunk: Entry[] = []
  let bytes = 0
  for (const e of entries) {
    const w = weigh(e)
    if (chunk.length && (chunk.length >= maxEntries || bytes + w > maxBytes)) {
      chunks.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(e)
    bytes += w
  }
  if (chunk.length) chunks.push(chunk)
  return chunks
}

/**
 * The dedup token of part `index` of `count` of a batch inserted under `token`. A batch that fits in
 * one insert keeps its token unchanged (so batches recorded before a split existed replay the same).
 * The count is part of the token, so a batch split differently (other bounds after a restart) can
 * never take another part's token and be wrongly dropped as a duplicate.
 */
export function partToken(token: string, index: number, count: number): string {
  return count === 1 ? token : `${token}#${index + 1}/${count}`
}
