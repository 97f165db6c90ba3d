// Safe defaults (issue 13): X-Forwarded-For only from TRUSTED_PROXIES, the rate limit before the key
// check, /metrics limited and optionally keyed, same-origin CORS and WebSocket origins, security headers.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { startServer, type RunningServer } from '../helpers/server.ts'

async function withServer(env: Record<string, string>, fn: (s: RunningServer) => Promise<void>): Promise<void> {
  const s = await startServer({ env })
  try {
    await fn(s)
  } finally {
    await s.stop()
    s.cleanup()
  }
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers })

/** The HTTP status of a WebSocket upgrade (101 when it opened) and, when refused, the body's code. */
function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/live`, { headers })
    ws.once('open', () => {
      ws.close()
      resolve({ status: 101 })
    })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { code?: string }).code }))
    })
    ws.once('error', reject)
  })
}

test('an untrusted peer cannot pick its rate-limit key with X-Forwarded-For; /metrics is limited, /health is not', async () => {
  // TRUSTED_PROXIES names another address: 127.0.0.1 (this test) is an untrusted peer.
  await withServer({ RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW: '1m', TRUSTED_PROXIES: '192.0.2.10' }, async (s) => {
    const codes: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 12; i++) {
      const r = await get(`${s.url}/api/logs`, { 'x-forwarded-for': `198.51.100.${i + 1}` })
      codes.push(r.status)
      if (r.status === 429) {
        retryAfter = r.headers.get('retry-after')
        assert.equal(((await r.json()) as { code: string }).code, 'LOG_ERR_RATE_LIMITED')
      } else await r.body?.cancel()
    }
    assert.deepEqual(codes.slice(0, 5), [200, 200, 200, 200, 200], codes.join(','))
    assert.deepEqual(codes.slice(5), [429, 429, 429, 429, 429, 429, 429], 'rotating X-Forwarded-For does not reset the limit')
    assert.ok(retryAfter && Number(retryAfter) > 0, `Retry-After: ${retryAfter}`)
    assert.equal((await get(`${s.url}/metrics`)).status, 429, '/metrics is not exempt')
    assert.equal((await get(`${s.url}/health`)).status, 200, '/health stays exempt')
  })
})

test("a trusted proxy's X-Forwarded-For is the client; wrong keys are counted by the limiter", async () => {
  const env = { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '1m', TRUSTED_PROXIES: '127.0.0.1', API_KEYS_QUERY: 'right-key' }
  await withServer(env, async (s) => {
    const asClient = (ip: string, key: string) => get(`${s.url}/api/logs`, { 'x-forwarded-for': ip, authorization: `Bearer ${key}` })
    // One client behind the proxy: its own budget of 3.
    const a = []
    for (let i = 0; i < 4; i++) a.push((await asClient('203.0.113.1', 'right-key')).status)
    assert.deepEqual(a, [200, 200, 200, 429])
    // Another client behind the same proxy is not affected: the proxy's header is believed.
    assert.equal((await asClient('203.0.113.2', 'right-key')).status, 200)
    // Guessing keys: each wrong key counts, then the right one is refused too until the window ends.
    const guesses = []
    for (let i = 0; i < 5; i++) guesses.push((await asClient('203.0.113.3', `guess-${i}`)).status)
    assert.deepEqual(guesses, [401, 401, 401, 429, 429])
    const after = await asClient('203.0.113.3', 'right-key')
    assert.equal(after.status, 429)
    assert.ok(Number(after.headers.get('retry-after')) > 0)
  })
})

test('same-origin by default: no CORS header for a foreign origin, its WebSocket upgrade refused; /metrics keyed', async () => {
  await withServer({ RATE_LIMIT_MAX: '0', API_KEYS_METRICS: 'scrape-key' }, async (s) => {
    const foreign = await get(`${s.url}/api/logs`, { origin: 'https://evil.example' })
    assert.equal(foreign.status, 200)
    assert.equal(foreign.headers.get('access-control-allow-origin'), null)
    const pre = await fetch(`${s.url}/api/logs`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } })
    assert.equal(pre.headers.get('access-control-allow-origin'), null)
    // No CORS at all: a preflight is a request no route answers (the error catalogue's 404, with the security headers).
    assert.equal(pre.status, 404)
    assert.equal(((await pre.json()) as { code: string }).code, 'LOG_ERR_NOT_FOUND')
    assert.equal(pre.headers.get('x-frame-options'), 'DENY')
    assert.equal(pre.headers.get('access-control-allow-methods'), null)

    const refused = await upgrade(s.url, { origin: 'https://evil.example' })
    assert.deepEqual(refused, { status: 403, code: 'LOG_ERR_ORIGIN_FORBIDDEN' })
    assert.equal((await upgrade(s.url, { origin: 'null' })).status, 403, 'a sandboxed page (Origin: null) is foreign')
    assert.equal((await upgrade(s.url, { origin: `http://127.0.0.1:${s.port + 1}` })).status, 403, 'another port is another origin')
    assert.equal((await upgrade(s.url, { origin: `http://127.0.0.1:${s.port}` })).status, 101, 'the dashboard (same origin) connects')
    assert.equal((await upgrade(s.url, {})).status, 101, 'a client without Origin (not a browser) connects')

    assert.equal((await get(`${s.url}/metrics`)).status, 401)
    assert.equal((await get(`${s.url}/metrics`, { authorization: 'Bearer wrong' })).status, 401)
    const m = await get(`${s.url}/metrics`, { authorization: 'Bearer scrape-key' })
    assert.equal(m.status, 200)
    assert.match(await m.text(), /oglogstream_http_requests_total/)
  })
})

test('CORS_ORIGINS opens the API and the live tail to the origins it lists, and * to any', async () => {
  await withServer({ RATE_LIMIT_MAX: '0', CORS_ORIGINS: 'https://app.example' }, async (s) => {
    const r = await get(`${s.url}/api/logs`, { origin: 'https://app.example' })
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example')
    assert.equal((await upgrade(s.url, { origin: 'https://app.example' })).status, 101)
    assert.equal((await upgrade(s.url, { origin: 'https://evil.example' })).status, 403)
  })
  await withServer({ RATE_LIMIT_MAX: '0', CORS_ORIGINS: '*' }, async (s) => {
    assert.equal((await get(`${s.url}/api/logs`, { origin: 'https://evil.example' })).headers.get('access-control-allow-origin'), '*')
    assert.equal((await upgrade(s.url, { origin: 'https://evil.example' })).status, 101)
  })
})

test('security headers on the dashboard and the API', async () => {
  await withServer({ RATE_LIMIT_MAX: '0' }, async (s) => {
    for (const path of ['/', '/live', '/api/logs', '/no-such-route']) {
      const r = await get(`${s.url}${path}`)
      await r.body?.cancel()
      const csp = r.headers.get('content-security-policy') ?? ''
      assert.match(csp, /default-src 'self'/, `${path}: ${csp}`)
      assert.match(csp, /script-src 'self'(;|$)/, `${path}: no inline script`)
      assert.match(csp, /frame-ancestors 'none'/, path)
      assert.equal(r.headers.get('x-frame-options'), 'DENY', path)
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path)
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer', path)
    }
  })
})
