/**
 * The embedded bus on the write-ahead log (issue 12), a thin adapter from the `Bus` interface to
 * `WalLog` (log.ts): publish appends (resolving once synced under WAL_SYNC=always) and feeds live
 * tail; fetch hands out deliveries read back from disk; beforeInsert records the batch in the
 * ledger; ack/nak mark a delivery stored or give it back. It refuses with BusFullError beyond
 * WAL_MAX_BYTES not yet stored, and with BusUnavailableError while free space on DATA_DIR is under
 * MIN_FREE_DISK (disk.ts). No `stopPulling`: a graceful stop drains the log as the in-memory bus
 * did (bounded by SHUTDOWN_TIMEOUT; what is left is on disk and replayed at start).
 */
import type { Logger } from 'pino'
import type { Entry } from '../../model/index.js'
import { BusFullError, BusUnavailableError, type Bus, type BusMessage, type BusStatus } from '../bus.js'
import { DiskGuard } from './disk.js'
import { WalLog, type Delivery, type LogOptions } from './log.js'

export interface WalOptions extends LogOptions {
  maxBytes: number
  minFreeDiskBytes: number
  /** How often free space is checked (ms). */
  diskCheckMs?: number
}

const DEFAULT_DISK_CHECK_MS = 1_000 // 1 s

export class WalBus implements Bus {
  // The worker and GroupCommit treat it as the in-process bus (no commit delay: the writer groups).
  readonly kind = 'memory'
  private closed = false
  private waiters: (() => void)[] = []
  private readonly listeners = new Set<(entries: Entry[]) => void>()
  private log!: WalLog

  private constructor(
    private readonly opts: WalOptions,
    private readonly disk: DiskGuard,
  ) {}

  static async open(opts: WalOptions, log: Logger): Promise<WalBus> {
    const bus = new WalBus(opts, new DiskGuard(opts.dir, opts.minFreeDiskBytes, log))
    bus.log = await WalLog.open(opts, log, () => bus.wake())
    await bus.disk.start(opts.diskCheckMs ?? DEFAULT_DISK_CHECK_MS)
    return bus
  }

  async publish(entries: Entry[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus closed')
    if (this.disk.low) throw new BusUnavailableError(this.disk.low)
    let taken: boolean
    try {
      taken = await this.log.append(entries, this.opts.maxBytes)
    } catch (err) {
      void this.disk.check() // ENOSPC: answer 503 at once rather than fail each write
      throw new BusUnavailableError((err as Error).message)
    }
    if (!taken) throw new BusFullError(this.log.pending)
    for (const l of this.listeners) l(entries)
  }

  async fetch(max: number, expiresMs: number): Promise<BusMessage[]> {
    let out = await this.log.read(max)
    if (out.length === 0 && expiresMs > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, expiresMs)
        function done() {
          clearTimeout(timer)
          resolve()
        }
        this.waiters.push(done)
      })
      out = await this.log.read(max)
    }
    return out.map((d) => new WalMessage(this.log, d))
  }

  async beforeInsert(messages: BusMessage[], token: string): Promise<void> {
    await this.log.recordBatch(
      (messages as WalMessage[]).map((m) => m.delivery),
      token,
    )
  }

  wake(): void {
    const w = this.waiters
    this.waiters = []
    w.forEach((f) => f())
  }

  onLive(listener: (entries: Entry[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  status(): BusStatus {
    return this.closed ? 'CLOSED' : 'EMBEDDED'
  }

  pending(): number {
    return this.log.pending
  }

  /** Bytes of the log files (tests, bench). */
  bytes(): number {
    return this.log.bytes
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.disk.stop()
    this.wake()
    await this.log.close()
  }
}

class WalMessage implements BusMessage {
  private settled = false
  constructor(
    private readonly log: WalLog,
    readonly delivery: Delivery,
  ) {}
  get id(): string {
    return this.delivery.id
  }
  get entries(): Entry[] {
    return this.delivery.entries
  }
  get redelivered(): boolean {
    return this.delivery.redelivered
  }
  get batchToken(): string | undefined {
    return this.delivery.batchToken
  }
  async ack(): Promise<void> {
    if (this.settled) return
    this.settled = true
    await this.log.stored(this.delivery)
  }
  nak(delayMs = 0): void {
    if (this.settled) return
    this.settled = true
    this.log.giveBack(this.delivery, delayMs)
  }
  working(): void {}
}
