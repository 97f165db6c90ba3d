/**
 * API keys and what they may do (issue 13). Every key, from `API_KEYS_FILE` or the environment lists
 * (`API_KEYS_INGEST`, `API_KEYS_QUERY`, `API_KEYS_METRICS`, tenant `default`), has scopes and tenants.
 * A request hook per scope authenticates the request once and resolves its tenant into the request's
 * `Access` (`accessOf`): the key's default tenant, or `X-Scope-OrgID` (Loki's tenant header) when the
 * key may use that tenant, else 403 LOG_ERR_TENANT_FORBIDDEN.
 *
 * Keys are compared as SHA-256 digests with `timingSafeEqual`, against every configured key, so the
 * time an answer takes says nothing about how much of a key was right. A key never appears in a log
 * line or an error: keys are named by their `name`.
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Errors } from '../errors.js'
import { DEFAULT_TENANT, asTenant, isTenantName, type Tenant } from '../model/tenant.js'
import { sha256, type KeySpec, type KeysFile, type Scope } from './file.js'

export type { Scope } from './file.js'

/**
 * A request hook (onRequest / preValidation) that fails with LOG_ERR_UNAUTHORIZED / LOG_ERR_TENANT_FORBIDDEN.
 * A callback hook: the check is synchronous, and a promise per request would cost a microtask turn.
 */
