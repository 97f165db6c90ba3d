// Issue 20: the error contract as a table. For every code in the catalogue (server/src/errors.ts), a
// real request that produces it, asserting the status, the `code`, a message naming the field or
// the limit, and Retry-After on every 429 and 503 (README "Errors"). The table's keys must equal
// ERROR_CODES: a new code without a case here fails the suite.
//
// Few servers: one embedded CLI server with small limits (most codes; each case its own client
// address through TRUSTED_PROXIES so the rate limit only bites where asked), a distributed ingest
// and query pair around a real nats-server that is then killed (bus and store codes), and one
// in-process app (createApp) for the codes no request can produce in a small, fast setup
// (QUERY_TIMEOUT needs millions of rows, inserted by SQL; QUERY_TOO_LARGE, INTERNAL: see their cases;
// REQUEST_TIMEOUT runs there for its short timeout).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect as tcp } from 'node:net'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { ERROR_CODES } from '../../server/src/errors.ts'
import { createApp, type App } from '../../server/src/app.ts'
import { DEFAULT_TENANT } from '../../server/src/model/index.ts'
import { loadConfig } from '../../server/src/config.ts'
import { parseQuery } from '../../server/src/query/search/index.ts'
import { runPipeline } from '../../server/src/query/analytics.ts'
import type { Store } from '../../server/src/store/index.ts'
import { startServer, waitFor, type RunningServer } from '../helpers/server.ts'
import { freePort, startNats, type NatsSetup } from '../helpers/nats.ts'

/** What a provoking request answered: status, headers (lower-case names) and the parsed JSON body. */
interface Answer {
  status: number
  headers: Record<string, string>
  body: { status?: string; code?: string; error?: string }
}

interface Case {
  /** Which setup serves the request. */
  setup: 'embedded' | 'distributed' | 'in-process'
  status: number
  /** The message must name the field or the limit. */
  message: RegExp
  /** Headers the answer must carry (a RegExp for the value); Retry-After is added for 429 and 503. */
  headers?: Record<string, RegExp>
  provoke: () => Promise<Answer>
}

// ---- setups -------------------------------------------------------------------------------------

let emb: RunningServer
let ip = 0
/** Every case is another client behind the trusted proxy, with its own rate-limit budget. */
const client = () => `198.51.100.${++ip}`
const RATE_LIMIT_MAX = 3
const EMBEDDED_ENV = {
  TRUSTED_PROXIES: '127.0.0.1',
  RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
  RATE_LIMIT_WINDOW: '1m',
  API_KEYS_METRICS: 'scrape-key',
  MAX_BATCH_ENTRIES: '1000',
  LIVE_MAX_CLIENTS: '1',
  WEB_DIR: '/nonexistent/dashboard',
  // The worker holds what it read until FLUSH_TIMEOUT: a backlog over WAL_MAX_BYTES stays.
  WAL_MAX_BYTES: '64KiB',
  FLUSH_TIMEOUT: '60s',
  BATCH_SIZE: '100000',
}

let nats: NatsSetup
let ingest: RunningServer
let query: RunningServer

let app: App
const appDir = mkdtempSync(join(tmpdir(), 'ogls-errcontract-'))

async function answer(res: Response): Promise<Answer> {
  const text = await res.text()
  let body: Answer['body']
  try {
    body = JSON.parse(text) as Answer['body']
  } catch {
    body = { error: text }
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body }
}

function request(base: () => string, path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Answer> {
  return fetch(`${base()}${path}`, { ...init, headers: { 'x-forwarded-for': client(), ...init.headers } }).then(answer)
}
const embedded = (path: string, init?: RequestInit & { headers?: Record<string, string> }) => request(() => emb.url, path, init)
const json = (body: unknown, headers: Record<string, string> = {}): RequestInit & { headers: Record<string, string> } => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})
const entry = (message = 'm') => ({ level: 'info', service: 'errcontract', message })

