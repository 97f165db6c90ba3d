/**
 * The embedded bus on the write-ahead log (issue 12): publish resolves once the entries are in the
 * log (fdatasync'ed under WAL_SYNC=always); the worker reads them back from disk through a bounded
 * cursor; an ack moves the checkpoint and deletes segments behind it; a batch is recorded in the
 * ledger before its insert so that a replay re-forms it under the same dedup token.
 *
 * Delivery state, all keyed by a record's global offset: `claims` are spans handed to the worker
 * (out) or stored out of order (done); the checkpoint is the first offset not known to be stored.
 * No `stopPulling`: a graceful stop drains the log as the in-memory bus did (bounded by
 * SHUTDOWN_TIMEOUT; what is left is on disk and replayed at start).
 * This file is the only part that knows the `Bus` interface, so it can be re-pointed at other
 * role interfaces without touching the log itself.
 */
import { statfs } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { Entry } from '../../model/index.js'
import { BusFullError, BusUnavailableError, type Bus, type BusMessage, type BusStatus } from '../bus.js'
import { writeCheckpoint, type Span } from './checkpoint.js'
import type { Ledger, LedgerBatch } from './ledger.js'
import { Cursor, type RecordRead } from './reader.js'
import { recover } from './recover.js'
import { DEFAULT_SEGMENT_BYTES, type SegmentSet } from './segment.js'
import { WalWriter, type WalSync } from './writer.js'

export interface WalOptions {
  dir: string
  sync: WalSync
  maxBytes: number
  minFreeDiskBytes: number
  segmentBytes?: number
  /** How often free space is checked (ms). */
  diskCheckMs?: number
}

/** Payload bytes one fetch reads at most: what the worker holds beyond its batch stays on disk. */
const FETCH_BUDGET_BYTES = 4 * 1024 * 1024 // 4 MiB
const DEFAULT_DISK_CHECK_MS = 1_000 // 1 s
const MIN_SEGMENT_BYTES = 1024 * 1024 // 1 MiB

interface Claim {
  end: number
  count: number
  state: 'out' | 'done'
  msg: WalMessage | undefined
}

export class WalBus implements Bus {
  // The worker and GroupCommit treat it as the in-process bus (no commit delay: the writer groups).
  readonly kind = 'memory'
  private closed = false
  private readPos: number
  private checkpoint: number
  private pendingEntries: number
  private readonly claims = new Map<number, Claim>()
  private readonly skips: Map<number, number>
  /** Recorded batches not yet stored, by their first offset. */
  private readonly ledgerBatches = new Map<number, LedgerBatch>()
  private readonly cursor: Cursor
  private readonly writer: WalWriter
  private waiters: (() => void)[] = []
  private readonly listeners = new Set<(entries: Entry[]) => void>()
  private lowDisk: string | undefined
  private diskTimer: NodeJS.Timeout | undefined
  private cpQueue: { resolve: () => void; reject: (e: Error) => void }[] = []
  private cpRunning = false

  private constructor(
    private readonly opts: WalOptions,
    private readonly segments: SegmentSet,
    private readonly ledger: Ledger,
    rec: Awaited<ReturnType<typeof recover>>,
    private readonly log: Logger,
  ) {
    this.checkpoint = rec.checkpoint.offset
    this.readPos = this.checkpoint
    this.pendingEntries = rec.pending
    this.skips = new Map(rec.skips)
    for (const s of rec.done) this.claims.set(s[0], { end: s[1], count: s[2], state: 'done', msg: undefined })
    for (const b of rec.replay) if (b.spans[0]) this.ledgerBatches.set(b.spans[0][0], b)
    this.cursor = new Cursor(segments)
    // Small logs get small segments, so that what is stored is soon deleted.
    const segmentBytes = opts.segmentBytes ?? Math.min(DEFAULT_SEGMENT_BYTES, Math.max(MIN_SEGMENT_BYTES, Math.floor(opts.maxBytes / 8)))
    this.writer = new WalWriter(segments, opts.sync, segmentBytes, () => this.wake())
  }

  static async open(opts: WalOptions, log: Logger): Promise<WalBus> {
    const rec = await recover(opts.dir, log)
    const bus = new WalBus(opts, rec.segments, rec.ledger, rec, log)
    await bus.checkDisk()
    bus.diskTimer = setInterval(() => void bus.checkDisk(), opts.diskCheckMs ?? DEFAULT_DISK_CHECK_MS).unref()
    log.info(
      { dir: opts.dir, segments: rec.segments.list.length, bytes: rec.segments.bytes, pending: rec.pending, replay: rec.replay.length, sync: opts.sync },
      'write-ahead log open',
    )
    return bus
  }