export type AuthHook = (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void

/** Who is asking: a configured key (by name), or anyone when the scope has no keys. */
export interface Principal {
  name: string
  scopes: ReadonlySet<Scope>
  /** Tenants it may use, the first being its default; '*' for every tenant. */
  tenants: readonly Tenant[] | '*'
  /** How it authenticated (for the audit log). */
  via: 'key' | 'session' | 'open'
}

/** What a request may do, resolved once by the scope's hook. */
export interface Access {
  principal: Principal
  /** The tenant this request reads or writes. */
  tenant: Tenant
}

const accesses = new WeakMap<object, Access>()

/** The request's access, set by the scope's hook. A route without the hook is a bug (500), never a default. */
export function accessOf(req: FastifyRequest): Access {
  const a = accesses.get(req)
  if (!a) throw new Error(`no authentication hook ran for ${req.method} ${req.routeOptions.url ?? req.url}`)
  return a
}

/** The tenant of the request (`accessOf(req).tenant`). */
export const tenantOf = (req: FastifyRequest): Tenant => accessOf(req).tenant

export const allows = (p: Principal, tenant: string): boolean => p.tenants === '*' || (p.tenants as readonly string[]).includes(tenant)
export const defaultTenant = (p: Principal): Tenant => (p.tenants === '*' ? DEFAULT_TENANT : (p.tenants[0] ?? DEFAULT_TENANT))

interface Key extends Omit<Principal, 'via'> {
  digest: Buffer
}

export interface KeyLists {
  apiKeysIngest: readonly string[]
  apiKeysQuery: readonly string[]
  apiKeysMetrics: readonly string[]
  apiKeysFile?: KeysFile | undefined
}

/** Every configured key; `hook(scope)` makes the request hook of a scope. */
export class KeyRing {
  private readonly keys: Key[]
  /** Tenants of the keys file's `tenants:` limits. */
  private readonly limitTenants: Tenant[]
  /** Finds the principal of a session cookie (auth/session.ts), when sessions are on. */
  sessionLookup: ((req: FastifyRequest) => Principal | undefined) | undefined

  constructor(lists: KeyLists) {
    const byDigest = new Map<string, Key>()
    const add = (k: Omit<KeySpec, 'tenants'> & { tenants: readonly string[] | '*' }) => {
      const hex = k.sha256.toString('hex')
      const prev = byDigest.get(hex)
      // The same key in two lists (API_KEYS_INGEST and API_KEYS_QUERY) is one key with both scopes.
      if (prev) {
        prev.scopes = new Set([...prev.scopes, ...k.scopes])
        return
      }
      byDigest.set(hex, { name: k.name, digest: k.sha256, scopes: new Set(k.scopes), tenants: k.tenants === '*' ? '*' : k.tenants.map(asTenant) })
    }
    for (const [list, scope] of [
      [lists.apiKeysIngest, 'ingest'],
      [lists.apiKeysQuery, 'query'],
      [lists.apiKeysMetrics, 'metrics'],
    ] as const) {
      list.forEach((key, i) => add({ name: `${scope}-key-${i + 1}`, sha256: sha256(key.trim()), scopes: new Set([scope]), tenants: [DEFAULT_TENANT] }))
    }
    for (const k of lists.apiKeysFile?.keys ?? []) add(k)
    this.keys = [...byDigest.values()]
    this.limitTenants = Object.keys(lists.apiKeysFile?.tenants ?? {}).filter(isTenantName).map(asTenant)
  }

  /** True when some key has `scope`: the scope then requires a key (admin always does). */
  guarded(scope: Scope): boolean {
    return scope === 'admin' || this.keys.some((k) => k.scopes.has(scope))
  }

  get anyKeys(): boolean {
    return this.keys.length > 0
  }

  /** The key's principal, or undefined; compares against every key, without an early exit. */
  lookup(key: string): Principal | undefined {
    return this.find(key)?.principal
  }

  /** The key's principal and digest (a session names its key by the digest), or undefined. */
  find(key: string): { digest: Buffer; principal: Principal } | undefined {
    const d = sha256(key.trim())
    let found: Key | undefined
    for (const k of this.keys) if (timingSafeEqual(k.digest, d) && !found) found = k
    return found && { digest: found.digest, principal: { name: found.name, scopes: found.scopes, tenants: found.tenants, via: 'key' } }
  }

  /** Every key, by digest (auth/session.ts). */
  all(): { digest: Buffer; principal: Omit<Principal, 'via'> }[] {
    return this.keys.map((k) => ({ digest: k.digest, principal: { name: k.name, scopes: k.scopes, tenants: k.tenants } }))
  }

  /** Tenants the keys name (for a key of every tenant, the dashboard's picker offers these), `default` first. */
  knownTenants(): Tenant[] {
    const out = new Set<Tenant>([DEFAULT_TENANT])
    for (const k of this.keys) if (k.tenants !== '*') for (const t of k.tenants) out.add(t)
    for (const t of this.limitTenants) out.add(t)
    return [...out]
  }

  /** The principal of a request: its key, or its session; undefined when it has neither. */
  authenticate(req: FastifyRequest): Principal | undefined {
    const key = requestKey(req)
    if (key) return this.lookup(key)
    return this.sessionLookup?.(req)
  }

  /** The request hook of `scope`: authenticates, checks the scope, resolves the tenant. */
  hook(scope: Scope): AuthHook {
    // The keys are fixed once the ring is made: whether the scope needs one, and who "anyone" is, too.
    const guarded = this.guarded(scope)
    const anyone: Principal = { name: 'anonymous', scopes: new Set([scope]), tenants: [DEFAULT_TENANT], via: 'open' }
    const check = (req: FastifyRequest): void => {
      let principal: Principal | undefined
      if (guarded) {
        principal = this.authenticate(req)
        if (!principal?.scopes.has(scope)) throw new Errors.UNAUTHORIZED(scope)
      } else {
        // An open scope: anyone, as the default tenant; a key of the scope keeps its own tenants.
        const known = this.authenticate(req)
        principal = known?.scopes.has(scope) ? known : anyone
      }
      accesses.set(req, { principal, tenant: requestedTenant(req, principal) })
    }
    return (req, _reply, done) => {
      try {
        check(req)
      } catch (err) {
        return done(err as Error)
      }
      done()
    }
  }
}

/**
 * The tenant a request asks for: `X-Scope-OrgID` (Loki, and the dashboard's tenant picker), or for a
 * browser's WebSocket, which cannot set headers, the `tenant` query parameter; else the key's default.
 */
function requestedTenant(req: FastifyRequest, p: Principal): Tenant {
  const asked = headerValue(req.headers['x-scope-orgid']) ?? queryTenant(req)
  if (asked === undefined) return defaultTenant(p)
  if (!isTenantName(asked) || !allows(p, asked)) throw new Errors.TENANT_FORBIDDEN(asked.slice(0, 64))
  return asked as Tenant
}

function queryTenant(req: FastifyRequest): string | undefined {
  const q = req.query as Record<string, unknown> | undefined
  const t = q?.tenant
  return typeof t === 'string' && t.trim() ? t.trim() : undefined
}

function headerValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v
  return s && s.trim() ? s.trim() : undefined
}

/** The key a request presents: in its Authorization header (see presentedKey), or X-API-Key. */
export function requestKey(req: FastifyRequest): string | undefined {
  return presentedKey(req.headers.authorization) ?? headerValue(req.headers['x-api-key'])
}

/**
 * The key in an Authorization header. Besides `Bearer <key>`, the schemes log shippers built for
 * Elasticsearch send: `ApiKey <key>` and `Basic base64(user:key)` (any user name, the key as password).
 */
export function presentedKey(auth: string | undefined): string | undefined {
  if (!auth) return undefined
  const sp = auth.indexOf(' ')
  const scheme = auth.slice(0, sp).toLowerCase()
  const value = auth.slice(sp + 1).trim()
  if (scheme === 'bearer' || scheme === 'apikey') return value
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon >= 0 ? decoded.slice(colon + 1) : undefined
  }
  return undefined
}