/** A refused WebSocket upgrade, read as an HTTP answer (the upgrade must not open). */
function upgrade(url: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/live`, { headers: { 'x-forwarded-for': client(), ...headers } })
    ws.once('open', () => {
      ws.close()
      reject(new Error('the upgrade was accepted'))
    })
    ws.once('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => {
        const h: Record<string, string> = {}
        for (const [k, v] of Object.entries(res.headers)) h[k] = String(v)
        resolve({ status: res.statusCode ?? 0, headers: h, body: JSON.parse(text) as Answer['body'] })
      })
    })
    ws.once('error', () => {})
  })
}

/** Parses one raw HTTP/1.1 response (status line, headers, JSON body). */
function parseRaw(raw: string): Answer {
  const [head = '', body = ''] = raw.split('\r\n\r\n', 2)
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers: Record<string, string> = {}
  for (const l of lines) {
    const i = l.indexOf(':')
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
  }
  const jsonStart = body.indexOf('{')
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body.slice(jsonStart, body.lastIndexOf('}') + 1)) as Answer['body'] }
}

/**
 * REQUEST_TIMEOUT: a request whose body stalls is answered 408 on the wire by the listening in-process
 * app (REQUEST_TIMEOUT=1s; http/server.ts makes Node sweep its connections often enough), and the raw
 * answer is read.
 */
async function requestTimeout(): Promise<Answer> {
  const { port } = app.server.server.address() as { port: number }
  const s = tcp(port, '127.0.0.1')
  let out = ''
  s.on('data', (d) => (out += d.toString()))
  const closed = new Promise((r) => s.once('close', r))
  await new Promise((r) => s.once('connect', r))
  s.write('POST /log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"level":')
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([closed, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within 10 s: ${out}`)), 10_000)))])
  } finally {
    clearTimeout(timer)
    s.destroy()
  }
  return parseRaw(out)
}

// ---- the table ----------------------------------------------------------------------------------

