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
 * - `rows`: the same for the entries as the insert's TabSeparated rows (`count` of them, one buffer:
 *   the write-ahead log's records, store/encode.ts), in place of their messages and timestamps, tenants
 *   and services: the event loop only copies the bytes, and the C scan reads the messages from them
 *   (mask_keys.c `rows`); a message is made a string here only when the miner must read it. The
 *   answer as for `mine`.
 * - `restore`: stored templates go back into the miner (`PatternMiner.restore`).
 * - `drain`: the templates that changed since the last drain (`PatternMiner.drain`; `lastSeen`: also
 *   those whose last_seen alone moved).
 */
import { parentPort } from 'node:worker_threads'
import type { Drain } from '../patterns/drain.js'
import { maskKeys } from '../patterns/mask.js'
import { PatternMiner, timeHi, timeLo, type PatternRecord } from '../patterns/miner.js'
import { unescapeField } from '../store/encode.js'

export type LabelRequest =
  | { op: 'mine'; id: number; services: string[]; which: Int32Array; messages: string[]; timestamps: string[] }
  | { op: 'rows'; id: number; rows: Uint8Array; count: number }
  | { op: 'restore'; id: number; records: PatternRecord[] }
  | { op: 'drain'; id: number; lastSeen: boolean }

/** `which` is absent from the answer to `rows` that could not be read (labeler.ts then sends the strings). */
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
    const ts = timestamps[i] as string
    which[i] = miner.mineIndex(trees[k] as Drain, services[2 * k] as string, services[2 * k + 1] as string, messages[i] as string, timeHi(ts), timeLo(ts), keys, i)
  }
  return answer(req.id, which)
}

function answer(id: number, which: Int32Array): LabelReply {
  const newIds = miner.idsFrom(sent)
  sent += newIds.length
  return { id, which, newIds }
}

/** What the C scan gives for a request's rows (grown as needed, kept between requests). */
let out = new Int32Array(0)
let fields = new Int32Array(0)
let times = new Float64Array(0)

/** A field of the rows as text. */
const field = (buf: Buffer, start: number, end: number): string => unescapeField(buf.toString('utf8', start, end))

function mineRows(req: Extract<LabelRequest, { op: 'rows' }>): LabelReply {
  const { count } = req
  const buf = Buffer.from(req.rows.buffer, req.rows.byteOffset, req.rows.byteLength)
  const which = new Int32Array(count)
  if (out.length < 3 * count) {
    out = new Int32Array(6 * count)
    fields = new Int32Array(10 * count)
    times = new Float64Array(4 * count)
  }
  // Rows the scan cannot read (not `count` rows of the store; or no scan built here): none is mined,
  // and the event loop sends the strings instead.
  const services = maskKeys === undefined ? -1 : maskKeys.rows(buf, count, out, fields, times)
  if (services < 0) return { id: req.id }
  const trees: Drain[] = []
  const tenants: string[] = []
  const names: string[] = []
  for (let j = 0; j < services; j++) {
    const [tenant, , service] = rowFields(buf, fields[4 * (fields[4 * count + j] as number) + 3] as number)
    tenants.push(tenant)
    names.push(service)
    trees.push(miner.treeOf(tenant, service))
  }
  const message = (k: number): string => field(buf, fields[4 * k + 1] as number, fields[4 * k + 2] as number)
  for (let k = 0; k < count; k++) {
    const j = fields[4 * k] as number
    let hi = times[2 * k] as number
    let lo = times[2 * k + 1] as number
    if (Number.isNaN(hi)) {
      const ts = rowFields(buf, fields[4 * k + 3] as number)[1]
      hi = timeHi(ts)
      lo = timeLo(ts)
    }
    which[k] = miner.mineIndex(trees[j] as Drain, tenants[j] as string, names[j] as string, message, hi, lo, out, k)
  }
  return answer(req.id, which)
}

/** Tenant, timestamp and service of the row at `start` (the scan has read it: three tabs follow). */
function rowFields(buf: Buffer, start: number): [string, string, string] {
  const t1 = buf.indexOf(9, start)
  const t2 = buf.indexOf(9, t1 + 1)
  const t3 = buf.indexOf(9, t2 + 1)
  return [field(buf, start, t1), buf.toString('latin1', t1 + 1, t2), field(buf, t2 + 1, t3)]
}

parentPort?.on('message', (req: LabelRequest) => {
  let reply: LabelReply
  try {
    if (req.op === 'mine') reply = mine(req)
    else if (req.op === 'rows') reply = mineRows(req)
    else if (req.op === 'restore') {
      miner.restore(req.records)
      reply = { id: req.id }
    } else reply = { id: req.id, records: miner.drain(req.lastSeen) }
  } catch (err) {
    reply = { id: req.id, error: String((err as Error)?.stack ?? err) }
  }
  parentPort?.postMessage(reply, reply.which ? [reply.which.buffer as ArrayBuffer] : [])
})
