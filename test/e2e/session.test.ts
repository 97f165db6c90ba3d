// Issue 13, the dashboard logs in: POST /api/session trades a key for a signed session cookie
// (HttpOnly, SameSite=Strict, Secure over https), which then authenticates the API and the /ws/live
// upgrade from the server's own origin only; the tenant picker (X-Scope-OrgID, tenant= on the
// WebSocket) is authorized as for a key; sessions expire at SESSION_TTL; logout ends them; the same
// SESSION_SECRET makes a session valid on another instance; failed logins are rate limited.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

const KEY_AB = 'session-key-of-a-and-b-01'
const KEY_B = 'session-key-of-b-only-002'
const KEY_INGEST = 'session-key-ingest-only-3'
const SECRET = 'a-session-secret-shared-by-instances-0123456789'

const dir = tempDir('ogls-session-')
const keysFile = join(dir, 'keys.yaml')
writeFileSync(
  keysFile,
  `keys:
  - { name: ab, key: ${KEY_AB}, tenants: [team-a, team-b], scopes: [ingest, query] }
  - { name: b, key: ${KEY_B}, tenant: team-b, scopes: [query] }
  - { name: shipper, key: ${KEY_INGEST}, tenant: team-a, scopes: [ingest] }
`,
)

let srv: RunningServer
before(async () => {
  srv = await startServer({ env: { API_KEYS_FILE: keysFile, SESSION_SECRET: SECRET, RATE_LIMIT_MAX: '0', TRUSTED_PROXIES: 'loopback' } })
  const e = (tenant: string, message: string) =>
    postJson(`${srv.url}/log`, { level: 'info', service: 'sess', message }, { authorization: `Bearer ${KEY_AB}`, 'x-scope-orgid': tenant })
  assert.equal((await e('team-a', 'entry of team-a')).status, 202)
  assert.equal((await e('team-b', 'entry of team-b')).status, 202)
  await waitFor(async () => {
    const r = await fetch(`${srv.url}/api/stats`, { headers: { authorization: `Bearer ${KEY_B}` } })
    return ((await r.json()) as { total_logs: number }).total_logs === 1
  }, 20_000)
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

interface Login {
  status: number
  body: any
  setCookie: string | null
  /** `ogls_session=<value>`, as a browser sends it back. */
  cookie: string
}
async function login(base: string, key: string, headers: Record<string, string> = {}): Promise<Login> {
  const r = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ key }),
  })
  const setCookie = r.headers.get('set-cookie')
  return { status: r.status, body: await r.json(), setCookie, cookie: setCookie?.split(';')[0] ?? '' }
}

const withCookie = (cookie: string, headers: Record<string, string> = {}) => ({ headers: { cookie, ...headers } })

/** Opens /ws/live; resolves with the socket, or the refused upgrade's status and code. */
function live(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ ws?: WebSocket; frames: string[]; status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const frames: string[] = []
    const ws = new WebSocket(`${base.replace('http', 'ws')}${path}`, { headers })
    ws.on('message', (d) => frames.push(String(d)))
    ws.once('open', () => resolve({ ws, frames, status: 101 }))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ frames, status: res.statusCode ?? 0, code: (JSON.parse(body) as { code?: string }).code }))
    })
    ws.once('error', reject)
  })
}

