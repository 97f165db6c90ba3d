/**
 * The embedded transport on the write-ahead log (issue 12): one object plays the three roles of
 * bus.ts over `WalLog` (log.ts).
 *
 * - Publisher: a publish is one record; it resolves once the record is synced (WAL_SYNC=always) or
 *   written (an interval), and only then feeds the live tail. It refuses with `BusFullError` beyond
 *   WAL_MAX_BYTES not yet stored, and with `BusUnavailableError` while free space under DATA_DIR is
 *   below MIN_FREE_DISK (disk.ts) or after a write failed.
 * - WorkQueue: each record is a message, read back from disk, with at most MAX_QUEUE_BYTES of
 *   payload handed out and not yet settled (the backlog waits on disk, not in memory). A message id
 *   is `<log id>-<offset>` (recover.ts `logId`): stable across restarts and never reused, so batch
 *   tokens made from ids never repeat. No `stopPulling`: a graceful stop drains the log as the
 *   in-memory queue did (bounded by SHUTDOWN_TIMEOUT; what is left stays on disk for the next start).
 * - BatchLedger: the log's own ledger file (ledger.ts), fdatasynced per batch.
 */
import type { Logger } from 'pino'
import type { Entry } from '../../model/index.js'
import {
  BusFullError,
  BusUnavailableError,
  MessageTooLargeError,
  type BatchLedger,
  type BusStatus,
  type LedgerBatch,
  type LiveFeed,
  type PublishRequest,
  type Publisher,
  type WorkMessage,
  type WorkQueue,
} from '../bus.js'
import { DiskGuard } from './disk.js'
import { WalLog, type Delivery, type LogOptions } from './log.js'
import { MAX_PAYLOAD_BYTES } from './record.js'
import { Wakeup } from '../wakeup.js'

export interface WalOptions extends LogOptions {
  /** WAL_MAX_BYTES: bytes of log not yet stored at most. */
  maxBytes: number
  /** MIN_FREE_DISK. */
  minFreeDiskBytes: number
  /** MAX_QUEUE_BYTES: payload bytes handed to the worker and not yet settled at most. */
  readAheadBytes: number
  /** How often free space is checked (ms). */
  diskCheckMs?: number
}

const DEFAULT_DISK_CHECK_MS = 1_000 // 1 s

export class WalBus implements Publisher, WorkQueue, LiveFeed {
  readonly ledger: BatchLedger
  private closed = false
  private readonly wakeup = new Wakeup()
  private readonly listeners = new Set<(entries: Entry[]) => void>()

  private constructor(
    private readonly wal: WalLog,
    private readonly opts: WalOptions,
    private readonly disk: DiskGuard,
    private readonly log: Logger,
  ) {
    this.ledger = new WalLedger(
      wal,
      (id) => this.offsetOf(id),
      (o) => this.idOf(o),
    )
  }

  static async open(opts: WalOptions, log: Logger): Promise<WalBus> {
    const readable = { wake: () => {} } // the log exists before the bus that wakes on it
    const wal = await WalLog.open(opts, log, () => readable.wake())
    const bus = new WalBus(wal, opts, new DiskGuard(opts.dir, opts.minFreeDiskBytes, log), log)
    readable.wake = () => bus.wake()
    await bus.disk.start(opts.diskCheckMs ?? DEFAULT_DISK_CHECK_MS)
    return bus
  }

