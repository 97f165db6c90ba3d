/**
 * Admin API (issue 13), admin scope: `POST /api/delete` deletes a tenant's entries matching `q` and a
 * time range (a lightweight DELETE in the engine, run in the background), `GET /api/delete/{id}` reports
 * its progress (the rows still matching against those matched at the start), and `GET /api/audit`
 * lists the admin actions of the tenant (who, by key name; what; when). The delete's WHERE is the
 * store's `whereClause`, tenant first: an admin deletes in the tenant of the request only.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { accessOf, type AuthHook } from '../auth/index.js'
import { storeError } from '../error-map.js'
import { Errors } from '../errors.js'
import type { Tenant } from '../model/index.js'
import { param, parseFilter, parseInt, type Query } from '../query/params.js'
import { compileQuery, parseQuery } from '../query/search/index.js'
import { queries, type Conditions, type Store } from '../store/index.js'
import { stamp, type AdminStore } from './store.js'

export interface AdminRoutesContext {
  store: Store
  admin: AdminStore
  auth: AuthHook
  log: Logger
}

const FIELDS = ['q', 'from', 'to', 'level', 'service']

/** The delete's filter from the JSON body (or the query string): q and the range required. */
function deleteFilter(req: FastifyRequest): { given: Record<string, string>; conditions: Conditions } {
  const given: Record<string, string> = {}
  const body = req.body
  if (body !== undefined && body !== null && body !== '') {
    if (typeof body !== 'object' || Array.isArray(body)) throw new Errors.VALIDATION(`the body must be a JSON object with ${FIELDS.join(', ')}`)
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (!FIELDS.includes(k)) throw new Errors.UNKNOWN_FIELD(k, FIELDS.join(', '))
      if (typeof v !== 'string' && typeof v !== 'number') throw new Errors.BAD_PARAMETER(k, 'must be a string')
      given[k] = String(v)
    }
  }
  for (const k of FIELDS) {
    const v = param(req.query as Query, k)
    if (v !== undefined && given[k] === undefined) given[k] = v
  }
  for (const k of ['q', 'from', 'to']) if (!given[k]) throw new Errors.BAD_PARAMETER(k, 'is required: a delete takes q and a time range (from, to); use q=* for every entry of the range')
  const qs = given.q as string
  const pl = parseQuery(qs === '*' ? '' : qs)
  if (pl.stages.length) throw new Errors.BAD_QUERY('a delete takes a filter, not pipes')
  const base = parseFilter({ ...given, q: undefined })
  return { given, conditions: { ...base, search: compileQuery(pl.filter) } }
}

export async function adminRoutes(app: FastifyInstance, { store, admin, auth, log }: AdminRoutesContext): Promise<void> {
  app.addHook('onRequest', auth)

  const audit = (req: FastifyRequest, tenant: Tenant, action: string, detail: unknown) => {
    const { principal } = accessOf(req)
    return admin.audit({ tenant, actor: principal.name, via: principal.via, action, detail: JSON.stringify(detail), request_id: String(req.id), ip: req.ip })
  }

  app.post('/api/delete', async (req, reply) => {
    const { tenant, principal } = accessOf(req)
    const { given, conditions } = deleteFilter(req)
    const ctx = store.queryContext(tenant)
    let matched: number
    try {
      matched = await queries.count(ctx, conditions)
    } catch (err) {
      throw storeError(err, ctx.timeoutMs)
    }
    const id = randomUUID()
    const job = { tenant, id, actor: principal.name, filter: JSON.stringify(given), state: 'running' as const, rows_matched: matched, error: '', requested_at: stamp(), finished_at: '1970-01-01 00:00:00' }
    await admin.putDelete(job)
    await audit(req, tenant, 'delete', { id, ...given, rows_matched: matched })
    // In the background: the answer says where to follow it.
    void store.deleteEntries(tenant, conditions).then(
      () => admin.putDelete({ ...job, state: 'done', finished_at: stamp() }),
      (err: Error) => {
        log.error({ err, id, tenant }, 'delete by query failed')
        return admin.putDelete({ ...job, state: 'failed', error: err.message.slice(0, 500), finished_at: stamp() })
      },
    ).catch((err: unknown) => log.error({ err, id }, 'delete state not recorded'))
    return reply.code(202).send({ status: 'accepted', id, rows_matched: matched, progress: `/api/delete/${id}` })
  })

  app.get('/api/delete/:id', async (req) => {
    const { tenant } = accessOf(req)
    const id = (req.params as { id: string }).id
    const d = /^[0-9a-f-]{36}$/.test(id) ? await admin.getDelete(tenant, id) : undefined
    if (!d) throw new Errors.DELETE_NOT_FOUND(id.slice(0, 64))
    const given = JSON.parse(d.filter) as Record<string, string>
    const pl = parseQuery(given.q === '*' ? '' : (given.q ?? ''))
    const ctx = store.queryContext(tenant)
    let remaining: number
    try {
      remaining = d.state === 'running' ? await queries.count(ctx, { ...parseFilter({ ...given, q: undefined }), search: compileQuery(pl.filter) }) : d.state === 'done' ? 0 : -1
    } catch (err) {
      throw storeError(err, ctx.timeoutMs)
    }
    const progress = d.state === 'done' || remaining === 0 ? 1 : d.rows_matched > 0 && remaining >= 0 ? Math.max(0, 1 - remaining / d.rows_matched) : 0
    return {
      id: d.id,
      state: remaining === 0 && d.state === 'running' ? 'done' : d.state,
      progress,
      rows_matched: d.rows_matched,
      rows_remaining: remaining < 0 ? null : remaining,
      filter: given,
      requested_by: d.actor,
      requested_at: `${d.requested_at.replace(' ', 'T')}Z`,
      finished_at: d.state === 'running' ? null : `${d.finished_at.replace(' ', 'T')}Z`,
      error: d.error || undefined,
    }
  })

  app.get('/api/audit', async (req) => {
    const { tenant } = accessOf(req)
    const limit = parseInt(req.query as Query, 'limit', 100, 1, 1000)
    const rows = await admin.auditLog(tenant, limit)
    return rows.map((r) => ({ time: r.time, actor: r.actor, via: r.via, action: r.action, detail: JSON.parse(r.detail) as unknown, request_id: r.request_id, ip: r.ip }))
  })
}
