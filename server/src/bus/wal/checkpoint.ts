/**
 * The worker's position in the log, written after each insert: every record before `offset` is
 * stored, and so is every span in `done` (acked out of order, e.g. after a batch went back for a
 * retry). Written to a temporary file, fsynced, then renamed over the old one, so a crash leaves
 * either the old or the new checkpoint, never a torn one.
 */
import { readFileSync } from 'node:fs'
import { open, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { syncDirAsync } from './segment.js'

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
 * Off the event loop (its fdatasync took the loop once per insert): the file ops go through the libuv
 * pool, one after another. The log runs one checkpoint write at a time (log.ts), so no two writers of
 * the temporary file interleave; a crash between the write and the rename leaves the old checkpoint.
 */
export async function writeCheckpoint(dir: string, cp: Checkpoint): Promise<void> {
  const tmp = join(dir, `${FILE}.tmp`)
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(JSON.stringify(cp))
    await fh.datasync()
  } finally {
    await fh.close()
  }
  await rename(tmp, join(dir, FILE))
  await syncDirAsync(dir)
}
