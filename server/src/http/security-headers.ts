/**
 * Security headers (Helmet's), computed once. `@fastify/helmet` built Helmet's middleware again for
 * every request (parsing the CSP directives each time: ~6.5 % of the event loop of `POST /log`); our
 * options are constant, so Helmet runs once here, on a recording response, and each request gets the
 * headers it set (and loses those it removed) in the same order.
 */
import helmet, { type HelmetOptions } from 'helmet'
import type { ServerResponse } from 'node:http'

export interface SecurityHeaders {
  set: readonly (readonly [name: string, value: string])[]
  remove: readonly string[]
}

/** Runs Helmet once with `options` (which must not hold per-request functions, such as CSP nonces). */
export function securityHeaders(options: Readonly<HelmetOptions>): SecurityHeaders {
  const set: [string, string][] = []
  const remove: string[] = []
  const recorder = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string') throw new Error(`helmet set ${name} to a non-string value`)
      set.push([name, value])
    },
    removeHeader(name: string) {
      remove.push(name)
    },
  }
  let called = false
  helmet(options)({} as never, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err
    called = true
  })
  if (!called) throw new Error('helmet did not finish synchronously')
  return { set, remove }
}

/** Puts the headers on a response (before anything is written). */
export function applySecurityHeaders(res: ServerResponse, h: SecurityHeaders): void {
  for (const name of h.remove) res.removeHeader(name)
  for (const [name, value] of h.set) res.setHeader(name, value)
}
