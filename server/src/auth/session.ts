/**
 * Dashboard sessions (issue 13): `POST /api/session` with a key sets a cookie that then authenticates
 * the dashboard's API calls and its `/ws/live` upgrade (a browser cannot put a header on a WebSocket).
 *
 * The cookie is `ogls_session=<payload>.<mac>`: the payload names a session id, the key by a
 * fingerprint (an HMAC of the key's SHA-256 under the secret: never the key, and useless without the
 * secret) and the expiry; the MAC is HMAC-SHA256 of the payload under `SESSION_SECRET` (random per
 * process when unset, so sessions then end with the process and are not shared by instances). The
 * principal (name, scopes, tenants) is the key's as configured, found again by the fingerprint on
 * every request: a key gone from the keys file at the next start ends its sessions.
 *
 * HttpOnly, SameSite=Strict, Path=/, Max-Age=SESSION_TTL; Secure when the request came over https
 * (as Fastify sees it: X-Forwarded-Proto only from TRUSTED_PROXIES). A request authenticated by the
 * cookie alone must come from the dashboard's own origin: a foreign `Origin` is refused, and a
 * state-changing request whose `Sec-Fetch-Site` is not `same-origin` too (CSRF, beyond SameSite,
 * covers another port or subdomain of the same site). Logout revokes the session id in this process.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Errors } from '../errors.js'
import { originAllowed } from '../live/origin.js'
import type { KeyRing, Principal } from './keys.js'

export const SESSION_COOKIE = 'ogls_session'
/** Revoked session ids kept at most (each until its expiry). */
const MAX_REVOKED = 100_000
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export interface SessionOptions {
  /** SESSION_SECRET; undefined: a random one for this process. */
  secret?: string | undefined
  /** SESSION_TTL. */
  ttlMs: number
  now?: () => number
}

interface Payload {
  /** Session id (for logout). */
  sid: string
  /** The key's fingerprint. */
  k: string
  /** Expiry, epoch ms. */
  exp: number
}

export interface Session {
  sid: string
  principal: Principal
  expiresAt: number
}

export class Sessions {
  private readonly secret: Buffer
  /** True when SESSION_SECRET was given: sessions survive restarts and are shared by instances. */
  readonly shared: boolean
  readonly ttlMs: number
  private readonly now: () => number
  private readonly byFingerprint = new Map<string, Omit<Principal, 'via'>>()
  private readonly revoked = new Map<string, number>()

  constructor(
    private readonly keys: KeyRing,
    opts: SessionOptions,
  ) {
    this.shared = opts.secret !== undefined
    this.secret = opts.secret !== undefined ? Buffer.from(opts.secret, 'utf8') : randomBytes(32)
    this.ttlMs = opts.ttlMs
    this.now = opts.now ?? Date.now
    for (const k of keys.all()) this.byFingerprint.set(this.fingerprint(k.digest), k.principal)
  }

  private mac(label: string, data: Buffer | string): Buffer {
    return createHmac('sha256', this.secret).update(label).update('\0').update(data).digest()
  }

  private fingerprint(digest: Buffer): string {
    return this.mac('key', digest).subarray(0, 18).toString('base64url')
  }

  /** A new session for the key of `digest`: the cookie's value and its expiry. */
  issue(digest: Buffer): { token: string; session: Session } {
    const fp = this.fingerprint(digest)
    const base = this.byFingerprint.get(fp)
    if (!base) throw new Error('a session for a key the ring does not have')
    const payload: Payload = { sid: randomBytes(12).toString('base64url'), k: fp, exp: this.now() + this.ttlMs }
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
    const token = `${body}.${this.mac('session', body).toString('base64url')}`
    return { token, session: { sid: payload.sid, principal: { ...base, via: 'session' }, expiresAt: payload.exp } }
  }

  /** The session of a cookie value: undefined when forged, expired, revoked, or of a key no longer configured. */
  verify(token: string): Session | undefined {
    const dot = token.indexOf('.')
    if (dot <= 0 || token.length > 512) return undefined
    const body = token.slice(0, dot)
    const given = Buffer.from(token.slice(dot + 1), 'base64url')
    const want = this.mac('session', body)
    if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined
    let p: Partial<Payload>
    try {
      p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Payload>
    } catch {
      return undefined
    }
    if (typeof p.sid !== 'string' || typeof p.k !== 'string' || typeof p.exp !== 'number') return undefined
    if (p.exp <= this.now() || this.revoked.has(p.sid)) return undefined
    const base = this.byFingerprint.get(p.k)
    return base && { sid: p.sid, principal: { ...base, via: 'session' }, expiresAt: p.exp }
  }

  /** Ends a session in this process (logout); the browser's copy is cleared by the answer. */
  revoke(s: Session): void {
    const now = this.now()
    for (const [sid, exp] of this.revoked) if (exp <= now) this.revoked.delete(sid)
    while (this.revoked.size >= MAX_REVOKED) this.revoked.delete(this.revoked.keys().next().value as string)
    this.revoked.set(s.sid, s.expiresAt)
  }

  /** The request's session from its cookie, undefined without a valid one. Origin is not checked here. */
  fromRequest(req: FastifyRequest): Session | undefined {
    for (const value of cookieValues(req.headers.cookie, SESSION_COOKIE)) {
      const s = this.verify(value)
      if (s) return s
    }
    return undefined
  }

  /**
   * The principal of a request's session cookie, for KeyRing.sessionLookup. A valid cookie on a
   * request from another origin is refused with 403 rather than ignored, so that the refusal says why.
   */
  lookup(req: FastifyRequest): Principal | undefined {
    const s = this.fromRequest(req)
    if (!s) return undefined
    assertSameOrigin(req)
    return s.principal
  }

  setCookie(reply: FastifyReply, req: FastifyRequest, token: string): void {
    reply.header('set-cookie', cookie(token, Math.floor(this.ttlMs / 1000), req.protocol === 'https'))
  }

  clearCookie(reply: FastifyReply, req: FastifyRequest): void {
    reply.header('set-cookie', cookie('', 0, req.protocol === 'https'))
  }
}

function cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
}

/** The values of cookie `name` in a Cookie header (a browser may send several of one name). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return []
  const out: string[] = []
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim())
  }
  return out
}

/**
 * Refuses (403 LOG_ERR_ORIGIN_FORBIDDEN) a request that the browser says comes from another origin:
 * an `Origin` header other than the server's own, or, on a state-changing method, a `Sec-Fetch-Site`
 * other than `same-origin`. A request with neither is not from a browser's page (curl, a CLI).
 */
export function assertSameOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin
  const path = `${req.method} ${req.url.split('?')[0]}`
  if (origin !== undefined && !originAllowed(origin, req.headers.host, [])) throw new Errors.SESSION_ORIGIN_FORBIDDEN(origin, path)
  const site = req.headers['sec-fetch-site']
  if (!SAFE_METHODS.has(req.method) && typeof site === 'string' && site !== 'same-origin')
    throw new Errors.SESSION_ORIGIN_FORBIDDEN(`Sec-Fetch-Site: ${site}`, path)
}