  async publish(entries: Entry[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus closed')
    if (this.lowDisk) throw new BusUnavailableError(this.lowDisk)
    if (this.writer.broken) throw new BusUnavailableError(this.writer.broken.message)
    const payload = Buffer.from(JSON.stringify(entries))
    // The bound is on bytes not yet stored: the files also hold the consumed part of the last segment.
    const waiting = this.segments.end - this.checkpoint
    if (waiting > 0 && waiting + payload.length > this.opts.maxBytes) throw new BusFullError(this.pendingEntries)
    try {
      await this.writer.append(payload, entries.length)
    } catch (err) {
      void this.checkDisk() // ENOSPC: answer 503 at once rather than fail each write
      throw new BusUnavailableError((err as Error).message)
    }
    this.pendingEntries += entries.length
    for (const l of this.listeners) l(entries)
  }

  async fetch(max: number, expiresMs: number): Promise<BusMessage[]> {
    let out = await this.take(max)
    if (out.length === 0 && expiresMs > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, expiresMs)
        function done() {
          clearTimeout(timer)
          resolve()
        }
        this.waiters.push(done)
      })
      out = await this.take(max)
    }
    return out
  }

  /** Reads up to `max` messages (and about FETCH_BUDGET_BYTES) from the read position. */
  private async take(max: number): Promise<WalMessage[]> {
    const out: WalMessage[] = []
    let bytes = 0
    while (out.length < max && bytes < FETCH_BUDGET_BYTES && this.readPos < this.writer.durable) {
      const pos = this.readPos
      const skip = this.skips.get(pos)
      if (skip !== undefined) {
        this.readPos = skip
        continue
      }
      const claim = this.claims.get(pos)
      if (claim) {
        this.readPos = claim.end
        continue
      }
      const batch = this.ledgerBatches.get(pos)
      if (batch) {
        const m = await this.reform(batch)
        out.push(m)
        bytes += m.bytes
        continue
      }
      const r = await this.cursor.read(pos, this.writer.durable)
      if (r === undefined) break
      if (r === 'bad') {
        // Corruption that appeared after start-up: stop here rather than guess; a restart recovers.
        throw new Error(`write-ahead log: record at offset ${pos} is unreadable; restart to recover the log`)
      }
      const m = new WalMessage(this, String(pos), parse(r), false, [[r.pos, r.next, r.count]], r.payload.length)
      this.claim(m)
      this.readPos = r.next
      out.push(m)
      bytes += m.bytes
    }
    return out
  }

  /** A recorded batch, read back whole to be inserted under its token. */
  private async reform(b: LedgerBatch): Promise<WalMessage> {
    const entries: Entry[] = []
    let bytes = 0
    const spans: Span[] = []
    for (const [start, end] of b.spans) {
      let count = 0
      for (let pos = start; pos < end; ) {
        const r: RecordRead | 'bad' | undefined = await this.cursor.read(pos, this.writer.durable)
        if (r === undefined || r === 'bad') {
          // Inserted under the same token all the same: if the batch had landed it is dropped whole.
          this.log.error({ offset: pos, token: b.token }, 'write-ahead log: a record of a recorded batch is unreadable; the batch is replayed without it')
          const next = this.skips.get(pos)
          if (next === undefined || next <= pos) break
          pos = next
          continue
        }
        for (const e of parse(r)) entries.push(e)
        count += r.count
        bytes += r.payload.length
        pos = r.next
      }
      spans.push([start, end, count])
    }
    const first = spans[0] as Span
    this.log.info({ offset: first[0], token: b.token, entries: entries.length }, 'write-ahead log: batch re-formed under its recorded token')
    const m = new WalMessage(this, String(first[0]), entries, true, spans, bytes, b.token)
    this.claim(m)
    this.readPos = first[1]
    return m
  }

  private claim(m: WalMessage): void {
    for (const s of m.spans) this.claims.set(s[0], { end: s[1], count: s[2], state: 'out', msg: m })
  }

  async beforeInsert(messages: BusMessage[], token: string): Promise<void> {
    const spans: Span[] = []
    for (const m of [...(messages as WalMessage[])].sort((a, b) => (a.spans[0]?.[0] ?? 0) - (b.spans[0]?.[0] ?? 0))) {
      for (const s of m.spans) {
        const last = spans[spans.length - 1]
        // Adjacent records become one run, so a batch's line stays short.
        if (last && last[1] === s[0]) {
          last[1] = s[1]
          last[2] += s[2]
        } else spans.push([s[0], s[1], s[2]])
      }
    }
    const batch: LedgerBatch = { token, spans }
    await this.ledger.record(batch)
    const first = spans[0]
    if (first) this.ledgerBatches.set(first[0], batch)
    for (const m of messages as WalMessage[]) m.batchKey = first?.[0]
  }

  /** @internal */
  async settle(m: WalMessage, ok: boolean, delayMs: number): Promise<void> {
    if (ok) {
      for (const s of m.spans) {
        const c = this.claims.get(s[0])
        if (c && c.msg === m) {
          c.state = 'done'
          c.msg = undefined
          this.pendingEntries -= s[2]
        }
      }
      const key = m.batchKey ?? (m.batchToken ? m.spans[0]?.[0] : undefined)
      if (key !== undefined) this.ledgerBatches.delete(key)
      return this.persist()
    }
    const back = () => {
      for (const s of m.spans) {
        const c = this.claims.get(s[0])
        if (c && c.msg === m) this.claims.delete(s[0])
        if (s[0] < this.readPos) this.readPos = s[0]
      }
      this.wake()
    }
    if (delayMs > 0) setTimeout(back, delayMs).unref()
    else back()
  }

  /** Moves the checkpoint past the stored spans and writes it; the acks of one batch share one write. */
  private persist(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.cpQueue.push({ resolve, reject })
      if (!this.cpRunning) void this.runCheckpoint()
    })
  }

  private async runCheckpoint(): Promise<void> {
    this.cpRunning = true
    while (this.cpQueue.length) {
      await new Promise((r) => setImmediate(r)) // let the other acks of the batch arrive
      const waiting = this.cpQueue
      this.cpQueue = []
      try {
        this.advance()
        const done: Span[] = []
        for (const [start, c] of this.claims) if (c.state === 'done') done.push([start, c.end, c.count])
        writeCheckpoint(this.segments.dir, { offset: this.checkpoint, done })
        const dropped = await this.segments.dropBefore(this.checkpoint)
        if (dropped) this.cursor.reset()
        if (this.ledger.needsCompaction) await this.ledger.rewrite([...this.ledgerBatches.values()])
        waiting.forEach((w) => w.resolve())
      } catch (err) {
        this.log.error({ err: String(err) }, 'write-ahead log: checkpoint not written')
        waiting.forEach((w) => w.reject(err as Error))
      }
    }
    this.cpRunning = false
  }

  private advance(): void {
    for (;;) {
      const skip = this.skips.get(this.checkpoint)
      if (skip !== undefined) {
        this.skips.delete(this.checkpoint)
        this.checkpoint = skip
        continue
      }
      const c = this.claims.get(this.checkpoint)
      if (!c || c.state !== 'done') return
      this.claims.delete(this.checkpoint)
      this.checkpoint = c.end
    }
  }

  private async checkDisk(): Promise<void> {
    try {
      const s = await statfs(this.opts.dir)
      const free = s.bavail * s.bsize
      const was = this.lowDisk
      this.lowDisk =
        free < this.opts.minFreeDiskBytes
          ? `free space on DATA_DIR is ${mib(free)} MiB, under MIN_FREE_DISK (${mib(this.opts.minFreeDiskBytes)} MiB)`
          : undefined
      if (this.lowDisk && !was) this.log.error({ free, min: this.opts.minFreeDiskBytes }, 'write-ahead log: disk nearly full; ingest answers 503 until space returns')
      if (!this.lowDisk && was) this.log.info({ free }, 'write-ahead log: disk space back; ingest resumes')
    } catch (err) {
      this.log.warn({ err: String(err) }, 'write-ahead log: free space unknown')
    }
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
    return this.pendingEntries
  }

  /** Bytes the log holds on disk (tests, metrics). */
  bytes(): number {
    return this.segments.bytes
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.diskTimer) clearInterval(this.diskTimer)
    this.wake()
    await this.writer.close()
    while (this.cpRunning) await new Promise((r) => setTimeout(r, 1))
    await this.ledger.close()
    await this.segments.closeAll()
  }
}

class WalMessage implements BusMessage {
  private settled = false
  /** First offset of the ledger batch this message was recorded in. */
  batchKey: number | undefined
  constructor(
    private readonly bus: WalBus,
    readonly id: string,
    readonly entries: Entry[],
    readonly redelivered: boolean,
    readonly spans: Span[],
    readonly bytes: number,
    readonly batchToken?: string,
  ) {}
  async ack(): Promise<void> {
    if (this.settled) return
    this.settled = true
    await this.bus.settle(this, true, 0)
  }
  nak(delayMs = 0): void {
    if (this.settled) return
    this.settled = true
    void this.bus.settle(this, false, delayMs)
  }
  working(): void {}
}

function parse(r: RecordRead): Entry[] {
  return JSON.parse(r.payload.toString('utf8')) as Entry[]
}

function mib(n: number): number {
  return Math.round(n / 1024 / 1024)
}
