/**
 * Appends records to the last segment with group commit: appends that arrive while a write is in
 * progress wait for the next one, and each write is one `writev` (a small one on the event loop,
 * SYNC_WRITE_MAX_BYTES); under WAL_SYNC=always an append
 * resolves only after an `fdatasync` that began after its write completed (one sync is in flight at
 * a time, while the next group is written). With an interval instead, appends resolve after
 * the write and a timer syncs; only synced bytes are handed to the worker either way, so a batch
 * recorded in the ledger never refers to bytes a crash can take back.
 */
import { writevSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { encodeRecord } from './record.js'
import { segmentPath, syncDir, type SegmentSet } from './segment.js'

export type WalSync = 'always' | number
/**
 * A group up to this size is written with a synchronous `writev` on the event loop: a few hundred bytes
 * to the page cache cost less there than a round trip through the libuv pool (a promise, a pool
 * thread's wake-up and its completion's). A larger group (bulk) is written from the pool, beside the loop.
 */
const SYNC_WRITE_MAX_BYTES = 64 * 1024 // 64 KiB

interface Pending {
  bufs: Buffer[]
  bytes: number
  /** Told the record's global offset once it is placed (just before it is written). */
  placed: ((offset: number) => void) | undefined
  resolve: () => void
  reject: (err: Error) => void
}

export class WriteError extends Error {
  constructor(
    message: string,
    readonly errno: string | undefined,
  ) {
    super(message)
  }
}

export class WalWriter {
  private fh: FileHandle | undefined
  private queue: Pending[] = []
  private writing = false
  /** Written groups waiting for the fdatasync that covers them (WAL_SYNC=always). */
  private awaiting: { end: number; group: Pending[] }[] = []
  private syncing: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  /** Global offset up to which the log is on disk. */
  durable: number
  /** Set when a failed write could not be undone: the tail is unknown until a restart recovers it. */
  broken: Error | undefined

  constructor(
    private readonly segments: SegmentSet,
    private readonly sync: WalSync,
    private readonly segmentBytes: number,
    /** Called whenever `durable` moves. */
    private readonly onDurable: () => void,
  ) {
    this.durable = segments.end
    if (sync !== 'always') this.timer = setInterval(() => void this.syncNow().catch(() => {}), sync).unref()
  }

  append(payload: Buffer, count: number, placed?: (offset: number) => void): Promise<void> {
    if (this.broken) return Promise.reject(this.broken)
    return new Promise<void>((resolve, reject) => {
      const bufs = encodeRecord(payload, count)
      this.queue.push({ bufs, bytes: (bufs[0] as Buffer).length + payload.length, placed, resolve, reject })
      if (!this.writing) void this.drain()
    })
  }

  private async drain(): Promise<void> {
    this.writing = true
    try {
      while (this.queue.length) {
        const group = this.queue
        this.queue = []
        try {
          await this.write(group)
        } catch (err) {
          group.forEach((p) => p.reject(err as Error))
          continue
        }
        if (this.sync !== 'always') group.forEach((p) => p.resolve())
        else {
          // The next group is written while this one is synced: one fdatasync covers both.
          this.awaiting.push({ end: this.segments.end, group })
          void this.syncAll()
        }
      }
    } finally {
      this.writing = false
    }
  }

  /** WAL_SYNC=always: syncs until every written group is on disk, then resolves them. */
  private syncAll(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        while (this.awaiting.length) {
          const target = this.segments.end
          await (this.fh as FileHandle).datasync()
          const ready = this.awaiting.filter((a) => a.end <= target)
          this.awaiting = this.awaiting.filter((a) => a.end > target)
          this.setDurable(target)
          for (const a of ready) a.group.forEach((p) => p.resolve())
        }
      } catch (err) {
        // After a failed fsync the page cache cannot be trusted (what is on disk is unknown).
        this.broken = new WriteError(
          `syncing the log failed (${(err as Error).message}); restart to recover it`,
          (err as NodeJS.ErrnoException).code,
        )
        for (const a of this.awaiting) a.group.forEach((p) => p.reject(this.broken as Error))
        this.awaiting = []
      } finally {
        this.syncing = undefined
      }
    })()
    return this.syncing
  }

  private async write(group: Pending[]): Promise<void> {
    const bytes = group.reduce((n, p) => n + p.bytes, 0)
    let seg = this.segments.last
    if (!seg || (seg.size > 0 && seg.size + bytes > this.segmentBytes)) seg = await this.roll()
    const fh = (this.fh ??= await open(seg.path, 'a'))
    const before = seg.size
    let at = seg.base + before
    for (const p of group) {
      p.placed?.(at)
      at += p.bytes
    }
    try {
      const bufs = group.flatMap((p) => p.bufs)
      // writev may write less than asked (IOV_MAX, signals): continue where it stopped.
      let done = 0
      while (done < bytes) {
        const rest = skip(bufs, done)
        const bytesWritten = bytes - done <= SYNC_WRITE_MAX_BYTES ? writevSync(fh.fd, rest) : (await fh.writev(rest)).bytesWritten
        if (bytesWritten === 0) throw new Error('writev wrote nothing')
        done += bytesWritten
      }
    } catch (err) {
      // Take back what was written, so the next record starts where the log ends.
      await fh.truncate(before).catch((e: Error) => {
        this.broken = new WriteError(
          `the log could not be repaired after a failed write (${e.message}); restart to recover it`,
          (e as NodeJS.ErrnoException).code,
        )
      })
      const code = (err as NodeJS.ErrnoException).code
      throw new WriteError(`writing the log failed: ${code ?? (err as Error).message}`, code)
    }
    seg.size = before + bytes
  }

  /** Interval mode: sync what was written (the timer, a roll, and close call this). */
  async syncNow(): Promise<void> {
    const end = this.segments.end
    if (!this.fh || end === this.durable) return
    await this.fh.datasync()
    this.setDurable(end)
  }

  private setDurable(end: number): void {
    if (end <= this.durable) return
    this.durable = end
    this.onDurable()
  }

  /** Closes the full segment (synced) and starts the next at the log's end offset. */
  private async roll() {
    if (this.fh) {
      while (this.awaiting.length) await this.syncAll()
      await this.syncNow()
      await this.fh.close()
      this.fh = undefined
    }
    const base = this.segments.end
    const seg = { base, size: 0, path: segmentPath(this.segments.dir, base) }
    this.fh = await open(seg.path, 'a')
    syncDir(this.segments.dir)
    this.segments.list.push(seg)
    return seg
  }

  /** Waits for the writes in progress, syncs, and closes the file. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    while (this.writing) await new Promise((r) => setTimeout(r, 1))
    while (this.awaiting.length) await this.syncAll()
    await this.syncNow().catch(() => {})
    await this.fh?.close()
    this.fh = undefined
  }
}

/** `bufs` without its first `n` bytes. */
function skip(bufs: Buffer[], n: number): Buffer[] {
  if (n === 0) return bufs
  const out: Buffer[] = []
  for (const b of bufs) {
    if (n >= b.length) {
      n -= b.length
      continue
    }
    out.push(n > 0 ? b.subarray(n) : b)
    n = 0
  }
  return out
}