const cases: Record<string, Case> = {
  LOG_ERR_INVALID_JSON: {
    setup: 'embedded',
    status: 400,
    message: /malformed JSON/,
    provoke: () => embedded('/log', json('{"level": "info",')),
  },
  LOG_ERR_VALIDATION: {
    setup: 'embedded',
    status: 400,
    message: /level/,
    provoke: () => embedded('/log', json({ ...entry(), level: 'loud' })),
  },
  LOG_ERR_UNKNOWN_FIELD: {
    setup: 'embedded',
    status: 400,
    message: /unknown field 'colour'; allowed fields: .*message/,
    provoke: () => embedded('/log', json({ ...entry(), colour: 'red' })),
  },
  LOG_ERR_BODY_TOO_LARGE: {
    setup: 'embedded',
    status: 413,
    message: /larger than 51200 bytes/,
    provoke: () => embedded('/log', json(entry('x'.repeat(60 * 1024)))),
  },
  LOG_ERR_BATCH_TOO_LARGE: {
    setup: 'embedded',
    status: 413,
    message: /more than 1000 entries.*MAX_BATCH_ENTRIES|MAX_BATCH_ENTRIES.*1000/,
    provoke: () => embedded('/logs', json(Array.from({ length: 1001 }, () => entry()))),
  },
  LOG_ERR_UNSUPPORTED_MEDIA_TYPE: {
    setup: 'embedded',
    status: 415,
    message: /'text\/plain'; use .*application\/json/,
    provoke: () => embedded('/log', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }),
  },
  LOG_ERR_UNSUPPORTED_ENCODING: {
    setup: 'embedded',
    status: 415,
    message: /'br'; use gzip or none/,
    provoke: () => embedded('/log', json(JSON.stringify(entry()), { 'content-encoding': 'br' })),
  },
  LOG_ERR_RATE_LIMITED: {
    setup: 'embedded',
    status: 429,
    message: new RegExp(`rate limit of ${RATE_LIMIT_MAX} requests per 1 minute exceeded; retry after \\d+ s`),
    provoke: async () => {
      const who = client()
      let last!: Answer
      for (let i = 0; i <= RATE_LIMIT_MAX; i++) last = await embedded('/api/logs?limit=1', { headers: { 'x-forwarded-for': who } })
      return last
    },
  },
  LOG_ERR_QUEUE_FULL: {
    setup: 'embedded',
    status: 429,
    message: /queue is full \(\d+ entries waiting\)/,
    provoke: async () => {
      // 500 entries of ~150 bytes fill WAL_MAX_BYTES (64 KiB); the worker stores none before FLUSH_TIMEOUT.
      const bulk = (n: number) => Array.from({ length: 500 }, (_, i) => entry(`bulk ${n} entry ${i} ${'x'.repeat(100)}`))
      const first = await embedded('/logs', json(bulk(1)))
      assert.equal(first.status, 202, JSON.stringify(first.body))
      return embedded('/logs', json(bulk(2)))
    },
  },
  LOG_ERR_BUS_UNAVAILABLE: {
    setup: 'distributed',
    status: 503,
    message: /log bus is unavailable \(.+\); nothing was accepted/,
    provoke: async () => {
      await Promise.all(nats.servers.map((s) => s.kill('SIGKILL')))
      return waitFor(async () => {
        const r = await request(() => ingest.url, '/log', json(entry()))
        return r.status === 503 ? r : undefined
      }, 20_000)
    },
  },
  LOG_ERR_STORE_UNAVAILABLE: {
    setup: 'distributed',
    status: 503,
    message: /log store is unavailable: .*ECONNREFUSED/,
    provoke: () => request(() => query.url, '/api/logs?limit=1'),
  },
  LOG_ERR_LIVE_FULL: {
    setup: 'embedded',
    status: 503,
    message: /LIVE_MAX_CLIENTS \(1\)/,
    provoke: async () => {
      const first = new WebSocket(`${emb.url.replace('http', 'ws')}/ws/live`, { headers: { 'x-forwarded-for': client() } })
      await new Promise((resolve, reject) => {
        first.once('open', resolve)
        first.once('error', reject)
      })
      // The hub counts it (the limit is checked against this count).
      await waitFor(async () => {
        const m = await fetch(`${emb.url}/metrics`, { headers: { authorization: 'Bearer scrape-key', 'x-forwarded-for': client() } })
        return /^oglogstream_live_clients 1$/m.test(await m.text())
      })
      try {
        return await upgrade(emb.url, {})
      } finally {
        first.close()
      }
    },
  },
  LOG_ERR_SHUTTING_DOWN: {
    setup: 'embedded',
    status: 503,
    message: /shutting down; retry on another instance/,
    provoke: () => shuttingDown(),
  },
  LOG_ERR_UNAUTHORIZED: {
    setup: 'embedded',
    status: 401,
    message: /API key with the metrics scope/,
    provoke: () => embedded('/metrics', { headers: { authorization: 'Bearer wrong-key' } }),
  },
  LOG_ERR_ORIGIN_FORBIDDEN: {
    setup: 'embedded',
    status: 403,
    message: /origin 'https:\/\/evil.example' may not open \/ws\/live.*CORS_ORIGINS/,
    provoke: () => upgrade(emb.url, { origin: 'https://evil.example' }),
  },
  LOG_ERR_TENANT_FORBIDDEN: {
    setup: 'embedded',
    status: 403,
    // Without keys every request is tenant `default`: no other tenant may be asked for.
    message: /may not use tenant 'team-x'/,
    provoke: () => embedded('/api/logs', { headers: { 'x-scope-orgid': 'team-x' } }),
  },
  LOG_ERR_TENANT_QUOTA_EXCEEDED: {
    // The in-process app's keys file gives tenant `default` daily_bytes: 2000 (and ingest_rate: 1).
    setup: 'in-process',
    status: 429,
    message: /tenant 'default' would pass its daily_bytes of 2000 bytes today \(UTC\)/,
    provoke: () => injectPost('/log', entry('q'.repeat(3000))),
  },
  LOG_ERR_TENANT_RATE_LIMITED: {
    // ingest_rate: 1, ingest_burst: 1: a first request of 30 entries passes and leaves ~29 s of debt.
    setup: 'in-process',
    status: 429,
    message: /tenant 'default' is over its ingest_rate of 1 entries per second/,
    provoke: async () => {
      const first = await injectPost('/logs', Array.from({ length: 30 }, () => entry()))
      assert.equal(first.status, 202, JSON.stringify(first.body))
      return injectPost('/log', entry())
    },
  },
  LOG_ERR_TENANT_QUERIES_LIMITED: {
    // max_concurrent_queries: 1: while one query holds the slot, the next waits QUERY_TIMEOUT (20 ms) and is refused.
    setup: 'in-process',
    status: 429,
    message: /max_concurrent_queries \(1\) running and none ended within 20 ms/,
    provoke: async () => {
      let release = () => {}
      const held = app.querySlots.run(DEFAULT_TENANT, () => new Promise<void>((r) => (release = r)))
      try {
        return await inject('/api/services')
      } finally {
        release()
        await held
      }
    },
  },
  LOG_ERR_DELETE_NOT_FOUND: {
    setup: 'in-process',
    status: 404,
    message: /no delete request '00000000-0000-0000-0000-000000000000' in this tenant/,
    provoke: async () => {
      const r = await app.server.inject({ method: 'GET', url: '/api/delete/00000000-0000-0000-0000-000000000000', headers: { authorization: 'Bearer contract-admin-key' } })
      return { status: r.statusCode, headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])), body: r.json() }
    },
  },
  LOG_ERR_BAD_PARAMETER: {
    setup: 'embedded',
    status: 400,
    message: /invalid parameter 'limit'/,
    provoke: () => embedded('/api/logs?limit=lots'),
  },
  LOG_ERR_BAD_QUERY: {
    setup: 'embedded',
    status: 400,
    message: /invalid q: .*(position|column|at )/i,
    provoke: () => embedded(`/api/logs?q=${encodeURIComponent('level:error AND (')}`),
  },
  LOG_ERR_QUERY_TOO_LARGE: {
    // The bound is 1 GiB, a constant (MAX_QUERY_MEMORY_BYTES): a request over it needs millions of
    // groups and gigabytes of RAM. So the pipeline runs on the real engine with a 64 KiB bound,
    // through a route registered on this test's own app, and the answer goes the app's error path.
    setup: 'in-process',
    status: 400,
    message: /needs more than \d+ MiB of memory in the store/,
    provoke: () => inject('/test-only/query-too-large'),
  },
  LOG_ERR_QUERY_TIMEOUT: {
    setup: 'in-process',
    status: 504,
    message: /longer than 20 ms; narrow the time range/,
    provoke: () => inject(`/api/stats?q=${encodeURIComponent('"cache node 5"')}`),
  },
  LOG_ERR_NOT_FOUND: {
    setup: 'embedded',
    status: 404,
    message: /no route GET \/api\/nope/,
    provoke: () => embedded('/api/nope'),
  },
  LOG_ERR_BAD_RULE: {
    setup: 'embedded',
    status: 400,
    message: /group "g", rule 1 \(A\): could not parse expression/,
    provoke: () => embedded('/api/rules', json({ name: 'g', rules: [{ alert: 'A', expr: 'sum(rate({a="b"}[1m])' }] })),
  },
  LOG_ERR_SAVED_SEARCH_NOT_FOUND: {
    setup: 'embedded',
    status: 404,
    message: /no saved search named 'nope'/,
    provoke: () => embedded('/api/saved-searches/nope', { method: 'DELETE' }),
  },
  LOG_ERR_ENTRY_NOT_FOUND: {
    setup: 'embedded',
    status: 404,
    message: /no entry with id '00000000-0000-4000-8000-000000000000'/,
    provoke: () => embedded('/api/logs/00000000-0000-4000-8000-000000000000'),
  },
  LOG_ERR_RULE_NOT_FOUND: {
    setup: 'embedded',
    status: 404,
    message: /no rule group 'nope' in namespace 'default'/,
    provoke: () => embedded('/api/rules/default/nope', { method: 'DELETE' }),
  },
  LOG_ERR_RULE_EXISTS: {
    setup: 'embedded',
    status: 409,
    message: /rule group 'twice' already exists in namespace 'default'/,
    provoke: async () => {
      const group = { name: 'twice', rules: [{ alert: 'A', expr: 'vector(1)' }] }
      await embedded('/api/rules', json(group))
      return embedded('/api/rules', json(group))
    },
  },
  LOG_ERR_REQUEST_TIMEOUT: {
    setup: 'in-process',
    status: 408,
    message: /the request took longer than 1000 ms/,
    provoke: () => requestTimeout(),
  },
  LOG_ERR_DASHBOARD_NOT_BUILT: {
    setup: 'embedded',
    status: 503,
    message: /no \/nonexistent\/dashboard\/index.html/,
    provoke: () => embedded('/'),
  },
  LOG_ERR_INTERNAL: {
    // A bug by definition: no request of the product produces it. A route of this test's own app
    // throws a plain Error; the answer must be the 500 of the catalogue without the error's details.
    setup: 'in-process',
    status: 500,
    message: /internal error: see the server log \(request [\w-]+\)/,
    provoke: async () => {
      const r = await inject('/test-only/boom')
      assert.doesNotMatch(JSON.stringify(r.body), /10\.0\.0\.7/, 'a 500 hides the details')
      return r
    },
  },
  LOG_ERR_ENTRY_TOO_LARGE: {
    setup: 'distributed',
    status: 413,
    message: /\d+ bytes encoded; the bus takes at most 64510 bytes per entry \(NATS max_payload\); nothing was accepted/,
    provoke: () => {
      const attributes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v'.repeat(8_000)]))
      return request(() => ingest.url, '/logs', json([{ ...entry(), attributes }]))
    },
  },
}

