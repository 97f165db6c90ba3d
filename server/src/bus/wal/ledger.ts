/**
 * The batch ledger of the write-ahead log (the `BatchLedger` of bus.ts): before the worker inserts a
 * batch, which records make it up and under which token, one fdatasynced line per batch. After a
 * crash `process/recovery.ts` finds a replayed record's batch here and re-forms it under the same
 * token, so the store drops it if it had landed (the JetStream transport keeps the same ledger on a
 * stream, nats/ledger.ts). A batch is forgotten in memory once all its records are stored; the file
 * drops the lines of forgotten batches when it is rewritten (at start-up and past COMPACT_BYTES).
 *
 * Here a record is named by its offset in the log; `transport.ts` turns offsets into message ids.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { syncDir } from './segment.js'

export interface OffsetBatch {
  token: string
  /** Offsets of the batch's records. */
  offsets: number[]
}

const FILE = 'ledger.ndjson'
/** Rewrite the file once it is this large (it grows by one line per insert). */
const COMPACT_BYTES = 4 * 1024 * 1024 // 4 MiB

interface Live {
  batch: OffsetBatch
  /** Its records not yet stored. */
  unstored: Set<number>
}

export class OffsetLedger {
  private fh: FileHandle | undefined
  private bytes = 0
  private readonly byOffset = new Map<number, Live>()
  private readonly byToken = new Map<string, Live>()
  /** File operations one at a time (an append must not land in a file being replaced). */
  private chain: Promise<unknown> = Promise.resolve()

  private constructor(private readonly dir: string) {}

  /**
   * Reads the file, keeps the batches with a record not yet stored, and rewrites the file with
   * them. A line that does not read whole (a crash mid-append, before its insert) is left out.
   */
  static open(dir: string, isStored: (offset: number) => boolean): { ledger: OffsetLedger; kept: number; torn: number } {
    const ledger = new OffsetLedger(dir)
    let text = ''
    try {
      text = readFileSync(join(dir, FILE), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    let torn = 0
    for (const line of text.split('\n')) {
      if (!line) continue
      let b: OffsetBatch
      try {
        b = JSON.parse(line) as OffsetBatch
      } catch {
        torn++
        continue
      }
      if (typeof b.token !== 'string' || !Array.isArray(b.offsets)) {
        torn++
        continue
      }
      const unstored = b.offsets.filter((o) => !isStored(o))
      if (unstored.length) ledger.add(b, unstored)
    }
    ledger.rewriteSync()
    return { ledger, kept: ledger.byToken.size, torn }
  }

  /** Appends `batch` and syncs it; resolves once it is on disk. Recording a token again replaces its batch. */
  record(batch: OffsetBatch): Promise<void> {
    const line = JSON.stringify(batch) + '\n'
    const run = this.chain.then(async () => {
      this.fh ??= await open(join(this.dir, FILE), 'a')
      await this.fh.appendFile(line)
      await this.fh.datasync()
      this.bytes += Buffer.byteLength(line)
      this.add(batch, batch.offsets)
    })
    this.chain = run.catch(() => {})
    return run
  }

  /** Batches kept (not yet stored whole). */
  get size(): number {
    return this.byToken.size
  }

  find(offset: number): OffsetBatch | undefined {
    return this.byOffset.get(offset)?.batch
  }

  /** The highest offset of a batch still kept (a record below it may have been delivered before). */
  maxOffset(): number {
    let max = -1
    for (const o of this.byOffset.keys()) if (o > max) max = o
    return max
  }

  /** The record at `offset` is stored: its batch is forgotten once all of it is. */
  stored(offset: number): void {
    const live = this.byOffset.get(offset)
    if (!live) return
    live.unstored.delete(offset)
    if (live.unstored.size === 0) this.forget(live)
  }

  /** Drops the lines of forgotten batches when the file has grown (called after checkpoints). */
  compact(): Promise<void> {
    if (this.bytes <= COMPACT_BYTES) return Promise.resolve()
    const run = this.chain.then(async () => {
      await this.fh?.close()
      this.fh = undefined
      this.rewriteSync()
    })
    this.chain = run.catch(() => {})
    return run
  }

  close(): Promise<void> {
    const run = this.chain.then(async () => {
      await this.fh?.close()
      this.fh = undefined
    })
    this.chain = run.catch(() => {})
    return run
  }

  private add(batch: OffsetBatch, unstored: number[]): void {
    const old = this.byToken.get(batch.token)
    if (old) this.forget(old)
    const live: Live = { batch: { token: batch.token, offsets: [...batch.offsets] }, unstored: new Set(unstored) }
    this.byToken.set(batch.token, live)
    for (const o of batch.offsets) this.byOffset.set(o, live)
  }

  private forget(live: Live): void {
    if (this.byToken.get(live.batch.token) === live) this.byToken.delete(live.batch.token)
    for (const o of live.batch.offsets) if (this.byOffset.get(o) === live) this.byOffset.delete(o)
  }

  /** Replaces the file with the batches kept, atomically (temporary file, sync, rename, sync dir). */
  private rewriteSync(): void {
    const text = [...this.byToken.values()].map((l) => JSON.stringify(l.batch) + '\n').join('')
    const tmp = join(this.dir, `${FILE}.tmp`)
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, text)
      fdatasyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, join(this.dir, FILE))
    syncDir(this.dir)
    this.bytes = Buffer.byteLength(text)
  }
}
