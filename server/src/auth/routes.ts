/**
 * The dashboard's login (issue 13): `POST /api/session` trades a key of the query scope for the
 * session cookie (auth/session.ts), `GET /api/session` says who the page is and whether it must log
 * in, `DELETE /api/session` logs out. Open routes (they are how one gets in), behind the per-IP rate
 * limit like every route, so wrong keys tried here are limited as anywhere else.
 */
import type { SessionInfo } from '@oglogstream/shared'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { Errors } from '../errors.js'
import { DEFAULT_TENANT } from '../model/tenant.js'
import { requestKey, type KeyRing, type Principal } from './keys.js'
import { assertSameOrigin, type Session, type Sessions } from './session.js'

export interface SessionRoutesContext {
  keys: KeyRing
  sessions: Sessions
  log: Logger
}

export async function sessionRoutes(app: FastifyInstance, { keys, sessions, log }: SessionRoutesContext): Promise<void> {
  const info = (p: Principal | undefined, s?: Session): SessionInfo => {
    const required = keys.guarded('query')
    if (!p?.scopes.has('query')) {
      if (required) return { auth_required: true, authenticated: false }
      return { auth_required: false, authenticated: false, via: 'open', scopes: ['query'], tenants: [DEFAULT_TENANT], all_tenants: false }
    }
    const tenants = p.tenants === '*' ? keys.knownTenants() : [...p.tenants]
    const out: SessionInfo = {
      auth_required: required,
      authenticated: true,
      via: p.via,
      name: p.name,
      scopes: [...p.scopes].sort(),
      tenants,
      all_tenants: p.tenants === '*',
    }
    if (s) out.expires = new Date(s.expiresAt).toISOString()
    return out
  }

  app.get('/api/session', async (req) => {
    const p = keys.authenticate(req)
    return info(p, p?.via === 'session' ? sessions.fromRequest(req) : undefined)
  })

  app.post('/api/session', async (req, reply) => {
    assertSameOrigin(req)
    const key = bodyKey(req) ?? requestKey(req)
    const found = key ? keys.find(key) : undefined
    if (!found?.principal.scopes.has('query')) {
      // The key is never logged; the address is, for whoever watches for guessing.
      log.warn({ ip: req.ip, given: key !== undefined }, 'dashboard login refused: not a key of the query scope')
      throw new Errors.UNAUTHORIZED('query')
    }
    const { token, session } = sessions.issue(found.digest)
    sessions.setCookie(reply, req, token)
    log.info(
      { key_name: found.principal.name, ip: req.ip, expires: new Date(session.expiresAt).toISOString() },
      'dashboard session started',
    )
    return info(session.principal, session)
  })

  app.delete('/api/session', async (req, reply) => {
    assertSameOrigin(req)
    const s = sessions.fromRequest(req)
    if (s) {
      sessions.revoke(s)
      log.info({ key_name: s.principal.name, ip: req.ip }, 'dashboard session ended')
    }
    sessions.clearCookie(reply, req)
    return reply.code(204).send()
  })
}

function bodyKey(req: FastifyRequest): string | undefined {
  const b = req.body as { key?: unknown } | undefined
  return b && typeof b === 'object' && typeof b.key === 'string' && b.key.trim() ? b.key : undefined
}
