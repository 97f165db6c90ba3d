/**
 * The worker's position in the log, written after each insert: every record before `offset` is
 * stored, and so is every span in `done` (acked out of order, e.g. after a batch went back for a
 * retry). Written to a temporary file, fsynced, then renamed over the old one, so a crash leaves
 * either the old or the new checkpoint, never a torn one.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { syncDir } from './segment.js'

/** [start, end, entries] of a run of records (global offsets). */
export type Span = [number, number, number]

export interface Checkpoint {
  offset: number
  done: Span[]
}

const FILE = 'checkpoint.json'

export function readCheckpoint(dir: string): Checkpoint {
  let text: string
  try {
    text = readFileSync(join(dir, FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { offset: 0, done: [] }
    throw err
  }
  const cp = JSON.parse(text) as Checkpoint
  if (typeof cp.offset !== 'number' || !Array.isArray(cp.done))
    throw new Error(`${join(dir, FILE)} is not a checkpoint: ${text.slice(0, 100)}`)
  return cp
}

/**
 * Synchronous on purpose: a few hundred bytes, once per insert, and a crash between the write and
 * the rename must not be interleaved with another writer of the same file.
 */
export function writeCheckpoint(dir: string, cp: Checkpoint): void {
  const tmp = join(dir, `${FILE}.tmp`)
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, JSON.stringify(cp))
    fdatasyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, join(dir, FILE))
  syncDir(dir)
}
