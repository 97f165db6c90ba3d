/**
 * Recovery: a message whose batch is in the ledger was delivered and inserted (or tried) before. It is
 * re-formed into exactly that batch (the messages this worker does not hold are read from the queue)
 * and inserted alone under the recorded token, so the store drops it if that batch did land. A batch
 * with a message already gone from the queue was acked, so it landed: its messages we hold are acked.
 * Messages without a record were never inserted and go on as they are.
 *
 * Every message is checked, not only those flagged redelivered: after a hard kill of nats-server the
 * consumer's state can fall back a little, and messages acked just before come again as first
 * deliveries.
 */
import type { Logger } from 'pino'
import type { WorkMessage, WorkQueue } from '../bus/index.js'
import type { Entry } from '../model/index.js'
import type { Batch } from './batcher.js'

/** A message that cannot be matched to its batch yet is offered again after this. */
export const RECOVERY_RETRY_MS = 1_000

export interface Sorted {
  /** Never inserted: they go into new batches. */
  fresh: WorkMessage[]
  /** Re-formed batches, each to be inserted alone under its token. */
  recovered: Batch[]
}

export async function sortOut(queue: WorkQueue, messages: WorkMessage[], log: Logger): Promise<Sorted> {
  const out: Sorted = { fresh: [], recovered: [] }
  if (messages.length === 0) return out
  let found
  try {
    found = await Promise.all(messages.map((m) => queue.ledger.find(m.id)))
  } catch (err) {
    log.warn({ err: String(err), messages: messages.length }, 'batch ledger unavailable; messages offered again later')
    messages.forEach((m) => m.nak(RECOVERY_RETRY_MS))
    return out
  }
  const groups = new Map<string, { ids: readonly string[]; held: WorkMessage[] }>()
  messages.forEach((m, i) => {
    const batch = found[i]
    if (!batch) return void out.fresh.push(m)
    const g = groups.get(batch.token) ?? { ids: batch.ids, held: [] }
    g.held.push(m)
    groups.set(batch.token, g)
  })
  for (const [token, g] of groups) {
    try {
      const held = new Map(g.held.map((m) => [m.id, m.entries]))
      const parts = await Promise.all(g.ids.map(async (id) => held.get(id) ?? (await queue.read(id))))
      if (parts.some((p) => p === undefined)) {
        // Only an ack removes a message from the queue, and a batch is acked only after its insert:
        // the batch is stored.
        g.held.forEach((m) => m.ack())
        log.info({ token, messages: g.held.length }, 'redelivered messages belong to a stored batch; acked')
        continue
      }
      const entries: Entry[] = []
      for (const p of parts) for (const e of p ?? []) entries.push(e)
      log.info({ token, messages: g.ids.length, entries: entries.length }, 'redelivered batch re-formed under its recorded token')
      out.recovered.push({ token, ids: g.ids, messages: g.held, entries, recorded: true })
    } catch (err) {
      log.warn({ err: String(err), token }, 'could not re-form a redelivered batch; offered again later')
      g.held.forEach((m) => m.nak(RECOVERY_RETRY_MS))
    }
  }
  return out
}