async function injectPost(url: string, body: unknown): Promise<Answer> {
  const r = await app.server.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  return { status: r.statusCode, headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])), body: r.json() }
}

async function inject(url: string): Promise<Answer> {
  const r = await app.server.inject({ method: 'GET', url })
  return { status: r.statusCode, headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])), body: r.json() }
}

/**
 * A request that arrives on a kept-alive connection while the server stops: the first request's
 * body is held back, SIGTERM closes the listener, then the body and a second request are sent.
 */
async function shuttingDown(): Promise<Answer> {
  const s = tcp(emb.port, '127.0.0.1')
  let out = ''
  s.on('data', (d) => (out += d.toString()))
  const closed = new Promise((r) => s.once('close', r))
  await new Promise((r) => s.once('connect', r))
  const body = JSON.stringify(entry('during shutdown'))
  const head = (len: number, extra = '') => `POST /log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Forwarded-For: ${client()}\r\n${extra}Content-Length: ${len}\r\n\r\n`
  // Expect: 100-continue makes the server say when it has taken the request in.
  s.write(head(body.length, 'Expect: 100-continue\r\n'))
  await waitFor(async () => out.includes('100 Continue'), 10_000)
  s.write(body.slice(0, 5))
  emb.proc.kill('SIGTERM')
  // The listener is closed once a new connection is refused: the server is stopping.
  await waitFor(async () => {
    try {
      await fetch(`${emb.url}/health`)
      return false
    } catch {
      return true
    }
  }, 10_000)
  s.write(body.slice(5) + head(body.length) + body)
  // The server answers both, then exits: the connection closes.
  let timer: NodeJS.Timeout | undefined
  await Promise.race([closed, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the connection stayed open:\n${out}`)), 20_000)))])
  clearTimeout(timer)
  // The second answer on the connection (the first may be a 202 or a 503 as well).
  const answers = out.split(/(?=HTTP\/1\.1 )/).filter((a) => !a.startsWith('HTTP/1.1 100'))
  assert.equal(answers.length, 2, `two answers on the connection:\n${out}`)
  return parseRaw(answers[1] ?? '')
}

/** Sends `text` on a new connection and parses what the server answers before it closes. */
async function raw(port: number, text: string): Promise<Answer> {
  const s = tcp(port, '127.0.0.1')
  let out = ''
  s.on('data', (d) => (out += d.toString()))
  s.on('error', () => {})
  const closed = new Promise((r) => s.once('close', r))
  s.write(text)
  await closed
  return parseRaw(out)
}

// ---- the runs -----------------------------------------------------------------------------------

test('the table has a case for every code of the catalogue, and no other', () => {
  assert.deepEqual(Object.keys(cases).sort(), [...ERROR_CODES].sort())
})

function check(code: string, c: Case, a: Answer): void {
  const what = `${code}: ${a.status} ${JSON.stringify(a.body)}`
  assert.equal(a.status, c.status, what)
  assert.equal(a.body.status, 'error', what)
  assert.equal(a.body.code, code, what)
  assert.match(a.body.error ?? '', c.message, what)
  const headers = { ...c.headers }
  if (c.status === 429 || c.status === 503) headers['retry-after'] = /^[1-9]\d*$/
  for (const [name, value] of Object.entries(headers)) assert.match(a.headers[name] ?? '(none)', value, `${code}: header ${name}`)
}

/** The cases of one setup, in table order; `last` ones run after the others (they change the server). */
function casesOf(setup: Case['setup'], last: string[] = []): [string, Case][] {
  const all = Object.entries(cases).filter(([, c]) => c.setup === setup)
  return [...all.filter(([k]) => !last.includes(k)), ...last.map((k) => [k, cases[k] as Case] as [string, Case])]
}

describe('embedded server', () => {
  before(async () => {
    emb = await startServer({ env: EMBEDDED_ENV })
  })
  after(async () => {
    await emb.stop('SIGKILL')
    emb.cleanup()
  })
  // Before Fastify has a request (Node's clientError): the same code and JSON shape, the status of the
  // README row (431 for headers too large, 400 for a request that is not HTTP/1.1).
  test('LOG_ERR_BAD_PARAMETER of the request itself: headers over 16 KiB are 431, malformed HTTP is 400', async () => {
    const big = await raw(emb.port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`)
    assert.equal(big.status, 431, JSON.stringify(big))
    assert.equal(big.body.code, 'LOG_ERR_BAD_PARAMETER')
    assert.match(big.body.error ?? '', /request headers are larger than the server accepts/)
    const bad = await raw(emb.port, `GET /health HTTP/1.1\r\nHost x\r\n\r\n`)
    assert.equal(bad.status, 400, JSON.stringify(bad))
    assert.equal(bad.body.code, 'LOG_ERR_BAD_PARAMETER')
    assert.match(bad.body.error ?? '', /malformed HTTP request \(HPE_/)
  })
  for (const [code, c] of casesOf('embedded', ['LOG_ERR_QUEUE_FULL', 'LOG_ERR_SHUTTING_DOWN'])) {
    test(code, async () => check(code, c, await c.provoke()))
  }
})

