/**
 * The write-ahead log and who has what of it (issue 12), without any bus interface: records go in
 * with `append`, come back one delivery per record with `read`, and a delivery is `stored` (the
 * checkpoint moves past it, segments behind the checkpoint are deleted) or `given back` (read again
 * later). The batch ledger (ledger.ts) lives beside it, in the same directory.
 *
 * Delivery state, keyed by a record's global offset: `claims` are records handed out (out) or
 * stored out of order (done); the checkpoint is the first offset not known to be stored. Only
 * synced bytes are read, so nothing handed out can be taken back by a crash.
 */
import type { Logger } from 'pino'
import type { Entry } from '../../model/index.js'
import { decodeRows, encodeBody } from '../../store/encode.js'
import { writeCheckpoint, type Span } from './checkpoint.js'
import { OffsetLedger } from './ledger.js'
import { Cursor, type RecordRead } from './reader.js'
import { HEADER_BYTES, MAX_PAYLOAD_BYTES } from './record.js'
import { recover } from './recover.js'
import { DEFAULT_SEGMENT_BYTES, type SegmentSet } from './segment.js'
import { WalWriter, type WalSync } from './writer.js'

/** Payload bytes one read returns at most (the read-ahead bound applies on top). */
const READ_CHUNK_BYTES = 4 * 1024 * 1024 // 4 MiB
const MIN_SEGMENT_BYTES = 1024 * 1024 // 1 MiB
/**
 * Payload bytes of records written in this run and not yet read whose entries (and rows) are kept in
 * memory, so that a worker keeping up takes them from there instead of reading back and decoding what
 * was just written (the entries appended are the ones delivered: the log's rows of them, decoded, are
 * equal to them). Beyond it, records are read from disk as usual.
 */
const RECENT_BYTES = 8 * 1024 * 1024 // 8 MiB

export interface LogOptions {
  dir: string
  sync: WalSync
  /** Sizes the segments of a small log (an eighth of it, 1 MiB to 64 MiB). */
  maxBytes: number
  segmentBytes?: number
}

/** One record handed out. */
export interface Delivery {
  readonly offset: number
  readonly next: number
  readonly count: number
  /** Payload bytes (what the read-ahead bound counts). */
  readonly bytes: number
  readonly entries: Entry[]
  /** The entries as the store's insert rows (store/encode.ts), when the record holds them so. */
  readonly rows: Buffer | undefined
  readonly redelivered: boolean
}

interface Claim {
  end: number
  count: number
  state: 'out' | 'done'
  by: Delivery | undefined
}

export class WalLog {
  readonly id: string
  readonly ledger: OffsetLedger
  private readPos: number
  private checkpoint: number
  private pendingEntries: number
  /** Payload bytes handed out and not yet settled. */
  private outBytes = 0
  /** Records below this were handed out before (in this run, or before a restart when a batch names them). */
  private highWater: number
  private readonly claims = new Map<number, Claim>()
  private readonly skips: Map<number, number>
  private readonly cursor: Cursor
  /** For `entriesAt`, so that recovery's reads do not throw away the sequential read buffer. */
  private readonly lookup: Cursor
  readonly writer: WalWriter
  private readonly segments: SegmentSet
  /** Records written in this run and not yet read, by offset (RECENT_BYTES). */
  private readonly recent = new Map<number, Recent>()
  private recentBytes = 0
  private cpQueue = 0
  /**
   * Offsets stored since the last checkpoint write began: the ledger forgets their batches only once a
   * checkpoint that has them is on disk, so that a compaction of the ledger never drops the batch of a
   * record a crash would replay.
   */
  private ackedSinceWrite: number[] = []
  private cpRunning: Promise<void> | undefined
  private closed = false

  private constructor(
    opts: LogOptions,
    rec: Awaited<ReturnType<typeof recover>>,
    private readonly log: Logger,
    /** Called when more of the log can be read (written, given back, or read-ahead room freed). */
    private readonly onReadable: () => void,
  ) {
    this.id = rec.id
    this.segments = rec.segments
    this.checkpoint = rec.checkpoint.offset
    this.readPos = this.checkpoint
    this.pendingEntries = rec.pending
    this.skips = new Map(rec.skips)
    for (const s of rec.checkpoint.done)
      if (s[0] >= this.checkpoint) this.claims.set(s[0], { end: s[1], count: s[2], state: 'done', by: undefined })
    const opened = OffsetLedger.open(rec.segments.dir, (o) => this.isStored(o))
    this.ledger = opened.ledger
    if (opened.torn) log.warn({ lines: opened.torn }, 'write-ahead log: unreadable ledger lines ignored (a crash mid-append)')
    this.highWater = this.ledger.maxOffset() + 1
    this.cursor = new Cursor(rec.segments)
    this.lookup = new Cursor(rec.segments)
    // Small logs get small segments, so that what is stored is soon deleted.
    const segmentBytes = opts.segmentBytes ?? Math.min(DEFAULT_SEGMENT_BYTES, Math.max(MIN_SEGMENT_BYTES, Math.floor(opts.maxBytes / 8)))
    this.writer = new WalWriter(rec.segments, opts.sync, segmentBytes, onReadable)
  }

