/**
 * An in-process queue for unit tests (embedded mode runs on the write-ahead log, wal/): between ingest
 * and the process role, bounded by `maxEntries` and `maxBytes` (`entryJsonBytes` estimates) so that a
 * full queue turns into 429s. A nak'ed message goes back to the front of the queue after its delay. It
 * plays all three roles, and keeps its batch ledger in memory (the queue dies with the process, so the
 * ledger may too). Its ids start from 1 in every run (process/ salts its batch tokens for that).
 */
import { entriesJsonBytes, type Entry } from '../model/index.js'
import {
  BusFullError,
  BusUnavailableError,
  type BatchLedger,
  type BusStatus,
  type LedgerBatch,
  type LiveFeed,
  type Publisher,
  type WorkMessage,
  type WorkQueue,
} from './bus.js'
import { Wakeup } from './wakeup.js'

export class MemoryBus implements Publisher, WorkQueue, LiveFeed {
  readonly ledger = new MemoryLedger()
  private queue: MemoryMessage[] = []
  private queued = 0 // entries in queue + in flight
  private queuedBytes = 0 // their estimated bytes
  /** Every message not yet acked (queued, in flight or waiting out a nak delay), by id. */
  private readonly unacked = new Map<string, Entry[]>()
  private seq = 0
  private closed = false
  private readonly wakeup = new Wakeup()
  private listeners = new Set<(entries: Entry[]) => void>()

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes = Infinity,
  ) {}

  /** One message may be of any size (it is never encoded); an empty queue takes any publish. */
  async publish(entries: Entry[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus closed')
    const bytes = entriesJsonBytes(entries)
    if (this.queued > 0 && (this.queued + entries.length > this.maxEntries || this.queuedBytes + bytes > this.maxBytes)) {
      throw new BusFullError(this.queued)
    }
    this.queued += entries.length
    this.queuedBytes += bytes
    const id = String(++this.seq)
    this.unacked.set(id, entries)
    this.push(new MemoryMessage(this, id, entries, bytes))
    for (const l of this.listeners) l(entries)
  }

  private push(m: MemoryMessage, front = false): void {
    if (front) this.queue.unshift(m)
    else this.queue.push(m)
    this.wake()
  }

  async fetch(max: number, expiresMs: number): Promise<WorkMessage[]> {
    if (this.queue.length === 0 && expiresMs > 0) await this.wakeup.wait(expiresMs)
    return this.queue.splice(0, max)
  }

  wake(): void {
    this.wakeup.wake()
  }

  /** Keeps delivering: this queue dies with the process, so a graceful stop must drain it. */
  stopPulling(): void {}

  async read(id: string): Promise<Entry[] | undefined> {
    return this.unacked.get(id)
  }

  subscribe(listener: (entries: Entry[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  status(): BusStatus {
    return this.closed ? 'CLOSED' : 'EMBEDDED'
  }

  pending(): number {
    return this.queued
  }

  /** Estimated bytes of the entries not yet acked. */
  pendingBytes(): number {
    return this.queuedBytes
  }

  async close(): Promise<void> {
    this.closed = true
    this.wake()
  }

  /** @internal */
  settle(m: MemoryMessage, ok: boolean, delayMs: number): void {
    if (ok) {
      this.queued -= m.entries.length
      this.queuedBytes -= m.bytes
      this.unacked.delete(m.id)
      this.ledger.acked(m.id)
      return
    }
    const again = new MemoryMessage(this, m.id, m.entries, m.bytes, true)
    if (delayMs > 0) setTimeout(() => this.push(again, true), delayMs).unref()
    else this.push(again, true)
  }
}

class MemoryMessage implements WorkMessage {
  private done = false
  constructor(
    private readonly bus: MemoryBus,
    readonly id: string,
    readonly entries: Entry[],
    readonly bytes: number,
    readonly redelivered = false,
  ) {}
  ack(): void {
    if (this.done) return
    this.done = true
    this.bus.settle(this, true, 0)
  }
  nak(delayMs = 0): void {
    if (this.done) return
    this.done = true
    this.bus.settle(this, false, delayMs)
  }
  working(): void {}
}

/** Batches by message id, each forgotten once all of its messages are acked. */
class MemoryLedger implements BatchLedger {
  private readonly byId = new Map<string, { batch: LedgerBatch; unacked: Set<string> }>()

  async record(batch: LedgerBatch): Promise<void> {
    const rec = { batch: { token: batch.token, ids: [...batch.ids] }, unacked: new Set(batch.ids) }
    for (const id of batch.ids) this.byId.set(id, rec)
  }

  async find(id: string): Promise<LedgerBatch | undefined> {
    return this.byId.get(id)?.batch
  }

  /** @internal */
  acked(id: string): void {
    const rec = this.byId.get(id)
    if (!rec) return
    rec.unacked.delete(id)
    if (rec.unacked.size > 0) return
    for (const other of rec.batch.ids) if (this.byId.get(other) === rec) this.byId.delete(other)
  }
}
