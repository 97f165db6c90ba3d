/**
 * Batch formation: what goes into one insert, and under which token. Messages accumulate until
 * BATCH_SIZE entries or FLUSH_TIMEOUT after the first one; while the insert before it is still running
 * (a backlog), a batch at BATCH_SIZE keeps taking what is waiting, up to `maxSize` entries, so that
 * the engine, once free, takes one larger insert (cheaper per entry) and nothing waits longer. The token is derived from the message ids
 * and the worker's salt, so a retry of the batch by this worker has the same token (a retry after a
 * timeout whose insert did land is dropped by the store). A batch re-formed by recovery keeps the
 * token it was recorded with (the ledger, not the ids, carries a token across workers).
 *
 * The salt (random per worker run): the in-process queue numbers its messages from 1 again after a
 * restart, and the store remembers tokens across restarts (its dedup window), so without it the first
 * batches after a restart would be dropped as duplicates of the first batches before it.
 */
import { createHash } from 'node:crypto'
import type { WorkMessage } from '../bus/index.js'
import type { Entry } from '../model/index.js'

/** One insert. */
export interface Batch {
  /** The store's dedup token for this insert. */
  readonly token: string
  /** Every message of the batch, by id (the ledger's record); recovery may not hold all of them. */
  readonly ids: readonly string[]
  /** The messages this worker holds and settles once the batch is stored (or hands back). */
  readonly messages: readonly WorkMessage[]
  readonly entries: Entry[]
  /** The entries as the store's rows, message by message, when every message holds them (`WorkMessage.rows`). */
  readonly rows?: readonly Buffer[] | undefined
  /** Already in the ledger under `token` (a recovered batch): it is not recorded again. */
  readonly recorded: boolean
}

export function batchToken(ids: readonly string[], salt = ''): string {
  return createHash('sha256').update(`${salt ? `${salt}:` : ''}${ids.join(',')}`).digest('hex').slice(0, 32)
}

/** A new batch of `messages`, in the order they came. */
export function newBatch(messages: WorkMessage[], salt = ''): Batch {
  const entries: Entry[] = []
  let rows: Buffer[] | undefined = []
  for (const m of messages) {
    for (const e of m.entries) entries.push(e)
    if (m.rows && rows) rows.push(m.rows)
    else rows = undefined
  }
  const ids = messages.map((m) => m.id)
  return { token: batchToken(ids, salt), ids, messages, entries, rows, recorded: false }
}

/** Accumulates messages into the next batch. */
export class Batcher {
  private messages: WorkMessage[] = []
  private entryCount = 0
  private firstAt = 0

  constructor(
    private readonly batchSize: number,
    private readonly flushTimeoutMs: number,
    private readonly salt = '',
    /** Entries a batch grows to while the insert before it runs (at least `batchSize`). */
    private readonly maxSize = batchSize,
  ) {}

  get size(): number {
    return this.messages.length
  }

  /** Entries in the batch. */
  get entries(): number {
    return this.entryCount
  }

  /**
   * Messages to ask the queue for: never more than the batch has room for (a message holds at least
   * one entry); `grow`: an insert is running, so room up to `maxSize`.
   */
  room(grow = false): number {
    return Math.max(1, Math.min(256, this.fullAt(grow) - this.entryCount))
  }

  /** How long until the batch is due by time (500 ms when empty). */
  waitMs(now = Date.now()): number {
    return this.messages.length ? Math.max(0, this.firstAt + this.flushTimeoutMs - now) : 500
  }

  add(m: WorkMessage): void {
    if (this.messages.length === 0) this.firstAt = Date.now()
    this.messages.push(m)
    this.entryCount += m.entries.length
  }

  /**
   * Full, or FLUSH_TIMEOUT old, or `force` (a flush or a stop) with something in it. `grow`: an insert
   * is running, so full means `maxSize` (the batch goes when that insert ends, or at FLUSH_TIMEOUT).
   */
  due(force: boolean, grow = false): boolean {
    if (this.messages.length === 0) return false
    if (force || Date.now() - this.firstAt >= this.flushTimeoutMs) return true
    return this.entryCount >= this.fullAt(grow)
  }

  /** Entries at which the batch is full: BATCH_SIZE, or `maxSize` while an insert runs. */
  private fullAt(grow: boolean): number {
    return grow ? Math.max(this.maxSize, this.batchSize) : this.batchSize
  }

  take(): Batch {
    const b = newBatch(this.messages, this.salt)
    this.messages = []
    this.entryCount = 0
    return b
  }
}