describe('login', () => {
  test('GET /api/session without a session: a key is required, not authenticated', async () => {
    const r = await fetch(`${srv.url}/api/session`)
    assert.equal(r.status, 200)
    assert.deepEqual(await r.json(), { auth_required: true, authenticated: false })
  })

  test('a wrong key, an ingest-only key, or none: 401 and no cookie', async () => {
    for (const key of ['not-a-configured-key', KEY_INGEST, '']) {
      const r = await login(srv.url, key)
      assert.equal(r.status, 401, key)
      assert.equal(r.body.code, 'LOG_ERR_UNAUTHORIZED')
      assert.equal(r.setCookie, null)
    }
  })

  test('the right key: an HttpOnly, SameSite=Strict cookie for SESSION_TTL, Secure only over https; the key is not in it', async () => {
    const r = await login(srv.url, KEY_AB)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(
      { ...r.body, expires: undefined },
      {
        auth_required: true,
        authenticated: true,
        via: 'session',
        name: 'ab',
        scopes: ['ingest', 'query'],
        tenants: ['team-a', 'team-b'],
        all_tenants: false,
        expires: undefined,
      },
    )
    const expiresIn = Date.parse(r.body.expires) - Date.now()
    assert.ok(expiresIn > 11.9 * 3_600_000 && expiresIn <= 12 * 3_600_000, `expires in ${expiresIn} ms (SESSION_TTL 12h)`)
    const attrs = (r.setCookie ?? '').split(';').map((s) => s.trim())
    assert.match(attrs[0] ?? '', /^ogls_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    for (const a of ['HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${12 * 3600}`])
      assert.ok(attrs.includes(a), `${a} in ${r.setCookie}`)
    assert.ok(!attrs.includes('Secure'), 'not Secure over plain http')
    const value = r.cookie.slice('ogls_session='.length)
    assert.ok(
      !value.includes(KEY_AB) &&
        !Buffer.from(value.split('.')[0] ?? '', 'base64url')
          .toString()
          .includes(KEY_AB),
      'the key is not in the cookie',
    )
    // Over https as a trusted proxy says (TRUSTED_PROXIES=loopback): Secure.
    const https = await login(srv.url, KEY_AB, { 'x-forwarded-proto': 'https' })
    assert.ok(
      (https.setCookie ?? '')
        .split(';')
        .map((s) => s.trim())
        .includes('Secure'),
      `${https.setCookie}`,
    )
  })

  test('the cookie authenticates the API: the default tenant, the picker for an allowed tenant, 403 for another', async () => {
    const { cookie } = await login(srv.url, KEY_AB)
    assert.equal((await fetch(`${srv.url}/api/logs`)).status, 401, 'no cookie, no key')
    const a = await fetch(`${srv.url}/api/logs`, withCookie(cookie))
    assert.equal(a.status, 200)
    assert.deepEqual(
      ((await a.json()) as { message: string }[]).map((e) => e.message),
      ['entry of team-a'],
    )
    const b = await fetch(`${srv.url}/api/logs`, withCookie(cookie, { 'x-scope-orgid': 'team-b' }))
    assert.deepEqual(
      ((await b.json()) as { message: string }[]).map((e) => e.message),
      ['entry of team-b'],
    )
    const bq = await fetch(`${srv.url}/api/logs?tenant=team-b`, withCookie(cookie))
    assert.deepEqual(
      ((await bq.json()) as { message: string }[]).map((e) => e.message),
      ['entry of team-b'],
      'tenant= as the export link sends it',
    )
    for (const init of [withCookie(cookie, { 'x-scope-orgid': 'team-c' }), withCookie(cookie, { 'x-scope-orgid': 'default' })]) {
      const r = await fetch(`${srv.url}/api/logs`, init)
      assert.equal(r.status, 403)
      assert.equal(((await r.json()) as { code: string }).code, 'LOG_ERR_TENANT_FORBIDDEN')
    }
    // A session of the key of team-b alone cannot pick team-a.
    const onlyB = await login(srv.url, KEY_B)
    assert.deepEqual(onlyB.body.tenants, ['team-b'])
    assert.equal((await fetch(`${srv.url}/api/logs`, withCookie(onlyB.cookie, { 'x-scope-orgid': 'team-a' }))).status, 403)
    const who = (await (await fetch(`${srv.url}/api/session`, withCookie(onlyB.cookie))).json()) as { name: string; tenants: string[] }
    assert.equal(who.name, 'b')
    // The session has the key's scopes, no more: the ingest-less key's cookie does not ingest.
    const post = await postJson(`${srv.url}/log`, { service: 's', message: 'm' }, { cookie: onlyB.cookie, origin: srv.url })
    assert.equal(post.status, 401)
  })

  test('a forged, tampered or truncated cookie is no session', async () => {
    const { cookie } = await login(srv.url, KEY_B)
    const [body, mac] = cookie.slice('ogls_session='.length).split('.') as [string, string]
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>
    const longer = Buffer.from(JSON.stringify({ ...payload, exp: Date.now() + 10 * 365 * 86_400_000 })).toString('base64url')
    for (const bad of [
      `ogls_session=${longer}.${mac}`,
      `ogls_session=${body}.${mac.slice(0, -2)}`,
      `ogls_session=${body}`,
      'ogls_session=x.y',
    ]) {
      assert.equal((await fetch(`${srv.url}/api/logs`, withCookie(bad))).status, 401, bad)
    }
  })
})

describe('same origin only', () => {
  test('a state-changing request with the cookie from another origin is refused; from the own origin it passes', async () => {
    const { cookie } = await login(srv.url, KEY_AB)
    const put = (headers: Record<string, string>) =>
      fetch(`${srv.url}/api/saved-searches/csrf-check`, {
        method: 'PUT',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ view: 'q=x' }),
      })
    for (const h of [
      { origin: 'http://evil.example' },
      { origin: `http://localhost:1` },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
    ] as Record<string, string>[]) {
      const r = await put(h)
      assert.equal(r.status, 403, JSON.stringify(h))
      assert.equal(((await r.json()) as { code: string }).code, 'LOG_ERR_ORIGIN_FORBIDDEN')
    }
    // A read with the cookie from a foreign origin too.
    assert.equal((await fetch(`${srv.url}/api/logs`, withCookie(cookie, { origin: 'http://evil.example' }))).status, 403)
    // A login from a foreign page (login CSRF) and a logout from one.
    assert.equal((await login(srv.url, KEY_AB, { origin: 'http://evil.example' })).status, 403)
    assert.equal(
      (await fetch(`${srv.url}/api/session`, { method: 'DELETE', headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status,
      403,
    )
    assert.equal((await fetch(`${srv.url}/api/logs`, withCookie(cookie))).status, 200, 'the session still works')
    // The dashboard's own origin.
    assert.equal((await put({ origin: srv.url, 'sec-fetch-site': 'same-origin' })).status, 200)
    // A key header is not a cookie: a foreign origin may use its own key (CORS decides what it reads).
    assert.equal(
      (await fetch(`${srv.url}/api/logs`, { headers: { authorization: `Bearer ${KEY_AB}`, origin: 'http://evil.example' } })).status,
      200,
    )
  })
})

describe('live tail', () => {
  test('WS /ws/live with the cookie opens and receives the tenant picked by tenant=; without it, 401; another tenant, 403', async () => {
    const { cookie } = await login(srv.url, KEY_AB)
    const none = await live(srv.url, '/ws/live', { origin: srv.url })
    assert.equal(none.status, 401)
    assert.equal(none.code, 'LOG_ERR_UNAUTHORIZED')
    const foreign = await live(srv.url, '/ws/live', { cookie, origin: 'http://evil.example' })
    assert.equal(foreign.status, 403)
    const notAllowed = await live(srv.url, '/ws/live?tenant=team-c', { cookie, origin: srv.url })
    assert.equal(notAllowed.status, 403)
    assert.equal(notAllowed.code, 'LOG_ERR_TENANT_FORBIDDEN')
    const b = await live(srv.url, '/ws/live?tenant=team-b', { cookie, origin: srv.url })
    assert.equal(b.status, 101)
    try {
      const send = (tenant: string, message: string) =>
        postJson(
          `${srv.url}/log`,
          { level: 'info', service: 'live', message },
          { authorization: `Bearer ${KEY_AB}`, 'x-scope-orgid': tenant },
        )
      assert.equal((await send('team-a', 'live for a')).status, 202)
      assert.equal((await send('team-b', 'live for b')).status, 202)
      await waitFor(async () => b.frames.some((f) => f.includes('live for b')))
      assert.ok(!b.frames.some((f) => f.includes('live for a')), b.frames.join('\n'))
    } finally {
      b.ws?.close()
    }
  })
})

describe('logout and expiry', () => {
  test('DELETE /api/session clears the cookie and ends the session (a copy of the cookie no longer works here)', async () => {
    const { cookie } = await login(srv.url, KEY_AB)
    const r = await fetch(`${srv.url}/api/session`, { method: 'DELETE', headers: { cookie, origin: srv.url } })
    assert.equal(r.status, 204)
    const sc = r.headers.get('set-cookie') ?? ''
    assert.match(sc, /^ogls_session=;/)
    assert.match(sc, /Max-Age=0/)
    assert.equal((await fetch(`${srv.url}/api/logs`, withCookie(cookie))).status, 401)
    assert.deepEqual(await (await fetch(`${srv.url}/api/session`, withCookie(cookie))).json(), {
      auth_required: true,
      authenticated: false,
    })
    // Logging out without a session is harmless.
    assert.equal((await fetch(`${srv.url}/api/session`, { method: 'DELETE' })).status, 204)
  })

  test('SESSION_TTL: the session ends on time; the same SESSION_SECRET makes it valid on another instance, another secret does not', async () => {
    const short = await startServer({ env: { API_KEYS_FILE: keysFile, SESSION_SECRET: SECRET, SESSION_TTL: '2s', RATE_LIMIT_MAX: '0' } })
    const other = await startServer({ env: { API_KEYS_FILE: keysFile, RATE_LIMIT_MAX: '0' } })
    try {
      assert.match(other.output(), /SESSION_SECRET is unset/)
      const { cookie, setCookie } = await login(short.url, KEY_B)
      assert.match(setCookie ?? '', /Max-Age=2;/)
      const started = Date.now()
      // Valid here and on the first instance (same secret and keys), not on one with its own random secret.
      assert.equal((await fetch(`${short.url}/api/logs`, withCookie(cookie))).status, 200)
      assert.equal((await fetch(`${srv.url}/api/logs`, withCookie(cookie))).status, 200)
      assert.equal((await fetch(`${other.url}/api/logs`, withCookie(cookie))).status, 401)
      await waitFor(async () => (await fetch(`${short.url}/api/logs`, withCookie(cookie))).status === 401, 10_000, 100)
      assert.ok(Date.now() - started >= 1_900, `expired after ${Date.now() - started} ms, SESSION_TTL 2s`)
      assert.equal((await fetch(`${srv.url}/api/logs`, withCookie(cookie))).status, 401, 'expired on the other instance too')
    } finally {
      await Promise.all([short.stop(), other.stop()])
      short.cleanup()
      other.cleanup()
    }
  })
})

test('failed logins count against the per-IP rate limit', async () => {
  const s = await startServer({ env: { API_KEYS_FILE: keysFile, RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW: '1m' } })
  try {
    const codes: number[] = []
    for (let i = 0; i < 7; i++) codes.push((await login(s.url, `guess-number-${i}`)).status)
    assert.deepEqual(codes, [401, 401, 401, 401, 401, 429, 429])
    // The right key is limited too, until the window passes.
    assert.equal((await login(s.url, KEY_AB)).status, 429)
  } finally {
    await s.stop()
    s.cleanup()
  }
})

test('without keys there is nothing to log in to: the dashboard is open as tenant default', async () => {
  const s = await startServer({ env: { RATE_LIMIT_MAX: '0' } })
  try {
    assert.deepEqual(await (await fetch(`${s.url}/api/session`)).json(), {
      auth_required: false,
      authenticated: false,
      via: 'open',
      scopes: ['query'],
      tenants: ['default'],
      all_tenants: false,
    })
    assert.equal((await login(s.url, 'anything-at-all')).status, 401)
    assert.equal((await fetch(`${s.url}/api/logs`)).status, 200)
  } finally {
    await s.stop()
    s.cleanup()
  }
})