describe('distributed: ingest and query roles around a real nats-server', () => {
  before(async () => {
    nats = await startNats({ maxPayload: '64KB' })
    const env = { NATS_URL: nats.url, RATE_LIMIT_MAX: '0', TRUSTED_PROXIES: '127.0.0.1' }
    // Nothing listens on this port: the query role cannot reach its ClickHouse.
    ;[ingest, query] = await Promise.all([
      startServer({ roles: 'ingest', env }),
      startServer({ roles: 'query', env: { ...env, CLICKHOUSE_URL: `http://127.0.0.1:${await freePort()}` } }),
    ])
  })
  after(async () => {
    await Promise.all([ingest?.stop('SIGKILL'), query?.stop('SIGKILL')])
    ingest?.cleanup()
    query?.cleanup()
    await nats?.stop()
  })
  // The bus outage last: it kills nats-server.
  for (const [code, c] of casesOf('distributed', ['LOG_ERR_BUS_UNAVAILABLE'])) {
    test(code, async () => check(code, c, await c.provoke()))
  }
})

describe('in-process app (createApp) on the real engine', () => {
  before(async () => {
    const keysFile = join(appDir, 'keys.yaml')
    mkdirSync(appDir, { recursive: true })
    writeFileSync(keysFile, 'keys:\n  - { name: contract-admin, key: contract-admin-key, scopes: [admin] }\ntenants:\n  default: { daily_bytes: 2000, ingest_rate: 1, ingest_burst: 1, max_concurrent_queries: 1 }\n')
    app = await createApp(loadConfig('all', { API_KEYS_FILE: keysFile, DATA_DIR: appDir, QUERY_TIMEOUT: '20ms', REQUEST_TIMEOUT: '1s', HTTP_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '0', WEB_DIR: join(appDir, 'no-dashboard') }))
    const store = app.store as Store
    // Enough rows that a phrase search over all of them takes well over 20 ms on any machine.
    await store.sql(
      `INSERT INTO oglogstream.logs (timestamp, level, service, message)
       SELECT toDateTime64('2026-01-01 00:00:00', 9, 'UTC') + toIntervalMillisecond(number), 'info', 'load',
              concat('request ', toString(number), ' served from cache node ', toString(number % 97))
       FROM numbers(3000000)`,
    )
    app.server.get('/test-only/boom', async () => {
      throw new Error('secret detail of the store at 10.0.0.7')
    })
    app.server.get('/test-only/query-too-large', async () => {
      const pl = parseQuery('| stats count_uniq(message) as u by (message)')
      // This app's QUERY_TIMEOUT is 20 ms (for the timeout case): the memory bound must be what stops it.
      return runPipeline({ ...store.queryContext(DEFAULT_TENANT), timeoutMs: 60_000 }, {}, pl, 100, 64 * 1024)
    })
    await app.listen()
  })
  after(async () => {
    await app?.stop()
    rmSync(appDir, { recursive: true, force: true })
  })
  for (const [code, c] of casesOf('in-process')) {
    test(code, async () => check(code, c, await c.provoke()))
  }
})