  async publish(entries: Entry[], request?: PublishRequest): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus closed')
    if (this.disk.low) throw new BusUnavailableError(this.disk.low)
    let taken: boolean
    try {
      taken = await this.wal.append(entries, this.opts.maxBytes)
    } catch (err) {
      // Unreachable below MAX_BATCH_BYTES of a few tens of MiB; a group goes again one request at a time.
      if (err instanceof RangeError && !request) throw new MessageTooLargeError(`a record holds at most ${MAX_PAYLOAD_BYTES} bytes`)
      void this.disk.check() // ENOSPC: answer 503 at once rather than fail each write
      throw new BusUnavailableError((err as Error).message)
    }
    if (!taken) throw new BusFullError(this.wal.pending)
    for (const l of this.listeners) {
      try {
        l(entries)
      } catch (err) {
        this.log.warn({ err: String(err) }, 'live listener failed')
      }
    }
  }

  async fetch(max: number, expiresMs: number): Promise<WorkMessage[]> {
    const before = this.wakeup.count
    let out = await this.wal.read(max, this.opts.readAheadBytes)
    if (out.length === 0 && expiresMs > 0 && !this.closed) {
      // A wake during the read (a sync completed) means there may be more already: no wait then.
      if (this.wakeup.count === before) await this.wakeup.wait(expiresMs)
      out = await this.wal.read(max, this.opts.readAheadBytes)
    }
    return out.map((d) => new WalMessage(this.wal, this.idOf(d.offset), d))
  }

  wake(): void {
    this.wakeup.wake()
  }

  /** Keeps delivering: a graceful stop drains the log (what a timeout leaves is replayed at start). */
  stopPulling(): void {}

  async read(id: string): Promise<Entry[] | undefined> {
    const offset = this.offsetOf(id)
    return offset === undefined ? undefined : this.wal.entriesAt(offset)
  }

  pending(): number {
    return this.wal.pending
  }

  subscribe(listener: (entries: Entry[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  status(): BusStatus {
    return this.closed ? 'CLOSED' : 'EMBEDDED'
  }

  /** Resolves once the acks so far are in the checkpoint (acks are fire-and-forget; tests wait on this). */
  checkpointed(): Promise<void> {
    return this.wal.checkpointed()
  }

  /** Bytes of the log files (tests, bench). */
  bytes(): number {
    return this.wal.bytes
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.disk.stop()
    this.wake()
    await this.wal.close()
  }

  private idOf(offset: number): string {
    return `${this.wal.id}-${offset}`
  }

  /** The offset named by `id`, undefined for an id of another log (a directory made afresh). */
  private offsetOf(id: string): number | undefined {
    const dash = id.lastIndexOf('-')
    if (id.slice(0, dash) !== this.wal.id) return undefined
    const n = Number(id.slice(dash + 1))
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined
  }
}

class WalMessage implements WorkMessage {
  private settled = false
  constructor(
    private readonly wal: WalLog,
    readonly id: string,
    private readonly delivery: Delivery,
  ) {}
  get entries(): Entry[] {
    return this.delivery.entries
  }
  get rows(): Buffer | undefined {
    return this.delivery.rows
  }
  get redelivered(): boolean {
    return this.delivery.redelivered
  }
  ack(): void {
    if (this.settled) return
    this.settled = true
    this.wal.stored(this.delivery)
  }
  nak(delayMs = 0): void {
    if (this.settled) return
    this.settled = true
    this.wal.giveBack(this.delivery, delayMs)
  }
  /** One worker, no redelivery deadline: nothing to extend. */
  working(): void {}
}

/** The ledger in message ids over the log's ledger in offsets. */
class WalLedger implements BatchLedger {
  constructor(
    private readonly wal: WalLog,
    private readonly offsetOf: (id: string) => number | undefined,
    private readonly idOf: (offset: number) => string,
  ) {}

  async record(batch: LedgerBatch): Promise<void> {
    const offsets = batch.ids.map((id) => {
      const o = this.offsetOf(id)
      if (o === undefined) throw new Error(`write-ahead log: ${id} is not a message of this log`)
      return o
    })
    await this.wal.ledger.record({ token: batch.token, offsets })
  }

  async find(id: string): Promise<LedgerBatch | undefined> {
    const o = this.offsetOf(id)
    const b = o === undefined ? undefined : this.wal.ledger.find(o)
    return b && { token: b.token, ids: b.offsets.map(this.idOf) }
  }
}
