// Issue 13, "not done if a key appears in a log line or an error": requests with wrong and right keys in
// every form a client sends them (Bearer, ApiKey, X-API-Key, Basic, and in the query string, which is
// not a key form and must not be echoed either), on the ingest, query, Loki, Elasticsearch and live
// paths, the dashboard's login (the key in a JSON body) and its session cookie, with the server
// logging at `trace`; then no key and no cookie appears in the process's output, nor in any answer.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

const RIGHT = 'right-key-Zq8v1xKp7mW3'
const ADMIN = 'admin-key-Hn4c9Tt2Lw6r'
const WRONG = 'wrong-key-Pf5s0Yd3Bq9e'
const ENV_KEY = 'env-query-key-Uj2k7Rm4'
const SECRETS = [RIGHT, ADMIN, WRONG, ENV_KEY]

let srv: RunningServer
const dir = tempDir('ogls-secrets-')
/** Every answer's status line, headers and body, to search for the keys too. */
const answers: string[] = []

before(async () => {
  const file = join(dir, 'keys.yaml')
  writeFileSync(
    file,
    `keys:
  - { name: team, key: ${RIGHT}, tenants: [team-a, team-b], scopes: [ingest, query] }
  - { name: boss, key: ${ADMIN}, tenant: team-a, scopes: [admin, query] }
`,
  )
  srv = await startServer({ env: { API_KEYS_FILE: file, API_KEYS_QUERY: ENV_KEY, LOG_LEVEL: 'trace', RATE_LIMIT_MAX: '0' } })
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

async function call(path: string, init: RequestInit = {}): Promise<number> {
  const r = await fetch(`${srv.url}${path}`, init)
  const body = await r.text()
  answers.push(`${r.status}\n${[...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${body}`)
  return r.status
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`
/** Each way a key can travel in a request. */
const forms = (key: string): Record<string, string>[] => [
  { authorization: `Bearer ${key}` },
  { authorization: `ApiKey ${key}` },
  { 'x-api-key': key },
  { authorization: basic('shipper', key) },
  { authorization: basic(key, 'not-the-key') }, // a key as the user name
  { authorization: key }, // no scheme at all
]

test('no key appears in the server log or in any answer, whatever the form and outcome', async () => {
  const entry = JSON.stringify({ level: 'info', service: 'secrets', message: 'hello' })
  const json = { 'content-type': 'application/json' }
  for (const key of [RIGHT, WRONG, ADMIN, ENV_KEY]) {
    for (const h of forms(key)) {
      await call('/log', { method: 'POST', headers: { ...json, ...h }, body: entry })
      await call('/api/logs?limit=1', { headers: h })
      await call('/api/logs?level=nonsense', { headers: h }) // a 400 with the key present
      await call('/api/logs', { headers: { ...h, 'x-scope-orgid': 'team-z' } }) // a 403
      await call('/loki/api/v1/labels', { headers: h })
      await call('/_bulk', {
        method: 'POST',
        headers: { ...h, 'content-type': 'application/x-ndjson' },
        body: '{"index":{}}\n{"message":"x"}\n',
      })
      await call('/api/audit', { headers: h })
      await call('/metrics', { headers: h })
    }
    // In the query string (not a key form: refused, and not echoed).
    for (const name of ['api_key', 'key', 'token', 'apikey']) {
      await call(`/api/logs?${name}=${key}`)
      await call(`/no/such/route?${name}=${key}`)
      await call(`/loki/api/v1/query_range?query=${encodeURIComponent('{service_name="x"}')}&${name}=${key}`)
    }
    // In the URL's user info (fetch refuses credentials in URLs; a header the same as the browser sends it).
    await call('/api/logs', { headers: { authorization: basic('', key) } })
    // A WebSocket upgrade, accepted or refused.
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/live?tenant=team-b`, { headers: { authorization: `Bearer ${key}` } })
      ws.once('open', () => {
        ws.close()
        resolve()
      })
      ws.once('unexpected-response', (_req, res) => {
        res.resume()
        res.on('end', () => resolve())
      })
      ws.once('error', () => resolve())
    })
  }
  // The dashboard's login: the key in a JSON body, right and wrong; then the cookie, on good and refused requests.
  const cookies: string[] = []
  for (const key of [RIGHT, WRONG, ENV_KEY]) {
    const r = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: json, body: JSON.stringify({ key }) })
    answers.push(`${r.status}\n${await r.text()}`) // not the headers: Set-Cookie carries the cookie by design
    const c = r.headers.get('set-cookie')?.split(';')[0]
    if (c) cookies.push(c)
  }
  assert.equal(cookies.length, 2, 'RIGHT and ENV_KEY logged in')
  for (const cookie of cookies) {
    await call('/api/logs', { headers: { cookie } })
    await call('/api/logs', { headers: { cookie, 'x-scope-orgid': 'team-z' } })
    await call('/api/logs', { headers: { cookie, origin: 'http://evil.example' } })
    await call('/api/logs?level=nonsense', { headers: { cookie } })
    await call('/api/session', { headers: { cookie } })
    await call('/api/session', { method: 'DELETE', headers: { cookie } })
    await call('/api/logs', { headers: { cookie } }) // after logout: 401
  }
  // The right keys were used (the test would prove nothing if every request had failed).
  assert.equal(await call('/api/logs', { headers: { authorization: `Bearer ${RIGHT}` } }), 200)
  assert.equal(await call('/api/audit', { headers: { 'x-api-key': ADMIN } }), 200)
  assert.equal(await call('/api/logs', { headers: { authorization: `Bearer ${WRONG}` } }), 401)
  // Let the process write what it logs for these requests (the stored entries' insert lines among them).
  await waitFor(async () => /"msg":"[^"]*(insert|stored|flush)/i.test(srv.output()) || srv.output().length > 20_000, 5_000).catch(() => {})
  const log = srv.output()
  assert.ok(log.split('\n').length > 3, 'the server logged (LOG_LEVEL=trace)')
  for (const c of cookies) {
    const value = c.slice(c.indexOf('=') + 1)
    assert.ok(value.length > 20)
    assert.ok(!log.includes(value), 'the server log contains a session cookie')
    assert.ok(!log.includes(value.split('.')[1] ?? ''), "the server log contains a session cookie's signature")
    for (const a of answers) assert.ok(!a.includes(value), `an answer contains a session cookie:\n${a.slice(0, 600)}`)
  }
  for (const s of SECRETS) {
    assert.ok(
      !log.includes(s),
      `the server log contains the key ${s}:\n${log
        .split('\n')
        .filter((l) => l.includes(s))
        .slice(0, 3)
        .join('\n')}`,
    )
    // Nor its base64 form (Basic), nor a prefix of it.
    assert.ok(!log.includes(Buffer.from(`shipper:${s}`).toString('base64')), `the log contains ${s} in Basic form`)
    assert.ok(!log.includes(s.slice(0, 12)), `the log contains a prefix of ${s}`)
    for (const a of answers) assert.ok(!a.includes(s), `an answer contains the key ${s}:\n${a.slice(0, 600)}`)
  }
})
