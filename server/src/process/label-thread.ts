/**
 * The pattern miner on a thread of its own (labeler.ts starts it): mining is the largest part of the
 * process role's work on the event loop (issue 12), and here it runs beside it, on the other core.
 * Requests are answered in the order they come, so entries are mined in the order they were posted.
 *
 * - `mine`: per entry, its message and timestamp (`messages`, `timestamps`), and in `which` the index
 *   of its tenant and service in `services` (tenant, service, tenant, service...: each pair once a
 *   batch). Strings of their own, not one text cut into slices: a slice keeps its whole text alive (a
 *   template's sample kept every batch it came from) and is slower to read and compare (the miner's
 *   thread cost 17 µs an entry where the miner alone costs 7-9). The answer: in `which`, the index of
 *   each entry's pattern id in the miner's list of the ids it knows (`PatternMiner.mineIndex`: the
 *   stored ones restored and the mined ones, in the order they became known), `newIds` the ids that
 *   list gained since the last answer (at its end, in order): an id crosses once, not once per entry.
 * - `restore`: stored templates go back into the miner (`PatternMiner.restore`).
 * - `drain`: the templates that changed since the last drain (`PatternMiner.drain`; `lastSeen`: also
 *   those whose last_seen alone moved).
 */
import { parentPort } from 'node:worker_threads'
import type { Drain } from '../patterns/drain.js'
import { PatternMiner, type PatternRecord } from '../patterns/miner.js'

export type LabelRequest =
  | { op: 'mine'; id: number; services: string[]; which: Int32Array; messages: string[]; timestamps: string[] }
  | { op: 'restore'; id: number; records: PatternRecord[] }
  | { op: 'drain'; id: number; lastSeen: boolean }

export type LabelReply = { id: number; which?: Int32Array; newIds?: string[]; records?: PatternRecord[]; error?: string }

const miner = new PatternMiner()

/** How many of the miner's ids (`PatternMiner.idsFrom`) the event loop has been sent. */
let sent = 0

function mine(req: Extract<LabelRequest, { op: 'mine' }>): LabelReply {
  const { services, which, messages, timestamps } = req
  const trees = []
  for (let k = 0; k < services.length; k += 2) trees.push(miner.treeOf(services[k] as string, services[k + 1] as string))
  const keys = miner.keys(messages)
  for (let i = 0; i < messages.length; i++) {
    const k = which[i] as number
    which[i] = miner.mineIndex(trees[k] as Drain, services[2 * k] as string, services[2 * k + 1] as string, messages[i] as string, timestamps[i] as string, keys, i)
  }
  const newIds = miner.idsFrom(sent)
  sent += newIds.length
  return { id: req.id, which, newIds }
}

parentPort?.on('message', (req: LabelRequest) => {
  let reply: LabelReply
  try {
    if (req.op === 'mine') reply = mine(req)
    else if (req.op === 'restore') {
      miner.restore(req.records)
      reply = { id: req.id }
    } else reply = { id: req.id, records: miner.drain(req.lastSeen) }
  } catch (err) {
    reply = { id: req.id, error: String((err as Error)?.stack ?? err) }
  }
  parentPort?.postMessage(reply, reply.which ? [reply.which.buffer as ArrayBuffer] : [])
})