  /** Recovers the log in `opts.dir` (recover.ts) and opens it for appending and reading. */
  static async open(opts: LogOptions, log: Logger, onReadable: () => void): Promise<WalLog> {
    const rec = await recover(opts.dir, log)
    const wal = new WalLog(opts, rec, log, onReadable)
    log.info(
      {
        dir: opts.dir,
        id: wal.id,
        segments: rec.segments.list.length,
        bytes: rec.segments.bytes,
        pending: rec.pending,
        batches: wal.ledger.size,
        sync: opts.sync,
      },
      'write-ahead log open',
    )
    return wal
  }

  /**
   * Resolves true once the entries are in the log (synced under WAL_SYNC=always), false (nothing
   * written) when the bytes not yet stored would pass `maxWaiting`; rejects with a WriteError.
   */
  async append(entries: Entry[], maxWaiting = Infinity): Promise<boolean> {
    if (this.writer.broken) throw this.writer.broken
    // The store's insert rows: the worker inserts these bytes (store/encode.ts bodyFromRows).
    const payload = encodeBody(entries)
    if (payload.length > MAX_PAYLOAD_BYTES)
      throw new RangeError(`a record holds at most ${MAX_PAYLOAD_BYTES} bytes; this one is ${payload.length}`)
    const waiting = this.waitingBytes
    if (waiting > 0 && waiting + payload.length > maxWaiting) return false
    // Kept from the moment its offset is known: the reader reads only synced bytes, and a failed
    // write's record is forgotten (below) before any later sync can make its offset readable.
    const keep = this.recentBytes + payload.length <= RECENT_BYTES
    const rec: Recent = { bytes: payload.length, count: entries.length, entries, rows: payload }
    let at: number | undefined
    try {
      await this.writer.append(payload, entries.length, keep ? (o) => this.remember((at = o), rec) : undefined)
    } catch (err) {
      if (at !== undefined) this.forget(at, rec)
      throw err
    }
    this.pendingEntries += entries.length
    return true
  }

  private remember(offset: number, rec: Recent): void {
    const old = this.recent.get(offset)
    if (old) this.recentBytes -= old.bytes
    if (this.recentBytes + rec.bytes > RECENT_BYTES) {
      if (old) this.recent.delete(offset)
      return
    }
    this.recent.set(offset, rec)
    this.recentBytes += rec.bytes
  }

