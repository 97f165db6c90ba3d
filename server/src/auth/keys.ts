/**
 * API keys (`API_KEYS_INGEST`, `API_KEYS_QUERY`): a Fastify hook per scope. Keys are compared as
 * SHA-256 digests with `timingSafeEqual`, against every configured key, so the time an answer takes
 * says nothing about how much of a key was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { Errors } from '../errors.js'

export type Scope = 'ingest' | 'query'

/** A request hook (onRequest / preValidation) that throws LOG_ERR_UNAUTHORIZED; no keys means the scope is open. */
export type AuthHook = (req: FastifyRequest) => Promise<void>

const digest = (key: string) => createHash('sha256').update(key).digest()

export function requireKey(keys: readonly string[], scope: Scope): AuthHook {
  const digests = [...new Set(keys)].map(digest)
  return async (req: FastifyRequest) => {
    if (digests.length === 0) return
    const key = presentedKey(req.headers.authorization) ?? (req.headers['x-api-key'] as string | undefined)
    if (!key || !matches(digests, digest(key.trim()))) throw new Errors.UNAUTHORIZED(scope)
  }
}

function matches(digests: Buffer[], presented: Buffer): boolean {
  let found = false
  for (const d of digests) found = timingSafeEqual(d, presented) || found // no early exit
  return found
}

/**
 * The key in an Authorization header. Besides `Bearer <key>`, the schemes log shippers built for
 * Elasticsearch send: `ApiKey <key>` and `Basic base64(user:key)` (any user name, the key as password).
 */
function presentedKey(auth: string | undefined): string | undefined {
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
