// Helmet's headers, computed once at start-up, are on every response: a route's answer, a 404, an
// error, and a 429 of the rate limiter; Cross-Origin-Resource-Policy follows CORS_ORIGINS.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { loadConfig } from '../config.ts'
import { HttpMetrics } from './metrics.ts'
import { createServer } from './server.ts'

const EXPECTED = {
  'content-security-policy':
    "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';object-src 'none';base-uri 'self';form-action 'self';frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
}

async function server(env: Record<string, string>) {
  const config = loadConfig('all', env)
  const app = createServer({ ...config.http, bodyLimit: config.ingest.maxBatchBytes }, pino({ level: 'silent' }), new HttpMetrics(new Registry()))
  app.get('/ok', async () => ({ ok: true }))
  app.get('/boom', async () => {
    throw new Error('boom')
  })
  await app.ready()
  return app
}

const security = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => k in EXPECTED))

test('every response carries the security headers: a route, a 404, an error, a rate-limited request', async (t) => {
  const app = await server({ RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW: '1m' })
  t.after(() => app.close())
  const ok = await app.inject('/ok')
  assert.equal(ok.statusCode, 200)
  assert.deepEqual(security(ok.headers), EXPECTED)
  assert.equal(ok.headers['strict-transport-security'], undefined, 'HSTS is for the TLS terminator')
  const missing = await app.inject('/nope')
  assert.equal(missing.statusCode, 404)
  assert.deepEqual(security(missing.headers), EXPECTED)
  const limited = await app.inject('/boom')
  assert.equal(limited.statusCode, 429, 'the third request of the window')
  assert.deepEqual(security(limited.headers), EXPECTED)
})

test('an error answer carries them, and CORS_ORIGINS opens Cross-Origin-Resource-Policy', async (t) => {
  const app = await server({ RATE_LIMIT_MAX: '0', CORS_ORIGINS: 'https://app.example' })
  t.after(() => app.close())
  const boom = await app.inject('/boom')
  assert.equal(boom.statusCode, 500)
  assert.deepEqual(security(boom.headers), { ...EXPECTED, 'cross-origin-resource-policy': 'cross-origin' })
})
