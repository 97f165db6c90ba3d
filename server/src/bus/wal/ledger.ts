/**
 * The batch ledger: before the worker inserts a batch, which records make it up and under which
 * dedup token (one fsynced line per batch). After a crash, replay re-forms a recorded batch exactly
 * and inserts it under the same token, so ClickHouse drops it if it had landed (the same idea as
 * the JetStream batch journal, bus/nats-journal.ts). Lines of batches behind the checkpoint are
 * dropped by rewriting the file now and then.
 */
import { appendFile, open, type FileHandle } from 'node:fs/promises'
import { closeSync, fdatasyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { Span } from './checkpoint.js'
import { syncDir } from './segment.js'

export interface LedgerBatch {
  token: string
  /** The batch's records as ascending runs. */
  spans: Span[]
}

const FILE = 'ledger.ndjson'
/** Rewrite the file once it is this large (it holds one line per insert). */
const COMPACT_BYTES = 4 * 1024 * 1024 // 4 MiB

export class Ledger {
  private fh: FileHandle | undefined
  private bytes = 0

  constructor(private readonly dir: string) {}

  /** Every batch line that reads whole (a torn last line, from a crash mid-append, is left out). */
  load(): { batches: LedgerBatch[]; torn: number } {
    let text = ''
    try {
      text = readFileSync(join(this.dir, FILE), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const batches: LedgerBatch[] = []
    let torn = 0
    for (const line of text.split('\n')) {
      if (!line) continue
      try {
        const b = JSON.parse(line) as LedgerBatch
        if (typeof b.token === 'string' && Array.isArray(b.spans)) batches.push(b)
        else torn++
      } catch {
        torn++
      }
    }
    return { batches, torn }
  }

  /** Replaces the file with `batches` (start-up and compaction), atomically. */
  async rewrite(batches: LedgerBatch[]): Promise<void> {
    await this.fh?.close()
    this.fh = undefined
    const text = batches.map((b) => JSON.stringify(b) + '\n').join('')
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

  /** Appends one batch and syncs it; resolves once it is on disk. */
  async record(b: LedgerBatch): Promise<void> {
    this.fh ??= await open(join(this.dir, FILE), 'a')
    const line = JSON.stringify(b) + '\n'
    await appendFile(this.fh, line)
    await this.fh.datasync()
    this.bytes += Buffer.byteLength(line)
  }

  get needsCompaction(): boolean {
    return this.bytes > COMPACT_BYTES
  }

  async close(): Promise<void> {
    await this.fh?.close()
    this.fh = undefined
  }
}
