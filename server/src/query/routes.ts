/**
 * The query role's HTTP API (SPEC §4): /api/logs, /api/stats, /api/histogram, /api/services,
 * /api/export, /api/field_summary; and (SPEC §8, api-query.ts) /api/query, /api/fields, /api/field_values. Parameters are parsed in `params.ts`; SQL lives in `store/queries.ts`.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { FieldSummaryResponse, HistogramResponse, PatternSummary } from '@oglogstream/shared'
import { tenantOf, type AuthHook } from '../auth/index.js'
import { storeError } from '../error-map.js'
import { Errors } from '../errors.js'
import { toApi } from '../model/index.js'
import { queries, type Store } from '../store/index.js'
import { analyticsRoutes } from './api-query.js'
import type { QuerySlots } from './concurrency.js'
import { exportStream } from './export.js'
import type { QueryMetrics } from './metrics.js'
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  MAX_OFFSET,
  chooseInterval,
  encodeCursor,
  param,
  parseBool,
  parseCursor,
  parseFilter,
  parseInt,
  parseInterval,
  parseOrder,
  type Query,
} from './params.js'

/** Templates /api/patterns returns by default, and at most (`limit`). */
const DEFAULT_PATTERN_LIMIT = 50
const MAX_PATTERN_LIMIT = 1_000

/** Entries the field list examines by default, and at most (`sample`). */
const DEFAULT_FIELD_SAMPLE = 10_000
const MAX_FIELD_SAMPLE = 100_000

const MAX_SAVED_NAME = 100
const MAX_SAVED_VIEW = 4_096

/** Entries on each side of `GET /api/context` at most. */
const MAX_CONTEXT = 500
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** An entry id as the API takes it: a UUID, any case. */
function entryId(raw: string | undefined): string {
  if (!raw) throw new Errors.BAD_PARAMETER('id', 'is required: the id of an entry (a UUID, from GET /api/logs)')
  const id = raw.trim().toLowerCase()
  if (!UUID.test(id)) throw new Errors.BAD_PARAMETER('id', `'${raw.slice(0, 40)}' is not an entry id (a UUID, from GET /api/logs)`)
  return id
}

export interface QueryRoutesContext {
  store: Store
  metrics: QueryMetrics
  /** Checks the API key of the query scope (auth/keys.ts), composed in app.ts. */
  auth: AuthHook
  /** Per-tenant max_concurrent_queries (API_KEYS_FILE). */
  slots?: QuerySlots | undefined
  /** TRACE_URL_TEMPLATE: the dashboard links a trace id to it. */
  traceUrlTemplate?: string | undefined
}

