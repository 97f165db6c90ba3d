/**
 * Isolating what the store refuses for good (issue 11): a part of a batch (parts.ts) whose insert
 * failed deterministically is bisected — each half inserted on its own, a failing half split again — down to the single
 * entries that fail; everything else is stored, the offenders go to the dead-letter table with the
 * reason and the error. Cost: about 2·log2(n) inserts per offender.
 *
 * Exactly once across a crash or a retry: the batch is re-formed under its recorded token (recovery.ts)
 * and cut into the same parts under the same tokens (parts.ts); the failing part's entries are put in
 * a canonical order (by timestamp, then content), and each half is inserted under a token derived from
 * the part's token and the half's path in the bisection (`subToken`). A replay therefore forms the same
 * halves with the same contents under the same tokens, and the store drops the halves that had landed.
 * Dead letters get ids derived the same way, so they are written once.
 *
 * A part that fails with a retryable error (the store went down meanwhile) stops the bisection: the
 * caller retries the whole batch later, and the parts and halves already stored are dropped as
 * duplicates then.
 */
import { createHash } from 'node:crypto'
import type { DeadLetterReason } from '../errors.js'
import type { Entry } from '../model/index.js'
import type { EncodedRows, NewDeadLetter } from '../store/index.js'
import { classifyInsertError, errorText, type InsertFailure } from './failure.js'

/** Where isolated parts and dead letters go (the store). */
export interface IsolationSink {
  /**
   * Inserts `entries` as one block under `dedupToken` (a second insert under it stores nothing). `rows`:
   * the same entries, in the same order, already encoded as the store's rows (`WorkMessage.rows`), and
   * their pattern ids.
   */
  insert(entries: Entry[], dedupToken: string, rows?: EncodedRows): Promise<void>
  deadLetter(letters: NewDeadLetter[], dedupToken: string): Promise<void>
}

export interface Isolated {
  /** Entries stored by the bisection. */
  stored: number
  /** Entries dead-lettered, by reason. */
  dead: Map<DeadLetterReason, number>
}

/** Raised when a part fails with a retryable error: the batch is retried as a whole later. */
export class RetryLater extends Error {
  constructor(override readonly cause: unknown) {
    super(`insert of a part failed with a retryable error: ${String((cause as Error)?.message ?? cause).slice(0, 200)}`)
  }
}

/** The dedup token (and dead-letter id) of the half at `path` ('0' left half, '1' right half, ...) of the part inserted under `token`. */
export function subToken(token: string, path: string): string {
  return createHash('sha256').update(`${token}/${path}`).digest('hex').slice(0, 32)
}

/** The same entries in the same order whatever order the batch's messages came in. */
export function canonical(entries: Entry[]): Entry[] {
  return entries
    .map((e) => ({ e, key: `${e.timestamp}\n${JSON.stringify(e)}` }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.e)
}

/**
 * Stores what can be stored of `entries` (a part whose insert under `token` failed with `failure`), then the
 * dead letters. `forced`: the batch kept failing with an error we cannot classify (failure.ts
 * `unknown`), which then counts as deterministic too. Throws `RetryLater` (or the dead-letter write's
 * error) when the batch must be retried instead; nothing is lost then.
 */
export async function isolate(
  sink: IsolationSink,
  token: string,
  entries: Entry[],
  first: { failure: InsertFailure; err: unknown },
  forced: boolean,
): Promise<Isolated> {
  const out: Isolated = { stored: 0, dead: new Map() }
  const letters: NewDeadLetter[] = []
  const split = async (part: Entry[], path: string, failure: InsertFailure, err: unknown): Promise<void> => {
    if (part.length === 1) {
      letters.push({ id: subToken(token, path), reason: failure.reason, error: errorText(err), entry: part[0] as Entry })
      return
    }
    const mid = Math.ceil(part.length / 2)
    for (const [half, step] of [
      [part.slice(0, mid), '0'],
      [part.slice(mid), '1'],
    ] as const) {
      try {
        await sink.insert(half, subToken(token, path + step))
        out.stored += half.length
      } catch (e) {
        const f = classifyInsertError(e)
        if (f.kind === 'retryable' || (f.kind === 'unknown' && !forced)) throw new RetryLater(e)
        await split(half, path + step, f, e)
      }
    }
  }
  await split(canonical(entries), '', first.failure, first.err)
  await sink.deadLetter(letters, subToken(token, 'dead'))
  for (const l of letters) out.dead.set(l.reason, (out.dead.get(l.reason) ?? 0) + 1)
  return out
}
