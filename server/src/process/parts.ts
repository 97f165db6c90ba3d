/**
 * Writing one batch as the parts the store takes (issue 11): a batch over the store's insert bounds
 * (entries and bytes, store/split.ts) is cut here, not in the store, so that one place knows what
 * landed. Part `i` of `n` goes in as one insert under `partToken(token, i, n)`; a part refused for good
 * is isolated on its own (deadletter.ts, with sub-tokens derived from that part's token), and the parts
 * after it go on. A part failing with a retryable error stops the batch: the worker retries it whole,
 * and the parts that had landed are then dropped by the store as duplicates of their tokens.
 *
 * The cut must be the same on every run of the batch (a retry, a redelivery after a crash, whose
 * messages may come back in another order): a batch that fits in one insert is one part under the
 * batch's own token whatever its order; a larger one is put in canonical order before it is cut. It
 * also depends on the bounds: a restart with other bounds cuts a recorded batch differently (other
 * tokens), so its parts that had landed would be stored again.
 */
import type { DeadLetterReason } from '../errors.js'
import { entryBytes, entryBytesAtMost, type Entry } from '../model/index.js'
import { DEFAULT_MAX_INSERT_BYTES, DEFAULT_MAX_INSERT_ENTRIES, partToken, splitEntries, type EncodedRows, type InsertBounds } from '../store/index.js'
import { canonical, isolate, type IsolationSink } from './deadletter.js'
import { classifyInsertError } from './failure.js'

export const DEFAULT_INSERT_BOUNDS: InsertBounds = { maxEntries: DEFAULT_MAX_INSERT_ENTRIES, maxBytes: DEFAULT_MAX_INSERT_BYTES }

export interface Written {
  /** Entries stored. */
  stored: number
  /** Entries dead-lettered, by reason. */
  dead: Map<DeadLetterReason, number>
  /** How many parts the batch was cut into. */
  parts: number
  /** The errors of the parts refused for good (each then isolated). */
  refused: unknown[]
}

/** The parts `entries` is inserted as, in order: the same for the same entries in any order. */
export function batchParts(entries: readonly Entry[], bounds: InsertBounds): Entry[][] {
  if (entries.length === 0) return []
  if (entries.length <= bounds.maxEntries) {
    // The usual batch is far under the byte bound: told from string lengths, without counting bytes.
    let most = 0
    for (const e of entries) most += entryBytesAtMost(e)
    if (most <= bounds.maxBytes) return [[...entries]]
    let bytes = 0
    for (const e of entries) bytes += entryBytes(e)
    if (bytes <= bounds.maxBytes) return [[...entries]]
  }
  return splitEntries(canonical([...entries]), bounds)
}

/**
 * Inserts the batch `entries` recorded under `token`, part by part. `forceUnknown`: an error failure.ts
 * cannot classify counts as deterministic (the batch was delivered too often). Throws when the batch
 * must be retried (a retryable error, an unknown one not forced, a dead-letter write that failed).
 * `rows`: `entries` already encoded (`Batch.rows`) and their pattern ids, used when the batch goes in as
 * one part (in its order).
 */
export async function writeBatch(
  sink: IsolationSink,
  token: string,
  entries: readonly Entry[],
  bounds: InsertBounds,
  forceUnknown: boolean,
  rows?: EncodedRows,
): Promise<Written> {
  const parts = batchParts(entries, bounds)
  // The rows are in the batch's order: they serve only a batch that goes in whole, in that order.
  const first = parts[0]
  const whole = rows !== undefined && parts.length === 1 && first !== undefined && first.length === entries.length && first.every((e, i) => e === entries[i])
  const out: Written = { stored: 0, dead: new Map(), parts: parts.length, refused: [] }
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Entry[]
    const tok = partToken(token, i, parts.length)
    try {
      await sink.insert(part, tok, whole ? rows : undefined)
      out.stored += part.length
    } catch (err) {
      const failure = classifyInsertError(err)
      const forced = failure.kind === 'unknown' && forceUnknown
      if (failure.kind !== 'deterministic' && !forced) throw err
      out.refused.push(err)
      const r = await isolate(sink, tok, part, { failure, err }, forced)
      out.stored += r.stored
      for (const [reason, n] of r.dead) out.dead.set(reason, (out.dead.get(reason) ?? 0) + n)
    }
  }
  return out
}
