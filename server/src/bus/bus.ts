/**
 * The bus between the stages, as one small interface per role: ingest publishes, process takes work
 * from a queue (and records its batches in the transport's ledger), live listens to a feed. A
 * transport (`wal/` embedded, `nats/` distributed; `memory.ts` for unit tests) implements the roles; a process builds only those its roles need
 * (`transport.ts`). Exactly-once is not the bus's business: `process/` forms the batches, chooses the
 * insert token and recovers redelivered batches, through `WorkQueue` and `BatchLedger` only.
 */
import type { Entry } from '../model/index.js'

export type BusStatus = 'CONNECTED' | 'RECONNECTING' | 'DISCONNECTED' | 'CLOSED' | 'EMBEDDED'

/**
 * What a publish carries besides its entries. Present: the entries are exactly those of one client
 * request, which the transport may split over several messages. `key` identifies the request (its
 * body, route and Idempotency-Key): a client's retry of it carries the same key, two different
 * requests never do (a byte-identical resend may, which the transport must tell from a retry).
 */
export interface PublishRequest {
  key: string | undefined
}

/**
 * Ingest's side: takes the entries of one group commit, or of one request.
 *
 * - `publish` must resolve only once the transport holds the entries (JetStream: stored and acked by
 *   the stream), because ingest answers 202 on that. It must reject with `BusUnavailableError` when it
 *   cannot take them, or `BusFullError` when it is at its limit.
 * - All or nothing for the client: without `request` (a group of several requests) the entries go as
 *   one message, or the publish rejects with `MessageTooLargeError` before anything is taken (the
 *   caller then publishes each request alone). With `request`, a rejected publish may have stored
 *   some of its messages only if a retry under the same key within the transport's duplicate window
 *   cannot store them again; an entry that alone exceeds one message rejects with
 *   `EntryTooLargeError` before anything is taken.
 * - It is OK to reject every publish while disconnected rather than queue them in memory.
 */
export interface Publisher {
  publish(entries: Entry[], request?: PublishRequest): Promise<void>
  /** Bytes of JSON one message holds at most, when the transport has a limit (NATS max_payload). */
  maxMessageBytes?(): number | undefined
  status(): BusStatus
  /** Stops taking publishes (they reject with `BusUnavailableError`); what was taken stays. */
  close(): Promise<void>
}

/**
 * One unit of work: the entries of one published message. Settle it exactly once: `ack()` only after
 * its entries are stored, or `nak(delayMs)` to have it offered again later.
 */
export interface WorkMessage {
  /** Opaque, stable across redeliveries (JetStream stream sequence, log id and offset, a counter in memory). */
  readonly id: string
  readonly entries: Entry[]
  /**
   * The entries already encoded as the store's insert rows (store/encode.ts `encodeBody`), when the
   * transport holds them so (the write-ahead log): the worker inserts these bytes instead of encoding again.
   */
  readonly rows?: Buffer | undefined
  /** Delivered before (informational: `process/` checks the ledger for every message anyway). */
  readonly redelivered: boolean
  /**
   * How many times the message was delivered, this time included, when the transport counts it
   * (JetStream does); `process/` ends a message that keeps failing in the dead-letter table.
   */
  readonly deliveries?: number
  /**
   * Fire-and-forget by contract: hands the ack to the transport and returns; nothing confirms it.
   * A lost ack means the message comes again, which the ledger makes harmless (its batch is re-formed
   * under the recorded token and the store drops the duplicate).
   */
  ack(): void
  /** Fire-and-forget: the message is offered again after `delayMs` (at once without it). */
  nak(delayMs?: number): void
  /** The message is still being worked on: the transport must not hand it to another worker yet. */
  working(): void
}

/**
 * The process role's side: a queue each message of which goes to one worker at a time.
 *
 * - `fetch` resolves with up to `max` messages, waiting at most `expiresMs` when none is ready (then
 *   with []). It must offer a message again that was nak'ed or never settled (after the transport's
 *   deadline, e.g. JetStream's ack wait); it is OK to offer one again that was acked (the ack was lost).
 * - `wake` ends a pending `fetch` wait at once (force flush, stop).
 * - `stopPulling` stops taking new work for a graceful stop: what was fetched can still be settled.
 *   A transport whose queue is shared (JetStream) leaves the rest to other workers; it is OK for a
 *   queue that lives in this process only (memory) to keep delivering, so that a stop drains it.
 * - `read(id)` returns the entries of a message still in the queue (delivered or not, not yet acked),
 *   or undefined once it was acked (gone); recovery uses it for the messages of a batch it does not hold.
 * - `pending` is the number of entries not yet acked, when the transport can tell cheaply.
 */
export interface WorkQueue {
  fetch(max: number, expiresMs: number): Promise<WorkMessage[]>
  wake(): void
  stopPulling(): void
  read(id: string): Promise<Entry[] | undefined>
  pending(): number | undefined
  readonly ledger: BatchLedger
}

/** One insert: the token it went in under and the ids of the messages that made it up (in no particular order). */
export interface LedgerBatch {
  readonly token: string
  readonly ids: readonly string[]
}

/**
 * Which messages made up each batch a worker inserted, kept by the transport that holds the messages
 * (so it survives the worker, and every worker sees every other worker's batches).
 *
 * - `record` must resolve only once the batch is durable as far as the queue's messages are (a
 *   worker inserts only after it); it must reject when it cannot record, or when the transport cannot
 *   promise that no other worker is handling these messages now (JetStream: delivered before a
 *   reconnect). Recording a token again replaces its batch.
 * - `find(id)` must know every batch recorded (by any worker) before the message `id` was delivered
 *   to this one; it rejects when it cannot tell. It is OK to forget a batch once all of its messages
 *   are acked and can no longer come again.
 */
export interface BatchLedger {
  record(batch: LedgerBatch): Promise<void>
  find(id: string): Promise<LedgerBatch | undefined>
}

/**
 * The live role's side: every published entry, best effort and as soon as possible, independent of
 * the work queue. It is OK to drop entries (a disconnect, a slow listener); a listener must not throw.
 */
export interface LiveFeed {
  /** Returns the unsubscribe function. */
  subscribe(listener: (entries: Entry[]) => void): () => void
}

export class BusUnavailableError extends Error {
  readonly code = 'BUS_UNAVAILABLE'
}

export class BusFullError extends Error {
  readonly code = 'BUS_FULL'
  constructor(readonly waiting: number) {
    super(`bus full: ${waiting} entries waiting`)
  }
}

/** One entry is larger than a bus message can be (NATS max_payload): the request is a 413. */
export class EntryTooLargeError extends Error {
  readonly code = 'ENTRY_TOO_LARGE'
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`an entry is ${bytes} bytes encoded; the bus takes at most ${limit} bytes per entry (NATS max_payload)`)
  }
}

/** A group of requests does not fit one message: nothing was taken; publish each request alone. */
export class MessageTooLargeError extends Error {
  readonly code = 'MESSAGE_TOO_LARGE'
}

/**
 * A duty held by one process at a time among many (alerting's evaluator, issue 16). The holder renews
 * it; when it stops (killed, partitioned), the lease lapses after its TTL and another takes it.
 * `onGain`/`onLose` are called on every change, never twice in a row with the same one; a holder that
 * cannot renew for most of the TTL calls `onLose` itself before another can take over.
 */
export interface Lease {
  start(onGain: () => void, onLose: () => void): void
  readonly held: boolean
  /** Stops renewing and, when held, releases it so another process takes over at once. */
  close(): Promise<void>
}
