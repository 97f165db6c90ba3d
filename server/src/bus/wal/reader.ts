/**
 * Reads records back from the segments: a chunked cursor for the worker (a bounded read buffer,
 * never the backlog in memory) and the start-up scan that finds the log's valid end and its
 * corrupted regions.
 */
import type { FileHandle } from 'node:fs/promises'
import { HEADER_BYTES, MAX_PAYLOAD_BYTES, checkRecord, readHeader, type PayloadFormat } from './record.js'
import type { Segment, SegmentSet } from './segment.js'

const CHUNK_BYTES = 1024 * 1024 // 1 MiB read at a time

export interface RecordRead {
  /** Global offset of the record and of the next one. */
  pos: number
  next: number
  count: number
  format: PayloadFormat
  payload: Buffer
}

/** Reads `len` bytes at `at` of `fh` (fewer at the end of the file). */
async function readAt(fh: FileHandle, at: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len)
  let got = 0
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, at + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return buf.subarray(0, got)
}

/**
 * Validates the record at `at` (relative to `buf`, which holds the file from `bufAt`): 'ok', 'short'
 * (needs bytes past the buffer), or 'bad' (cannot be a record: length out of range or CRC mismatch).
 */
export function recordIn(
  buf: Buffer,
  at: number,
  limit: number,
): { state: 'ok'; length: number; count: number; format: PayloadFormat } | { state: 'short' | 'bad' } {
  if (at + HEADER_BYTES > buf.length) return { state: 'short' }
  const h = readHeader(buf, at)
  if (h.length > MAX_PAYLOAD_BYTES || h.length > limit) return { state: 'bad' }
  if (at + HEADER_BYTES + h.length > buf.length) return { state: 'short' }
  const payload = buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + h.length)
  return checkRecord(buf, at, payload) ? { state: 'ok', length: h.length, count: h.count, format: h.format } : { state: 'bad' }
}

/** Sequential reads for the worker, through one chunk buffer. */
export class Cursor {
  private buf: Buffer = Buffer.alloc(0)
  private bufPos = 0 // global offset of buf[0]
  private bufSeg = -1

  constructor(private readonly segments: SegmentSet) {}

  /** The record at `pos`, 'bad' when the bytes there are not a valid record, undefined at `end`. */
  async read(pos: number, end: number): Promise<RecordRead | 'bad' | undefined> {
    const seg = this.segments.locate(pos)
    if (!seg || pos >= end) return undefined
    const segEnd = Math.min(seg.base + seg.size, end)
    const limit = segEnd - pos - HEADER_BYTES
    if (this.bufSeg !== seg.base || pos < this.bufPos || pos + HEADER_BYTES > this.bufPos + this.buf.length)
      await this.fill(seg, pos, CHUNK_BYTES, segEnd)
    let r = recordIn(this.buf, pos - this.bufPos, limit)
    if (r.state === 'short' && pos + HEADER_BYTES <= this.bufPos + this.buf.length) {
      // A record larger than what the chunk holds: read it whole.
      const need = HEADER_BYTES + readHeader(this.buf, pos - this.bufPos).length
      if (need > segEnd - pos) return 'bad'
      await this.fill(seg, pos, Math.max(CHUNK_BYTES, need), segEnd)
      r = recordIn(this.buf, 0, limit)
    }
    if (r.state !== 'ok') return 'bad'
    const at = pos - this.bufPos + HEADER_BYTES
    // A view of the chunk, not a copy: the log parses it at once (log.ts) and keeps only the entries.
    return { pos, next: pos + HEADER_BYTES + r.length, count: r.count, format: r.format, payload: this.buf.subarray(at, at + r.length) }
  }

  private async fill(seg: Segment, pos: number, len: number, segEnd: number): Promise<void> {
    const fh = await this.segments.reader(seg)
    this.buf = await readAt(fh, pos - seg.base, Math.min(len, segEnd - pos))
    this.bufPos = pos
    this.bufSeg = seg.base
  }

  /** Forget the buffer (a segment went away, or bytes under it changed). */
  reset(): void {
    this.buf = Buffer.alloc(0) as Buffer
    this.bufSeg = -1
  }
}

export interface ScanResult {
  /** Offset just past the last valid record of the segment (the segment's valid end). */
  validEnd: number
  entries: number
  /** Corrupted regions: from (global) -> next valid record (global). */
  skips: [number, number][]
  /** Bytes after `validEnd` that hold no valid record (a torn tail). */
  tornBytes: number
}

/**
 * Scans one segment from `from` (global) to its end, checking every record. A bad record followed
 * later in the segment by a valid one is a corruption: reported as a skip to that record. A bad
 * region with nothing valid after it is a torn tail (crash mid-write).
 */
export async function scanSegment(fh: FileHandle, seg: Segment, from: number): Promise<ScanResult> {
  const size = seg.size
  let at = from - seg.base
  let entries = 0
  const skips: [number, number][] = []
  let buf: Buffer = Buffer.alloc(0)
  let bufAt = 0
  const load = async (pos: number, min: number) => {
    buf = await readAt(fh, pos, Math.max(CHUNK_BYTES, min))
    bufAt = pos
  }
  while (at < size) {
    let r = recordIn(buf, at - bufAt, size - at - HEADER_BYTES)
    if (at < bufAt || r.state === 'short') {
      const head = await readAt(fh, at, HEADER_BYTES)
      const want = head.length === HEADER_BYTES ? HEADER_BYTES + Math.min(readHeader(head).length, MAX_PAYLOAD_BYTES) : HEADER_BYTES
      await load(at, Math.min(want, size - at))
      r = recordIn(buf, 0, size - at - HEADER_BYTES)
    }
    if (r.state === 'ok') {
      entries += r.count
      at += HEADER_BYTES + r.length
      continue
    }
    // Not a record: look for the next valid one in the rest of the segment (read whole: rare).
    const rest = await readAt(fh, at, size - at)
    let found = -1
    for (let i = 1; i + HEADER_BYTES <= rest.length; i++) {
      if (recordIn(rest, i, rest.length - i - HEADER_BYTES).state === 'ok') {
        found = i
        break
      }
    }
    if (found < 0) return { validEnd: seg.base + at, entries, skips, tornBytes: size - at }
    skips.push([seg.base + at, seg.base + at + found])
    buf = rest
    bufAt = at
    at += found
  }
  return { validEnd: seg.base + at, entries, skips, tornBytes: 0 }
}