  private forget(offset: number, rec: Recent): void {
    if (this.recent.get(offset) !== rec) return
    this.recent.delete(offset)
    this.recentBytes -= rec.bytes
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

  /**
   * Up to `max` records from the read position, [] when none is ready or `readAhead` payload bytes
   * are already handed out and not settled (one record always goes when none is out).
   */
  async read(max: number, readAhead: number): Promise<Delivery[]> {
    const out: Delivery[] = []
    let bytes = 0
    while (out.length < max && bytes < READ_CHUNK_BYTES && this.readPos < this.writer.durable) {
      if (this.outBytes > 0 && this.outBytes >= readAhead) break
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
      const held = this.recent.get(pos)
      if (held) this.forget(pos, held)
      const r = held ? { pos, next: pos + HEADER_BYTES + held.bytes, count: held.count, bytes: held.bytes, entries: held.entries, rows: held.rows } : await this.cursor.read(pos, this.writer.durable)
      if (r === undefined) break
      if (r === 'bad') {
        // Corruption that appeared after start-up: stop here rather than guess; a restart recovers.
        throw new Error(`write-ahead log: record at offset ${pos} is unreadable; restart to recover the log`)
      }
      const d: Delivery = {
        offset: pos,
        next: r.next,
        count: r.count,
        bytes: 'entries' in r ? r.bytes : r.payload.length,
        // The entries appended themselves: the worker labels them (pattern_id); the live hub queues
        // its own copies without it (live/hub.ts).
        entries: 'entries' in r ? r.entries : parse(r),
        // A copy: the payload is a view of the cursor's read buffer.
        rows: 'entries' in r ? r.rows : r.format === 'rows' ? Buffer.from(r.payload) : undefined,
        redelivered: pos < this.highWater,
      }
      this.claims.set(pos, { end: r.next, count: r.count, state: 'out', by: d })
      this.outBytes += d.bytes
      this.readPos = r.next
      if (r.next > this.highWater) this.highWater = r.next
      out.push(d)
      bytes += d.bytes
    }
    return out
  }

  /** Stored for sure: behind the checkpoint, or acked out of order. */
  isStored(offset: number): boolean {
    return offset < this.checkpoint || this.claims.get(offset)?.state === 'done'
  }

  /**
   * The entries of the record at `offset`, handed out or not; undefined once it is stored. A record
   * that cannot be read (corrupted) gives [] with a log line: its batch is re-formed without it,
   * under the same token.
   */
  async entriesAt(offset: number): Promise<Entry[] | undefined> {
    if (this.isStored(offset)) return undefined
    const held = this.claims.get(offset)?.by
    if (held) return held.entries
    const r = offset < this.writer.durable ? await this.lookup.read(offset, this.writer.durable) : undefined
    if (r === undefined || r === 'bad') {
      this.log.error({ offset }, 'write-ahead log: a record of a recorded batch is unreadable; the batch is re-formed without it')
      return []
    }
    return parse(r)
  }

  /** `d` is stored: the checkpoint moves (written soon after; the acks of one batch share one write). */
  stored(d: Delivery): void {
    const c = this.claims.get(d.offset)
    if (!c || c.by !== d) return
    c.state = 'done'
    c.by = undefined
    this.pendingEntries -= d.count
    this.outBytes -= d.bytes
    this.ackedSinceWrite.push(d.offset)
    this.persist()
    this.onReadable()
  }

  /** `d` was not stored: it is read again after `delayMs`. */
  giveBack(d: Delivery, delayMs: number): void {
    const back = () => {
      const c = this.claims.get(d.offset)
      if (!c || c.by !== d) return
      this.claims.delete(d.offset)
      this.outBytes -= d.bytes
      if (d.offset < this.readPos) this.readPos = d.offset
      this.onReadable()
    }
    if (delayMs > 0) setTimeout(back, delayMs).unref()
    else back()
  }

  /** Resolves once every ack so far is in the checkpoint file (and what it freed is deleted). */
  async checkpointed(): Promise<void> {
    while (this.cpRunning) await this.cpRunning
  }

  private persist(): void {
    this.cpQueue++
    this.cpRunning ??= this.runCheckpoint().finally(() => (this.cpRunning = undefined))
  }

  /** Moves the checkpoint past the stored records and writes it; drops segments and ledger lines behind it. */
  private async runCheckpoint(): Promise<void> {
    while (this.cpQueue) {
      await new Promise((r) => setImmediate(r)) // let the other acks of the batch arrive
      this.cpQueue = 0
      try {
        this.advance()
        const done: Span[] = []
        for (const [start, c] of this.claims) if (c.state === 'done') done.push([start, c.end, c.count])
        const acked = this.ackedSinceWrite
        this.ackedSinceWrite = []
        try {
          await writeCheckpoint(this.segments.dir, { offset: this.checkpoint, done })
        } catch (err) {
          this.ackedSinceWrite = acked.concat(this.ackedSinceWrite)
          throw err
        }
        for (const o of acked) this.ledger.stored(o)
        if (await this.segments.dropBefore(this.checkpoint)) {
          this.cursor.reset()
          this.lookup.reset()
        }
        await this.ledger.compact()
      } catch (err) {
        // The next ack writes it again; until then a crash replays a little more (under the ledger's tokens).
        this.log.error({ err: String(err) }, 'write-ahead log: checkpoint not written')
      }
    }
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
    if (this.closed) return
    this.closed = true
    await this.writer.close()
    await this.checkpointed()
    await this.ledger.close()
    await this.segments.closeAll()
  }
}

/** A record of this run kept in memory until it is read: its entries as appended, and its payload's size. */
interface Recent {
  bytes: number
  count: number
  entries: Entry[]
  rows: Buffer
}

function parse(r: RecordRead): Entry[] {
  if (r.format === 'rows') return decodeRows(r.payload)
  return JSON.parse(r.payload.toString('utf8')) as Entry[]
}
