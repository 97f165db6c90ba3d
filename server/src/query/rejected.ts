/**
 * The dead letters, visible and replayable (issue 11): `GET /api/rejected` lists the entries the
 * store refused for good (query scope), `POST /api/rejected/replay` publishes them again through the
 * bus, as ingest does (ingest scope: it writes), and hides the replayed ones, so a second replay does
 * not repeat them. Replays in one process run one at a time; each chunk is hidden right after the bus
 * took it, so a crash between the two repeats at most one chunk.
 */
import type { FastifyInstance } from 'fastify'
import { BusFullError, type Publisher } from '../bus/index.js'
import { tenantOf, type AuthHook } from '../auth/index.js'
import { storeError } from '../error-map.js'
import { DEAD_LETTER_REASONS, Errors } from '../errors.js'
import type { Tenant } from '../model/index.js'
import type { DeadLetterFilter, Store } from '../store/index.js'
import { param, parseInt, parseTime, type Query } from './params.js'

export const REJECTED_DEFAULT_LIMIT = 100
export const REJECTED_MAX_LIMIT = 1_000
/** Dead letters one replay request takes at most (`limit`), and per bus message. */
export const REPLAY_MAX = 10_000
const REPLAY_CHUNK = 1_000
const MAX_IDS = 1_000

export interface RejectedRoutesContext {
  store: Store
  /** The bus's publisher: without it (a process that cannot publish) a replay is a 503. */
  publisher: Publisher | undefined
  /** Listing needs the query scope; a replay publishes, so it needs the ingest scope. */
  queryAuth: AuthHook
  ingestAuth: AuthHook
  queryTimeoutMs: number
}

/** The filter of both endpoints, from the query string (GET) or a JSON body of the same names (replay). */
function parseRejectedFilter(q: Query, tenant: Tenant): DeadLetterFilter {
  const list = (name: string) => {
    const v = q[name]
    const parts = (Array.isArray(v) ? v : v ? [v] : []).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean)
    return parts.length ? parts : undefined
  }
  const from = param(q, 'from')
  const to = param(q, 'to')
  const f: DeadLetterFilter = { tenant, from: from ? parseTime('from', from) : undefined, to: to ? parseTime('to', to) : undefined }
  if (f.from && f.to && f.from > f.to) throw new Errors.BAD_PARAMETER('from', 'must not be after to')
  f.reasons = list('reason')
  for (const r of f.reasons ?? []) {
    if (!(DEAD_LETTER_REASONS as readonly string[]).includes(r)) throw new Errors.BAD_PARAMETER('reason', `'${r.slice(0, 40)}' is not one of ${DEAD_LETTER_REASONS.join(', ')}`)
  }
  f.ids = list('ids')
  if (f.ids && f.ids.length > MAX_IDS) throw new Errors.BAD_PARAMETER('ids', `at most ${MAX_IDS} ids`)
  for (const id of f.ids ?? []) if (!/^[0-9a-f]{32}$/.test(id)) throw new Errors.BAD_PARAMETER('ids', `'${id.slice(0, 40)}' is not an id returned by GET /api/rejected`)
  return f
}

/** A JSON body's fields as query-string values (strings, or arrays of strings for `ids`/`reason`). */
function bodyQuery(body: unknown): Query {
  if (body === undefined || body === null || body === '') return {}
  if (typeof body !== 'object' || Array.isArray(body)) throw new Errors.VALIDATION('the body must be a JSON object with optional ids, from, to, reason, limit')
  const out: Query = {}
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (!['ids', 'from', 'to', 'reason', 'limit'].includes(k)) throw new Errors.UNKNOWN_FIELD(k, 'ids, from, to, reason, limit')
    if (Array.isArray(v)) out[k] = v.map(String)
    else if (typeof v === 'string' || typeof v === 'number') out[k] = String(v)
    else if (v !== null && v !== undefined) throw new Errors.BAD_PARAMETER(k, 'must be a string, a number or an array of strings')
  }
  return out
}

export async function rejectedRoutes(app: FastifyInstance, { store, publisher, queryAuth, ingestAuth, queryTimeoutMs }: RejectedRoutesContext): Promise<void> {
  app.get('/api/rejected', { onRequest: queryAuth }, async (req) => {
    const q = req.query as Query
    const filter = parseRejectedFilter(q, tenantOf(req))
    const limit = parseInt(q, 'limit', REJECTED_DEFAULT_LIMIT, 1, REJECTED_MAX_LIMIT)
    try {
      return await store.deadLetters.list(filter, limit)
    } catch (err) {
      throw storeError(err, queryTimeoutMs)
    }
  })

  let queue: Promise<unknown> = Promise.resolve()
  app.post('/api/rejected/replay', { onRequest: ingestAuth }, async (req, reply) => {
    const q = { ...(req.query as Query), ...bodyQuery(req.body) }
    const filter = parseRejectedFilter(q, tenantOf(req))
    const limit = parseInt(q, 'limit', REPLAY_MAX, 1, REPLAY_MAX)
    if (!publisher) throw new Errors.BUS_UNAVAILABLE('this process cannot publish; send the replay to a query instance with the bus')
    const run = queue.then(() => replay(store, publisher, filter, limit, queryTimeoutMs))
    queue = run.catch(() => {})
    const replayed = await run
    return reply.code(202).send({ status: 'accepted', replayed })
  })
}

async function replay(store: Store, publisher: Publisher, filter: DeadLetterFilter, limit: number, timeoutMs: number): Promise<number> {
  let letters
  try {
    letters = await store.deadLetters.list(filter, limit)
  } catch (err) {
    throw storeError(err, timeoutMs)
  }
  // Oldest first, as they were accepted.
  letters.reverse()
  let replayed = 0
  for (let i = 0; i < letters.length; i += REPLAY_CHUNK) {
    const chunk = letters.slice(i, i + REPLAY_CHUNK)
    try {
      await publisher.publish(chunk.map((l) => l.entry))
    } catch (err) {
      if (err instanceof BusFullError) throw new Errors.QUEUE_FULL(err.waiting)
      throw new Errors.BUS_UNAVAILABLE(`${err instanceof Error ? err.message : String(err)}; ${replayed} dead letters were replayed before`)
    }
    try {
      await store.deadLetters.markReplayed(chunk)
    } catch (err) {
      throw new Errors.STORE_UNAVAILABLE(`${replayed + chunk.length} dead letters were replayed, but the last ${chunk.length} could not be marked (a second replay would repeat them): ${err instanceof Error ? err.message : String(err)}`)
    }
    replayed += chunk.length
  }
  return replayed
}
