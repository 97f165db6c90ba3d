import type { Entry } from '../model/index.js'

/**
 * One unit of work on the bus: the entries of one group commit. A worker must call `ack()` only
 * after the entries are stored; `nak(delayMs)` hands the message back for a later attempt.
 */
export interface BusMessage {
  /** Stable identity across redeliveries (JetStream stream sequence, or a counter in memory). */
  readonly id: string
  readonly entries: Entry[]
  /** True when the bus has delivered this message before (the worker must then avoid duplicates). */
  readonly redelivered: boolean
  ack(): Promise<void>
  nak(delayMs?: number): void
  /** Tells the bus the message is still being worked on (extends the ack deadline). */
  working(): void
  /**
   * Set when this message stands for a whole earlier batch that is being recovered (nats.ts: a
   * redelivered message whose batch was recorded by `beforeInsert`). The worker must insert it
   * alone, with exactly this dedup token, so that ClickHouse drops it if that batch did land.
   */
  readonly batchToken?: string
}

export type BusStatus = 'CONNECTED' | 'RECONNECTING' | 'DISCONNECTED' | 'CLOSED' | 'EMBEDDED'

/**
 * Between ingest and process/live. Implementations: `memory.ts` (embedded, one process) and
 * `nats.ts` (JetStream, any number of processes).
 */
export interface Bus {
  readonly kind: 'memory' | 'nats'
  /**
   * Resolves once the bus holds the entries: durably in JetStream (acked by the stream), or queued
   * in memory. Must reject with a `BusUnavailableError` when it cannot take them (nothing was taken)
   * or a `BusFullError` when it is at its limit.
   */
  publish(entries: Entry[]): Promise<void>
  /**
   * Work queue for the process role: resolves with up to `max` messages, waiting at most
   * `expiresMs` when none is ready (then resolves with []). Each message goes to one consumer.
   */
  fetch(max: number, expiresMs: number): Promise<BusMessage[]>
  /**
   * Optional. Called by the worker before it inserts `messages` with `token`, for a bus whose
   * redeliveries may regroup messages (JetStream): it records which messages make up the batch, so
   * that a redelivery is retried under the same token. Rejects when it could not record them; the
   * worker then treats it like a failed insert.
   */
  beforeInsert?(messages: BusMessage[], token: string): Promise<void>
  /** Optional. Ends a pending `fetch` wait at once (a force flush or a stop must not wait it out). */
  wake?(): void
  /**
   * Optional. Stops taking new work for graceful shutdown: what was fetched can still be acked, the
   * rest stays in the bus for other workers (JetStream). Without it, `fetch` drains the bus (memory).
   */
  stopPulling?(): void
  /** Every published entry, best effort and as soon as possible, for live tail. Returns an unsubscribe. */
  onLive(listener: (entries: Entry[]) => void): () => void
  status(): BusStatus
  /** Entries waiting to be processed, when the bus can tell cheaply. */
  pending(): number | undefined
  /** Stops taking new publishes; pending work stays (in JetStream) or is drained by `fetch` (memory). */
  close(): Promise<void>
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
