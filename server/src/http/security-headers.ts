/**
 * Security headers (Helmet's), computed once. `@fastify/helmet` built Helmet's middleware again for
 * every request (parsing the CSP directives each time: ~6.5 % of the event loop of `POST /log`); our
 * options are constant, so Helmet runs once here, on a recording response, and each reply gets the
 * headers it set, as the reply's own headers (Fastify writes them with the status line; setting them
 * on the raw response validated and stored each one a second time).
 */
import helmet, { type HelmetOptions } from 'helmet'
import type { ServerResponse } from 'node:http'

/** Header name (lower case) -> value. */
export type SecurityHeaders = Readonly<Record<string, string>>

/**
 * Helmet's only removal is X-Powered-By, which neither Node nor Fastify sets: a reply starts without
 * it. Any other removal would need handling here.
 */
const NEVER_SET = new Set(['x-powered-by'])

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
  const odd = remove.filter((n) => !NEVER_SET.has(n.toLowerCase()))
  if (odd.length) throw new Error(`helmet removes ${odd.join(', ')}: not handled`)
  return Object.freeze(Object.fromEntries(set.map(([name, value]) => [name.toLowerCase(), value])))
}
