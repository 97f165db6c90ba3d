/**
 * The log's files: segments named by the global byte offset of their first record
 * (`00000000000000000000.seg`), contiguous, so a record is named by its global offset and the
 * checkpoint is one number. Only the last segment is written to, and it is never deleted, so the
 * log's end (the next record's offset) never goes back: offsets are never reused.
 */
import { open, readdir, rm, type FileHandle } from 'node:fs/promises'
import { openSync, fsyncSync, closeSync } from 'node:fs'
import { join } from 'node:path'

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024 // 64 MiB per segment file

export interface Segment {
  base: number
  /** Bytes in the file (for the last segment: written, maybe not yet synced). */
  size: number
  path: string
}

const NAME = /^(\d{20})\.seg$/

export function segmentPath(dir: string, base: number): string {
  return join(dir, `${String(base).padStart(20, '0')}.seg`)
}

export async function listSegments(dir: string): Promise<{ base: number; path: string }[]> {
  const out: { base: number; path: string }[] = []
  for (const name of await readdir(dir)) {
    const m = NAME.exec(name)
    if (m) out.push({ base: Number(m[1]), path: join(dir, name) })
  }
  return out.sort((a, b) => a.base - b.base)
}

/** A new file's name must survive a crash too: sync the directory entry. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** `syncDir` off the event loop (the libuv pool). */
export async function syncDirAsync(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** The segments in offset order, with read handles opened on demand (closed when a segment goes). */
export class SegmentSet {
  readonly list: Segment[] = []
  private readonly handles = new Map<number, Promise<FileHandle>>()

  /**
   * @param floor where the first segment starts when there is none (the checkpoint: a log whose
   *   files were lost must not hand out offsets it handed out before).
   */
  constructor(
    readonly dir: string,
    private readonly floor = 0,
  ) {}

  get first(): Segment | undefined {
    return this.list[0]
  }
  get last(): Segment | undefined {
    return this.list[this.list.length - 1]
  }
  /** Global offset just past the last byte written. */
  get end(): number {
    const l = this.last
    return l ? l.base + l.size : this.floor
  }
  /** Bytes the log holds on disk. */
  get bytes(): number {
    const f = this.first
    return f ? this.end - f.base : 0
  }

  /** The segment holding global offset `pos` (a position at a segment's end belongs to the next one). */
  locate(pos: number): Segment | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const s = this.list[i] as Segment
      if (s.base <= pos) return pos < s.base + s.size || i === this.list.length - 1 ? s : this.list[i + 1]
    }
    return undefined
  }

  reader(s: Segment): Promise<FileHandle> {
    let h = this.handles.get(s.base)
    if (!h) {
      h = open(s.path, 'r')
      this.handles.set(s.base, h)
    }
    return h
  }

  /** Deletes the segments that end at or before `offset` (never the last one, which is written to). */
  async dropBefore(offset: number): Promise<number> {
    let n = 0
    while (this.list.length > 1 && (this.list[0] as Segment).base + (this.list[0] as Segment).size <= offset) {
      const s = this.list.shift() as Segment
      await this.closeReader(s.base)
      await rm(s.path, { force: true })
      n++
    }
    return n
  }

  async closeReader(base: number): Promise<void> {
    const h = this.handles.get(base)
    this.handles.delete(base)
    if (h) await (await h).close().catch(() => {})
  }

  async closeAll(): Promise<void> {
    for (const base of [...this.handles.keys()]) await this.closeReader(base)
  }
}
