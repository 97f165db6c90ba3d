/**
 * Start-up: opens the log directory, checks every record after the checkpoint, truncates a torn
 * tail (crash mid-write) with a log line, reports corrupted regions (they are skipped, the rest of
 * the segment is kept), and deletes segments wholly behind the checkpoint. Batches that were being
 * inserted are not this module's business: the ledger (ledger.ts) keeps them and `process/`
 * re-forms them when their records come again.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { readCheckpoint, type Checkpoint } from './checkpoint.js'
import { scanSegment } from './reader.js'
import { SegmentSet, listSegments, syncDir } from './segment.js'

export interface Recovered {
  /** Names this log for as long as its directory lives (see `logId`). */
  id: string
  segments: SegmentSet
  checkpoint: Checkpoint
  /** Corrupted regions, from -> the next valid record (global offsets). */
  skips: [number, number][]
  /** Entries after the checkpoint that are not known to be stored. */
  pending: number
}

export async function recover(dir: string, log: Logger): Promise<Recovered> {
  mkdirSync(dir, { recursive: true })
  const id = logId(dir)
  const checkpoint = readCheckpoint(dir)
  const found = await listSegments(dir)
  let segments = new SegmentSet(dir, checkpoint.offset)
  for (const { base, path } of found) segments.list.push({ base, path, size: statSync(path).size })
  if (segments.list.length && segments.end < checkpoint.offset) {
    // The log ends before the checkpoint (its last file was lost): all of it was stored. New records
    // start at the checkpoint, so no offset handed out before is handed out again.
    log.error(
      { dir, end: segments.end, checkpoint: checkpoint.offset },
      'write-ahead log: the log ends before its checkpoint; its files are removed',
    )
    for (const s of segments.list) await rm(s.path, { force: true })
    segments = new SegmentSet(dir, checkpoint.offset)
  }
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
        log.error(
          { segment: seg.path, from: s[0], to: s[1], bytes: s[1] - s[0] },
          'write-ahead log: corrupted records skipped (CRC mismatch); the rest of the segment is kept',
        )
      }
      skips.push(...r.skips)
      if (r.tornBytes > 0) {
        if (i === segments.list.length - 1) {
          // Never handed out: only synced records are read, and a torn one was not.
          log.warn(
            { segment: seg.path, at: r.validEnd, bytes: r.tornBytes },
            'write-ahead log: torn last record (crash mid-write) truncated',
          )
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
  for (const s of checkpoint.done) if (s[0] >= checkpoint.offset) pending -= s[2]
  return { id, segments, checkpoint, skips, pending: Math.max(0, pending) }
}

const ID_FILE = 'log-id'

/**
 * A random name given to the log when its directory is created. Message ids (and so batch tokens)
 * are `<log id>-<offset>`: offsets never go back within one log, and a log made afresh (its
 * directory deleted while the store kept its data) gets a new name, so a token the store has seen
 * is never formed again for other entries.
 */
function logId(dir: string): string {
  const path = join(dir, ID_FILE)
  try {
    const id = readFileSync(path, 'utf8').trim()
    if (/^[0-9a-f]{16}$/.test(id)) return id
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const id = randomBytes(8).toString('hex')
  const fd = openSync(path, 'w')
  try {
    writeSync(fd, id + '\n')
    fdatasyncSync(fd)
  } finally {
    closeSync(fd)
  }
  syncDir(dir)
  return id
}
