/**
 * Start-up: opens the log directory, checks every record after the checkpoint, truncates a torn
 * tail (crash mid-write) with a log line, reports corrupted regions (they are skipped, the rest of
 * the segment is kept), deletes segments wholly behind the checkpoint, and reads the ledger.
 */
import { mkdirSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import type { Logger } from 'pino'
import { readCheckpoint, type Checkpoint, type Span } from './checkpoint.js'
import { Ledger, type LedgerBatch } from './ledger.js'
import { scanSegment } from './reader.js'
import { SegmentSet, listSegments } from './segment.js'

export interface Recovered {
  segments: SegmentSet
  checkpoint: Checkpoint
  ledger: Ledger
  /** Batches recorded but not stored for sure: replayed under their token. */
  replay: LedgerBatch[]
  /** Spans stored out of order (from the checkpoint, and batches the ledger proves were stored). */
  done: Span[]
  skips: [number, number][]
  /** Entries after the checkpoint that are not known to be stored. */
  pending: number
}

export async function recover(dir: string, log: Logger): Promise<Recovered> {
  mkdirSync(dir, { recursive: true })
  const checkpoint = readCheckpoint(dir)
  const segments = new SegmentSet(dir)
  for (const { base, path } of await listSegments(dir)) segments.list.push({ base, path, size: statSync(path).size })
  await segments.dropBefore(checkpoint.offset)

  const skips: [number, number][] = []
  let pending = 0
  for (let i = 0; i < segments.list.length; i++) {
    const seg = segments.list[i]!
    const from = Math.max(seg.base, checkpoint.offset)
    if (from >= seg.base + seg.size) continue
    const fh = await open(seg.path, 'r+')
    try {
      const r = await scanSegment(fh, seg, from)
      pending += r.entries
      for (const s of r.skips) {
        log.error({ segment: seg.path, from: s[0], to: s[1], bytes: s[1] - s[0] }, 'write-ahead log: corrupted records skipped (CRC mismatch); the rest of the segment is kept')
      }
      skips.push(...r.skips)
      if (r.tornBytes > 0) {
        if (i === segments.list.length - 1) {
          log.warn({ segment: seg.path, at: r.validEnd, bytes: r.tornBytes }, 'write-ahead log: torn last record (crash mid-write) truncated')
          await fh.truncate(r.validEnd - seg.base)
          await fh.sync()
          seg.size = r.validEnd - seg.base
        } else {
          // A closed segment was synced whole before the next began, so this is corruption, not a torn write.
          log.error({ segment: seg.path, from: r.validEnd, bytes: r.tornBytes }, 'write-ahead log: corrupted end of a segment skipped')
          skips.push([r.validEnd, seg.base + seg.size])
        }
      }
    } finally {
      await fh.close()
    }
  }

  const ledger = new Ledger(dir)
  const { batches, torn } = ledger.load()
  if (torn) log.warn({ lines: torn }, 'write-ahead log: unreadable ledger lines ignored (a crash mid-append)')
  const done: Span[] = [...checkpoint.done]
  const doneStarts = new Set(done.map((s) => s[0]))
  const replay: LedgerBatch[] = []
  for (const b of batches) {
    // Acks follow a whole batch's insert: one span behind the checkpoint or acked means all were stored.
    const stored = b.spans.some((s) => s[0] < checkpoint.offset || doneStarts.has(s[0]))
    if (!stored) replay.push(b)
    else
      for (const s of b.spans)
        if (s[0] >= checkpoint.offset && !doneStarts.has(s[0])) {
          done.push(s)
          doneStarts.add(s[0])
        }
  }
  for (const s of done) if (s[0] >= checkpoint.offset) pending -= s[2]
  await ledger.rewrite(replay)
  return { segments, checkpoint, ledger, replay, done, skips, pending: Math.max(0, pending) }
}
