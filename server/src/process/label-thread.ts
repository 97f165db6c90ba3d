/**
 * The pattern miner on a thread of its own (labeler.ts starts it): mining is the largest part of the
 * process role's work on the event loop (issue 12), and here it runs beside it, on the other core.
 * Requests are answered in the order they come, so entries are mined in the order they were posted.
 *
 * - `mine`: `strings` holds, per entry, its tenant, service, message and timestamp (4 per entry); the
 *   answer is the pattern id of each entry. Strings of their own, not one text cut into slices: a slice
 *   keeps its whole text alive (a template's sample kept every batch it came from) and is slower to read
 *   and compare (the miner's thread cost 17 µs an entry where the miner alone costs 7-9).
 * - `restore`: stored templates go back into the miner (`PatternMiner.restore`).
 * - `drain`: the templates that changed since the last drain (`PatternMiner.drain`; `lastSeen`: also
 *   those whose last_seen alone moved).
 */
import { parentPort } from 'node:worker_threads'
import { PatternMiner, type PatternRecord } from '../patterns/miner.js'

export type LabelRequest =
  | { op: 'mine'; id: number; strings: string[] }
  | { op: 'restore'; id: number; records: PatternRecord[] }
  | { op: 'drain'; id: number; lastSeen: boolean }

export type LabelReply = { id: number; ids?: string[]; records?: PatternRecord[]; error?: string }

const miner = new PatternMiner()

function mine(strings: string[]): string[] {
  const ids = new Array<string>(strings.length / 4)
  for (let i = 0; i < ids.length; i++) ids[i] = miner.mine(strings[4 * i] as string, strings[4 * i + 1] as string, strings[4 * i + 2] as string, strings[4 * i + 3] as string)
  return ids
}

parentPort?.on('message', (req: LabelRequest) => {
  let reply: LabelReply
  try {
    if (req.op === 'mine') reply = { id: req.id, ids: mine(req.strings) }
    else if (req.op === 'restore') {
      miner.restore(req.records)
      reply = { id: req.id }
    } else reply = { id: req.id, records: miner.drain(req.lastSeen) }
  } catch (err) {
    reply = { id: req.id, error: String((err as Error)?.stack ?? err) }
  }
  parentPort?.postMessage(reply)
})
