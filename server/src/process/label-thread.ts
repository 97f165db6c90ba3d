/**
 * The pattern miner on a thread of its own (labeler.ts starts it): mining is the largest part of the
 * process role's work on the event loop (issue 12), and here it runs beside it, on the other core.
 * Requests are answered in the order they come, so entries are mined in the order they were posted.
 *
 * - `mine`: `text` holds, per entry, its tenant, service, message and timestamp back to back, and
 *   `lengths` their lengths (4 per entry); the answer is the pattern id of each entry.
 * - `restore`: stored templates go back into the miner (`PatternMiner.restore`).
 * - `drain`: the templates that changed since the last drain (`PatternMiner.drain`; `lastSeen`: also
 *   those whose last_seen alone moved).
 */
import { parentPort } from 'node:worker_threads'
import { PatternMiner, type PatternRecord } from '../patterns/miner.js'

export type LabelRequest =
  | { op: 'mine'; id: number; text: string; lengths: Uint32Array }
  | { op: 'restore'; id: number; records: PatternRecord[] }
  | { op: 'drain'; id: number; lastSeen: boolean }

export type LabelReply = { id: number; ids?: string[]; records?: PatternRecord[]; error?: string }

const miner = new PatternMiner()

function mine(text: string, lengths: Uint32Array): string[] {
  const ids = new Array<string>(lengths.length / 4)
  let at = 0
  const next = (n: number) => text.slice(at, (at += n))
  for (let i = 0; i < ids.length; i++) {
    const tenant = next(lengths[4 * i] as number)
    const service = next(lengths[4 * i + 1] as number)
    const message = next(lengths[4 * i + 2] as number)
    const timestamp = next(lengths[4 * i + 3] as number)
    ids[i] = miner.mine(tenant, service, message, timestamp)
  }
  return ids
}

parentPort?.on('message', (req: LabelRequest) => {
  let reply: LabelReply
  try {
    if (req.op === 'mine') reply = { id: req.id, ids: mine(req.text, req.lengths) }
    else if (req.op === 'restore') {
      miner.restore(req.records)
      reply = { id: req.id }
    } else reply = { id: req.id, records: miner.drain(req.lastSeen) }
  } catch (err) {
    reply = { id: req.id, error: String((err as Error)?.stack ?? err) }
  }
  parentPort?.postMessage(reply)
})
