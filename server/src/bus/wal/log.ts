/**
 * The write-ahead log and who has what of it (issue 12), without any bus interface: records go in
 * with `append`, come back as deliveries with `read`, and a delivery is `stored` (the checkpoint
 * moves past it, segments behind the checkpoint are deleted) or `given back` (read again later).
 * `recordBatch` writes a batch's make-up to the ledger before its insert, so that after a crash
 * `read` re-forms that batch whole under the same token.
 *
 * Delivery state, keyed by a record's global offset: `claims` are spans handed out (out) or stored
 * out of order (done); the checkpoint is the first offset not known to be stored.
 */
import type { Logger } from 'pino'
import type { Entry } from '../../model/index.js'
import { writeCheckpoint, type Span } from './checkpoint.js'
import type { Ledger, LedgerBatch } from './ledger.js'
import { Cursor, type RecordRead } from './reader.js'
import { recover, type Recovered } from './recover.js'
import { DEFAULT_SEGMENT_BYTES, type SegmentSet } from './segment.js'
import { WalWriter, type WalSync } from './writer.js'

/** Payload bytes one read returns at most: what the worker holds beyond its batch stays on disk. */
const READ_BUDGET_BYTES = 4 * 1024 * 1024 // 4 MiB
const MIN_SEGMENT_BYTES = 1024 * 1024 // 1 MiB

export interface LogOptions {
  dir: string
  sync: WalSync
  /** Sizes the segments of a small log (an eighth of it, 1 MiB to 64 MiB). */
  maxBytes: number
  segmentBytes?: number
}

/** Records handed out together: one record, or a whole recorded batch re-formed after a crash. */
export class Delivery {
  /** First offset of the ledger batch this delivery was recorded in. */
  batchKey: number | undefined
  constructor(
    readonly id: string,
    readonly entries: Entry[],
    readonly redelivered: boolean,
    readonly spans: Span[],
    readonly bytes: number,
    readonly batchToken?: string,
  ) {}
}

interface Claim {
  end: number
  count: number
  state: 'out' | 'done'
  by: Delivery | undefined
}

export class WalLog {
  private readPos: number
  private checkpoint: number
  private pendingEntries: number
  private readonly claims = new Map<number, Claim>()
  private readonly skips: Map<number, number>
  /** Recorded batches not yet stored, by their first offset. */
  private readonly ledgerBatches = new Map<number, LedgerBatch>()
  private readonly cursor: Cursor
  readonly writer: WalWriter
  private readonly segments: SegmentSet
  private readonly ledger: Ledger
  private cpQueue: { resolve: () => void; reject: (e: Error) => void }[] = []
  private cpRunning = false

  private constructor(
    opts: LogOptions,
    rec: Recovered,
    private readonly log: Logger,
    /** Called when more of the log can be read. */
    private readonly onReadable: () => void,
  ) {
    this.segments = rec.segments
    this.ledger = rec.ledger
    this.checkpoint = rec.checkpoint.offset
    this.readPos = this.checkpoint
    this.pendingEntries = rec.pending
    this.skips = new Map(rec.skips)
    for (const s of rec.done) this.claims.set(s[0], { end: s[1], count: s[2], state: 'done', by: undefined })
    for (const b of rec.replay) if (b.spans[0]) this.ledgerBatches.set(b.spans[0][0], b)
    this.cursor = new Cursor(rec.segments)
    // Small logs get small segments, so that what is stored is soon deleted.
    const segmentBytes = opts.segmentBytes ?? Math.min(DEFAULT_SEGMENT_BYTES, Math.max(MIN_SEGMENT_BYTES, Math.floor(opts.maxBytes / 8)))
    this.writer = new WalWriter(rec.segments, opts.sync, segmentBytes, onReadable)
  }

  /** Recovers the log in `opts.dir` (recover.ts) and opens it for appending and reading. */
  static async open(opts: LogOptions, log: Logger, onReadable: () => void): Promise<WalLog> {
    const rec = await recover(opts.dir, log)
    log.info(
      { dir: opts.dir, segments: rec.segments.list.length, bytes: rec.segments.bytes, pending: rec.pending, replay: rec.replay.length, sync: opts.sync },
      'write-ahead log open',
    )
    return new WalLog(opts, rec, log, onReadable)
  }

