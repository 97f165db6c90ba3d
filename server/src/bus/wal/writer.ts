/**
 * Appends records to the last segment with group commit: appends that arrive while a write is in
 * progress wait for the next one, and each write is one `writev` and (WAL_SYNC=always) one
 * `fdatasync` before every waiting append resolves. With an interval instead, appends resolve after
 * the write and a timer syncs; only synced bytes are handed to the worker either way, so a batch
 * recorded in the ledger never refers to bytes a crash can take back.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { encodeRecord } from './record.js'
import { segmentPath, syncDir, type SegmentSet } from './segment.js'

export type WalSync = 'always' | number

interface Pending {
  bufs: Buffer[]
  bytes: number
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

  append(payload: Buffer, count: number): Promise<void> {
    if (this.broken) return Promise.reject(this.broken)
    return new Promise<void>((resolve, reject) => {
      const bufs = encodeRecord(payload, count)
      this.queue.push({ bufs, bytes: (bufs[0] as Buffer).length + payload.length, resolve, reject })
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
          group.forEach((p) => p.resolve())
        } catch (err) {
          group.forEach((p) => p.reject(err as Error))
        }
      }
    } finally {
      this.writing = false
    }
  }

  private async write(group: Pending[]): Promise<void> {
    const bytes = group.reduce((n, p) => n + p.bytes, 0)
    let seg = this.segments.last
    if (!seg || (seg.size > 0 && seg.size + bytes > this.segmentBytes)) seg = await this.roll()
    const fh = (this.fh ??= await open(seg.path, 'a'))
    const before = seg.size
    try {
      const bufs = group.flatMap((p) => p.bufs)
      // writev may write less than asked (IOV_MAX, signals): continue where it stopped.
      let done = 0
      while (done < bytes) {
        const { bytesWritten } = await fh.writev(skip(bufs, done))
        if (bytesWritten === 0) throw new Error('writev wrote nothing')
        done += bytesWritten
      }
      if (this.sync === 'always') await fh.datasync()
    } catch (err) {
      // Take back what was written, so the next record starts where the log ends.
      await fh.truncate(before).catch((e: Error) => {
        this.broken = new WriteError(`the log could not be repaired after a failed write (${e.message}); restart to recover it`, (e as NodeJS.ErrnoException).code)
      })
      const code = (err as NodeJS.ErrnoException).code
      throw new WriteError(`writing the log failed: ${code ?? (err as Error).message}`, code)
    }
    seg.size = before + bytes
    if (this.sync === 'always') this.setDurable(this.segments.end)
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
