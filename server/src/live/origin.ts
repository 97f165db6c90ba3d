/**
 * Which browser origins may open a WebSocket (`/ws/live`). Browsers do not apply CORS to WebSocket
 * upgrades, so without this check any page a visitor opens could read the live tail through them.
 */
import type { FastifyRequest } from 'fastify'
import { Errors } from '../errors.js'

/**
 * True when `origin` may connect: no Origin header (not a browser: shippers, CLIs, tests), the
 * server's own origin (the Origin's host and port equal the Host header; the scheme is not compared,
 * since TLS may end at a proxy in front), or one of `allowed` (CORS_ORIGINS; `*` allows all).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[] | '*'): boolean {
  if (origin === undefined) return true
  if (allowed === '*') return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false // `null` (sandboxed frames, file:) and garbage
  }
  if (allowed.includes(url.origin)) return true
  if (!host) return false
  try {
    return new URL(`${url.protocol}//${host}`).host === url.host
  } catch {
    return false
  }
}

/** A request hook refusing a foreign Origin with 403 LOG_ERR_ORIGIN_FORBIDDEN. */
export function checkOrigin(allowed: readonly string[] | '*') {
  return async (req: FastifyRequest): Promise<void> => {
    const origin = req.headers.origin
    if (!originAllowed(origin, req.headers.host, allowed)) throw new Errors.ORIGIN_FORBIDDEN(origin ?? '', req.url.split('?')[0])
  }
}