  /**
   * Resolves true once the entries are in the log (synced under WAL_SYNC=always), false (nothing
   * written) when the bytes not yet stored would pass `maxWaiting`; rejects with a WriteError.
   */
  async append(entries: Entry[], maxWaiting = Infinity): Promise<boolean> {
    if (this.writer.broken) throw this.writer.broken
    const payload = Buffer.from(JSON.stringify(entries))
    const waiting = this.waitingBytes
    if (waiting > 0 && waiting + payload.length > maxWaiting) return false
    await this.writer.append(payload, entries.length)
    this.pendingEntries += entries.length
    return true
  }

  /** Entries in the log not yet stored. */
  get pending(): number {
    return this.pendingEntries
  }
  /** Bytes of the log not yet stored (the files also hold the consumed part of the last segment). */
  get waitingBytes(): number {
    return this.segments.end - this.checkpoint
  }
  /** Bytes of the log files. */
  get bytes(): number {
    return this.segments.bytes
  }

  /** Up to `max` deliveries (and about READ_BUDGET_BYTES) from the read position; [] when none is ready. */
  async read(max: number): Promise<Delivery[]> {
    const out: Delivery[] = []
    let bytes = 0
    while (out.length < max && bytes < READ_BUDGET_BYTES && this.readPos < this.writer.durable) {
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
      const m = new Delivery(String(pos), parse(r), false, [[r.pos, r.next, r.count]], r.payload.length)
      this.claim(m)
      this.readPos = r.next
      out.push(m)
      bytes += m.bytes
    }
    return out
  }

  /** A recorded batch, read back whole to be inserted under its token. */
  private async reform(b: LedgerBatch): Promise<Delivery> {
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
    const m = new Delivery(String(first[0]), entries, true, spans, bytes, b.token)
    this.claim(m)
    this.readPos = first[1]
    return m
  }

  private claim(m: Delivery): void {
    for (const s of m.spans) this.claims.set(s[0], { end: s[1], count: s[2], state: 'out', by: m })
  }

  /** Writes the make-up of a batch to the ledger (synced) before it is inserted under `token`. */
  async recordBatch(messages: Delivery[], token: string): Promise<void> {
    const spans: Span[] = []
    for (const m of [...messages].sort((a, b) => (a.spans[0]?.[0] ?? 0) - (b.spans[0]?.[0] ?? 0))) {
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
    for (const m of messages) m.batchKey = first?.[0]
  }

  /** `m` is stored: resolves once the checkpoint that says so is on disk. */
  stored(m: Delivery): Promise<void> {
    for (const s of m.spans) {
      const c = this.claims.get(s[0])
      if (c && c.by === m) {
        c.state = 'done'
        c.by = undefined
        this.pendingEntries -= s[2]
      }
    }
    const key = m.batchKey ?? (m.batchToken ? m.spans[0]?.[0] : undefined)
    if (key !== undefined) this.ledgerBatches.delete(key)
    return this.persist()
  }

  /** `m` was not stored: it is read again after `delayMs` (re-formed under its token if it was recorded). */
  giveBack(m: Delivery, delayMs: number): void {
    const back = () => {
      for (const s of m.spans) {
        const c = this.claims.get(s[0])
        if (c && c.by === m) this.claims.delete(s[0])
        if (s[0] < this.readPos) this.readPos = s[0]
      }
      this.onReadable()
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

  /** Waits for the writes and the checkpoint in progress, then closes the files. */
  async close(): Promise<void> {
    await this.writer.close()
    while (this.cpRunning) await new Promise((r) => setTimeout(r, 1))
    await this.ledger.close()
    await this.segments.closeAll()
  }
}

function parse(r: RecordRead): Entry[] {
  return JSON.parse(r.payload.toString('utf8')) as Entry[]
}