export async function queryRoutes(app: FastifyInstance, { store, metrics, auth, slots, traceUrlTemplate }: QueryRoutesContext): Promise<void> {
  app.addHook('onRequest', auth)

  /** Runs a store call with the endpoint's latency metric; its failure becomes a catalogue error (a timeout is a 504). */
  async function run<T>(endpoint: string, req: FastifyRequest, fn: (ctx: queries.QueryContext) => Promise<T>): Promise<T> {
    const ac = new AbortController()
    req.raw.once('close', () => {
      if (!req.raw.complete) ac.abort()
    })
    const end = metrics.queryLatency.startTimer({ endpoint })
    const ctx = store.queryContext(tenantOf(req), ac.signal)
    try {
      return await (slots ? slots.run(ctx.tenant, () => fn(ctx)) : fn(ctx))
    } catch (err) {
      throw storeError(err, ctx.timeoutMs)
    } finally {
      end()
    }
  }

  app.get('/api/logs', async (req, reply) => {
    const q = req.query as Query
    const filter = parseFilter(q)
    const limit = parseInt(q, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT)
    const offset = parseInt(q, 'offset', 0, 0, MAX_OFFSET)
    const order = parseOrder(q)
    const cursor = parseCursor(q)
    const page = await run('logs', req, (ctx) => queries.listLogs(ctx, filter, { limit, offset, order, cursor }))
    if (page.next) reply.header('X-Next-Cursor', encodeCursor(page.next))
    return page.entries
  })

  app.get('/api/stats', async (req) => {
    const filter = parseFilter(req.query as Query)
    return run('stats', req, (ctx) => queries.stats(ctx, filter))
  })

  app.get('/api/services', async (req) => {
    const filter = parseFilter(req.query as Query)
    return run('services', req, (ctx) => queries.services(ctx, filter))
  })

  app.get('/api/histogram', async (req): Promise<HistogramResponse> => {
    const q = req.query as Query
    const filter = parseFilter(q)
    const explicit = parseInterval(q)
    return run('histogram', req, async (ctx) => {
      let from = filter.from
      let to = filter.to
      if (!from || !to) {
        const span = await queries.timeSpan(ctx, filter)
        from ??= span?.min ?? filter.to ?? new Date(Date.now() - 3_600_000).toISOString().replace('Z', '000000Z')
        to ??= span ? bump(span.max) : new Date().toISOString().replace('Z', '000000Z')
      }
      const spanMs = Math.max(1, Date.parse(to) - Date.parse(from))
      const interval = explicit ?? chooseInterval(spanMs)
      if (spanMs / interval > 10_000) throw new Errors.BAD_PARAMETER('interval', `gives ${Math.ceil(spanMs / interval)} buckets; at most 10000`)
      const buckets = await queries.histogram(ctx, { ...filter, from, to }, interval)
      return { interval_ms: interval, from: toApi(from), to: toApi(to), buckets }
    })
  })

  // Templates of the matching entries (patterns/), most frequent first, each with a sparkline over the
  // range (the filter's, or the matching entries' span) in about 30 buckets.
  app.get('/api/patterns', async (req): Promise<PatternSummary[]> => {
    const q = req.query as Query
    const filter = parseFilter(q)
    const limit = parseInt(q, 'limit', DEFAULT_PATTERN_LIMIT, 1, MAX_PATTERN_LIMIT)
    const fresh = parseBool(q, 'new')
    if (fresh && !filter.from) throw new Errors.BAD_PARAMETER('new', 'needs from: templates first seen at or after from')
    return run('patterns', req, async (ctx) => {
      let from = filter.from
      let to = filter.to
      if (!from || !to) {
        const span = await queries.timeSpan(ctx, filter)
        if (!span) return []
        from ??= span.min
        to ??= bump(span.max)
      }
      const intervalMs = chooseInterval(Math.max(1, Date.parse(to) - Date.parse(from)), 30)
      return store.listPatterns(ctx, filter, { limit, intervalMs, from, to, ...(fresh && filter.from ? { firstSeenFrom: filter.from } : {}) })
    })
  })

  // Saved searches: a name and a dashboard view, shared by the users of a tenant.
  const savedName = (raw: string): string => {
    const name = raw.trim()
    if (!name || name.length > MAX_SAVED_NAME) throw new Errors.BAD_PARAMETER('name', `must be 1 to ${MAX_SAVED_NAME} characters`)
    return name
  }
  app.get('/api/saved-searches', async (req) => ({ searches: await run('saved_searches', req, (ctx) => store.savedSearches.list(ctx.tenant)) }))
  app.put('/api/saved-searches/:name', async (req) => {
    const name = savedName((req.params as { name: string }).name)
    const body = req.body as { view?: unknown } | undefined
    const view = body?.view
    if (typeof view !== 'string') throw new Errors.BAD_PARAMETER('view', 'is required: the dashboard view as a URL query string, e.g. q=error&range=24h')
    if (view.length > MAX_SAVED_VIEW) throw new Errors.BAD_PARAMETER('view', `is longer than ${MAX_SAVED_VIEW} characters`)
    return run('saved_searches', req, (ctx) => store.savedSearches.save(ctx.tenant, name, view.replace(/^\?/, '')))
  })
  app.delete('/api/saved-searches/:name', async (req, reply) => {
    const name = savedName((req.params as { name: string }).name)
    const removed = await run('saved_searches', req, (ctx) => store.savedSearches.remove(ctx.tenant, name))
    if (!removed) throw new Errors.SAVED_SEARCH_NOT_FOUND(name)
    return reply.code(204).send()
  })

  // What the dashboard needs to know of the server's configuration.
  app.get('/api/ui-settings', async () => ({ trace_url_template: traceUrlTemplate ?? null }))

  // One entry by its stable id (a shared link), and the entries of its service around it.
  app.get('/api/logs/:id', async (req) => {
    const id = entryId((req.params as { id: string }).id)
    const found = await run('entry', req, (ctx) => queries.entryById(ctx, id))
    if (!found) throw new Errors.ENTRY_NOT_FOUND(id)
    const { h: _h, ts: _ts, ...entry } = found
    return entry
  })

  app.get('/api/context', async (req) => {
    const q = req.query as Query
    const id = entryId(param(q, 'id'))
    const before = parseInt(q, 'before', 10, 0, MAX_CONTEXT)
    const after = parseInt(q, 'after', 10, 0, MAX_CONTEXT)
    const found = await run('context', req, (ctx) => queries.context(ctx, id, before, after))
    if (!found) throw new Errors.ENTRY_NOT_FOUND(id)
    return found
  })

  // The field list of Explore: attributes of the newest `sample` matching entries with their top values.
  app.get('/api/field_summary', async (req): Promise<FieldSummaryResponse> => {
    const q = req.query as Query
    const filter = parseFilter(q)
    const sample = parseInt(q, 'sample', DEFAULT_FIELD_SAMPLE, 1, MAX_FIELD_SAMPLE)
    const fields = parseInt(q, 'fields', 100, 1, 500)
    const values = parseInt(q, 'values', 5, 1, 50)
    return run('field_summary', req, (ctx) => queries.fieldSummary(ctx, filter, { sample, fields, values }))
  })

  analyticsRoutes(app, run)

  app.get('/api/export', async (req, reply) => {
    const q = req.query as Query
    const filter = parseFilter(q)
    const format = (param(q, 'format') ?? 'ndjson').toLowerCase()
    if (format !== 'ndjson' && format !== 'csv') throw new Errors.BAD_PARAMETER('format', `'${format.slice(0, 20)}' is not ndjson or csv`)
    const order = parseOrder(q)
    // Fail before the 200 is sent when the filter itself is wrong for the engine.
    await run('export', req, (ctx) => queries.listLogs(ctx, filter, { limit: 1, order }))
    const ac = new AbortController()
    req.raw.once('close', () => ac.abort())
    reply
      .header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
      .header('Content-Disposition', `attachment; filename="logs.${format === 'csv' ? 'csv' : 'ndjson'}"`)
    return reply.send(Readable.from(exportStream(store.queryContext(tenantOf(req), ac.signal), filter, order, format)))
  })
}

/** One nanosecond after a canonical timestamp (an exclusive `to` that still includes it). */
function bump(ts: string): string {
  const n = BigInt(ts.slice(20, 29)) + 1n
  if (n < 1_000_000_000n) return `${ts.slice(0, 20)}${String(n).padStart(9, '0')}Z`
  return new Date(Date.parse(ts.slice(0, 19) + 'Z') + 1000).toISOString().slice(0, 20) + '000000000Z'
}
