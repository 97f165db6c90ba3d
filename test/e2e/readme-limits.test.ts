// Issue 20: README limits and configuration rows that no other suite provoked, each by a real request:
// attribute caps, MAX_BATCH_BYTES counted after gzip decompression, REQUEST_TIMEOUT answered 408 on the
// wire, a 500 whose request id leads to the details in the server log, RETENTION_DAYS dropping old rows,
// NATS_MAX_BYTES answering 429, /health degraded with store_status, and the NATS settings reaching the
// server. (test/docs/guarantees.test.ts maps README lines to these tests by name.)
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect as tcp } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { pino } from 'pino'
import WebSocket from 'ws'
import { connect } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import { createApp, type App } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import type { Store } from '../../server/src/store/index.ts'
import { LIMITS } from '../../server/src/model/entry.ts'
import { startServer, waitFor, type RunningServer } from '../helpers/server.ts'
import { freePort, startNats, type NatsSetup } from '../helpers/nats.ts'

interface Answer {
  status: number
  headers: Headers
  body: { status?: string; code?: string; error?: string; [k: string]: unknown }
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  })
  const text = await res.text()
  let parsed: Answer['body']
  try {
    parsed = JSON.parse(text) as Answer['body']
  } catch {
    parsed = { error: text }
  }
  return { status: res.status, headers: res.headers, body: parsed }
}

const entry = (service: string, message = 'm') => ({ level: 'info', service, message })

describe('embedded server (the CLI)', () => {
  let srv: RunningServer
  before(async () => {
    srv = await startServer({ env: { RATE_LIMIT_MAX: '0', MAX_BATCH_BYTES: '64KiB' } })
  })
  after(async () => {
    await srv?.stop('SIGKILL')
    srv?.cleanup()
  })

  test('attribute caps: POST /log refuses more than 128 keys, a key over 256 characters and a value over 8 KiB, naming the limit; at the caps it is taken', async () => {
    assert.deepEqual([LIMITS.ATTRIBUTES, LIMITS.ATTRIBUTE_KEY_CHARS, LIMITS.ATTRIBUTE_VALUE_BYTES], [128, 256, 8192])
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))
    const cases: [Record<string, string>, RegExp][] = [
      [keys(129), /more than 128 keys/],
      [{ ['k'.repeat(257)]: 'v' }, /longer than 256 characters/],
      [{ big: 'é'.repeat(4097) }, /attributes\.big is longer than 8192 bytes/],
    ]
    for (const [attributes, message] of cases) {
      const r = await post(`${srv.url}/log`, JSON.stringify({ ...entry('attr-caps'), attributes }))
      assert.equal(r.status, 400, JSON.stringify(r.body))
      assert.equal(r.body.code, 'LOG_ERR_VALIDATION')
      assert.match(r.body.error ?? '', message)
    }
    const atCaps = { ...keys(127), ['k'.repeat(256)]: 'é'.repeat(4096) }
    const ok = await post(`${srv.url}/log`, JSON.stringify({ ...entry('attr-caps', 'at the caps'), attributes: atCaps }))
    assert.equal(ok.status, 202, JSON.stringify(ok.body))
    const [stored] = await waitFor(async () => {
      const rows = (await (await fetch(`${srv.url}/api/logs?service=attr-caps`)).json()) as { attributes: Record<string, string> }[]
      return rows.length === 1 ? rows : undefined
    })
    assert.equal(Object.keys(stored?.attributes ?? {}).length, 128)
    assert.equal(stored?.attributes['k'.repeat(256)], 'é'.repeat(4096))
  })

  test('attribute caps in shipper protocols: an Elasticsearch document keeps its first 128 fields, values clipped to 8 KiB', async () => {
    const doc: Record<string, unknown> = { message: 'wide document', 'service.name': 'attr-caps-es', 'log.level': 'info' }
    for (let i = 0; i < 200; i++) doc[`f${String(i).padStart(3, '0')}`] = i === 0 ? 'x'.repeat(20_000) : `v${i}`
    const body = `${JSON.stringify({ create: {} })}\n${JSON.stringify(doc)}\n`
    const r = await post(`${srv.url}/es/_bulk`, body, { 'content-type': 'application/x-ndjson' })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body.errors, false, JSON.stringify(r.body))
    const [stored] = await waitFor(async () => {
      const rows = (await (await fetch(`${srv.url}/api/logs?service=attr-caps-es`)).json()) as { attributes: Record<string, string> }[]
      return rows.length === 1 ? rows : undefined
    })
    const attrs = stored?.attributes ?? {}
    assert.equal(Object.keys(attrs).length, 128)
    assert.equal(attrs.f000?.length, 8192)
    assert.equal(attrs.f127, 'v127')
    assert.equal(attrs.f128, undefined, 'the 129th field is dropped')
  })

  test('MAX_BATCH_BYTES counts the body after gzip decompression: a small gzip body that inflates past it is a 413, in POST /logs and a shipper endpoint', async () => {
    const limit = 64 * 1024
    const ndjson = (bytes: number, service: string) => {
      const line = JSON.stringify(entry(service, 'z'.repeat(900))) + '\n'
      return line.repeat(Math.ceil(bytes / line.length))
    }
    const over = ndjson(limit * 4, 'gzip-limit')
    const bomb = gzipSync(over)
    assert.ok(bomb.length < limit / 8, `the compressed body (${bomb.length} B) is far under the limit`)
    const big = await post(`${srv.url}/logs`, bomb, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' })
    assert.equal(big.status, 413, JSON.stringify(big.body))
    assert.equal(big.body.code, 'LOG_ERR_BODY_TOO_LARGE')
    assert.match(big.body.error ?? '', /65536 bytes/)
    // The Loki push endpoint: the same bound, in its own error shape.
    const loki = JSON.stringify({
      streams: [
        {
          stream: { service: 'gzip-limit' },
          values: Array.from({ length: 300 }, (_, i) => [String(Date.now() * 1e6 + i), 'y'.repeat(900)]),
        },
      ],
    })
    const lokiAnswer = await post(`${srv.url}/loki/api/v1/push`, gzipSync(loki), { 'content-encoding': 'gzip' })
    assert.equal(lokiAnswer.status, 413, JSON.stringify(lokiAnswer.body))
    // Under the limit once inflated: taken.
    const under = ndjson(limit / 2, 'gzip-limit-ok')
    const ok = await post(`${srv.url}/logs`, gzipSync(under), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' })
    assert.equal(ok.status, 202, JSON.stringify(ok.body))
    const stats = await waitFor(async () => {
      const s = (await (await fetch(`${srv.url}/api/stats?service=gzip-limit,gzip-limit-ok`)).json()) as {
        total_logs: number
        logs_by_service: Record<string, number>
      }
      return s.total_logs === under.split('\n').length - 1 ? s : undefined
    })
    assert.deepEqual(stats.logs_by_service, { 'gzip-limit-ok': under.split('\n').length - 1 }, 'nothing of the refused bodies was stored')
  })
  test('GET /api/rejected takes limit up to 1000 and at most 1000 ids; a replay takes limit up to 10,000: beyond, 400 naming the parameter', async () => {
    const id = (i: number) => i.toString(16).padStart(32, '0')
    const bad: [string, RequestInit | undefined, RegExp][] = [
      ['/api/rejected?limit=1001', undefined, /'limit'/],
      // 1000 ids do not fit in a URL (Node's 16 KiB of headers): the replay's JSON body carries them.
      [
        '/api/rejected/replay',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ids: Array.from({ length: 1001 }, (_, i) => id(i)) }),
        },
        /'ids'.*at most 1000 ids/,
      ],
      [
        '/api/rejected/replay',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limit: 10_001 }) },
        /'limit'/,
      ],
    ]
    for (const [path, init, message] of bad) {
      const res = await fetch(`${srv.url}${path}`, init)
      const body = (await res.json()) as Answer['body']
      assert.equal(res.status, 400, `${path.slice(0, 60)}: ${JSON.stringify(body)}`)
      assert.equal(body.code, 'LOG_ERR_BAD_PARAMETER')
      assert.match(body.error ?? '', message)
    }
    const ok: [string, RequestInit | undefined, number][] = [
      ['/api/rejected?limit=1000', undefined, 200],
      [
        '/api/rejected/replay',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ids: Array.from({ length: 1000 }, (_, i) => id(i)) }),
        },
        202,
      ],
      [
        '/api/rejected/replay',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limit: 10_000 }) },
        202,
      ],
    ]
    for (const [path, init, status] of ok) assert.equal((await fetch(`${srv.url}${path}`, init)).status, status, path)
  })

  test('live tail: a client message over 64 KiB closes the connection with 1009; one under it does not', async () => {
    const open = async () => {
      const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/live`)
      await new Promise((resolve, reject) => {
        ws.once('open', resolve)
        ws.once('error', reject)
      })
      return ws
    }
    const small = await open()
    small.send('x'.repeat(64 * 1024))
    // The server still answers this connection: a ping comes back as a pong.
    await new Promise<void>((resolve, reject) => {
      small.once('pong', () => resolve())
      small.once('close', (code) => reject(new Error(`closed with ${code}`)))
      small.ping()
    })
    small.close()
    const big = await open()
    const code = await new Promise<number>((resolve) => {
      big.once('close', (c) => resolve(c))
      big.send('x'.repeat(64 * 1024 + 1))
    })
    assert.equal(code, 1009)
  })
})

describe('in-process app (createApp) on the real engine', () => {
  let app: App
  const dir = mkdtempSync(join(tmpdir(), 'ogls-limits-'))
  const logLines: string[] = []
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean))
        done()
      },
    })
    const config = loadConfig('all', {
      DATA_DIR: dir,
      RETENTION_DAYS: '1',
      REQUEST_TIMEOUT: '2s',
      HTTP_PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMIT_MAX: '0',
      FLUSH_TIMEOUT: '100ms',
      WEB_DIR: join(dir, 'none'),
    })
    app = await createApp(config, pino({ level: 'info' }, sink))
    app.server.get('/test-only/boom', async () => {
      throw new Error('secret detail of the store at 10.0.0.7')
    })
    await app.listen()
  })
  after(async () => {
    await app?.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const base = () => `http://127.0.0.1:${(app.server.server.address() as { port: number }).port}`

  test('RETENTION_DAYS: the table TTL drops rows older than that many days and keeps the newer ones', async () => {
    const store = app.store as Store
    const ddl = JSON.stringify(await store.sql('SHOW CREATE TABLE oglogstream.logs'))
    assert.match(ddl, /TTL toDateTime\(timestamp\) \+ toIntervalDay\(1\)/)
    // The engine may run a TTL merge as soon as the part lands: held until both rows were seen stored.
    // Store.sql runs queries (it adds a FORMAT); SYSTEM commands go through its client's command().
    const command = (query: string) =>
      (store as unknown as { sc: { client: { command(o: { query: string }): Promise<unknown> } } }).sc.client.command({ query })
    await command('SYSTEM STOP TTL MERGES oglogstream.logs')
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString()
    const body = [{ ...entry('retention', 'three days old'), timestamp: old }, { ...entry('retention', 'fresh') }]
    assert.equal((await post(`${base()}/logs`, JSON.stringify(body))).status, 202)
    await waitFor(async () => {
      const s = (await (await fetch(`${base()}/api/stats?service=retention&from=now-30d`)).json()) as { total_logs: number }
      return s.total_logs === 2
    })
    // The engine applies TTLs when it merges; a final merge makes it happen now.
    await command('SYSTEM START TTL MERGES oglogstream.logs')
    await command('OPTIMIZE TABLE oglogstream.logs FINAL')
    const rows = (await (await fetch(`${base()}/api/logs?service=retention&from=now-30d`)).json()) as { message: string }[]
    assert.deepEqual(
      rows.map((r) => r.message),
      ['fresh'],
    )
  })

  test("408: a request whose body stalls past REQUEST_TIMEOUT is answered 408 LOG_ERR_REQUEST_TIMEOUT on the wire, not after Node's 30 s sweep", async () => {
    const { port } = app.server.server.address() as { port: number }
    const s = tcp(port, '127.0.0.1')
    let out = ''
    s.on('data', (d) => (out += d.toString()))
    const closed = new Promise<void>((r) => s.once('close', () => r()))
    await new Promise((r) => s.once('connect', r))
    const t0 = Date.now()
    s.write('POST /log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"level":')
    // REQUEST_TIMEOUT is 2 s; Node's default sweep (30 s) and headersTimeout (60 s) would leave it far longer.
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        closed,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within 12 s: ${out}`)), 12_000))),
      ])
    } finally {
      clearTimeout(timer)
      s.destroy() // a failed run must not leave the app's stop waiting on this socket
    }
    const elapsed = Date.now() - t0
    assert.match(out, /^HTTP\/1\.1 408 /)
    const json = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as Answer['body']
    assert.equal(json.code, 'LOG_ERR_REQUEST_TIMEOUT')
    assert.match(json.error ?? '', /longer than 2000 ms/)
    assert.ok(elapsed >= 1_900, `answered after ${elapsed} ms, not before REQUEST_TIMEOUT`)
  })

  test('500: a bug is answered LOG_ERR_INTERNAL with only the code and the request id; the server log has the details under that id', async () => {
    const res = await fetch(`${base()}/test-only/boom`)
    const body = (await res.json()) as Answer['body']
    assert.equal(res.status, 500)
    assert.equal(body.code, 'LOG_ERR_INTERNAL')
    assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'status'])
    assert.doesNotMatch(JSON.stringify(body), /10\.0\.0\.7|secret/)
    const id = /\(request ([\w-]+)\)/.exec(body.error ?? '')?.[1]
    assert.ok(id, `the message names the request id: ${body.error}`)
    const line = await waitFor(async () => logLines.find((l) => l.includes(id) && l.includes('secret detail of the store at 10.0.0.7')))
    assert.equal((JSON.parse(line) as { level: number }).level >= 50, true, `logged as an error: ${line}`)
  })
})

describe('distributed: an ingest and a query role around a real nats-server', () => {
  let nats: NatsSetup
  let ingest: RunningServer
  let query: RunningServer
  const STREAM = 'LIMITS'
  before(async () => {
    nats = await startNats()
    const env = { NATS_URL: nats.url, NATS_STREAM: STREAM, RATE_LIMIT_MAX: '0', NATS_MAX_BYTES: '64KiB', NATS_DUPLICATE_WINDOW: '30s' }
    ingest = await startServer({ roles: 'ingest', env })
    // Nothing listens on this port: the query role's ClickHouse is unreachable.
    query = await startServer({ roles: 'query', env: { ...env, CLICKHOUSE_URL: `http://127.0.0.1:${await freePort()}` } })
  })
  after(async () => {
    await Promise.all([ingest?.stop('SIGKILL'), query?.stop('SIGKILL')])
    ingest?.cleanup()
    query?.cleanup()
    await nats?.stop()
  })

  async function streamInfo() {
    const nc = await connect({ servers: nats.url.split(','), timeout: 5_000 })
    try {
      const jsm = await jetstreamManager(nc, { timeout: 5_000 })
      return await jsm.streams.info(STREAM)
    } finally {
      await nc.close()
    }
  }

  test('NATS_STREAM, NATS_MAX_BYTES and NATS_DUPLICATE_WINDOW reach the stream the ingest role provisions', async () => {
    const info = await streamInfo()
    assert.equal(info.config.name, STREAM)
    assert.deepEqual(info.config.subjects, ['limits.entries'])
    assert.equal(info.config.max_bytes, 64 * 1024)
    assert.equal(info.config.duplicate_window, 30_000_000_000)
    assert.equal(info.config.discard, 'new')
  })

  test('NATS_MAX_BYTES: with no worker the stream fills, then ingest answers 429 LOG_ERR_QUEUE_FULL with Retry-After and takes nothing of that request', async () => {
    const bulk = (n: number) =>
      JSON.stringify(Array.from({ length: 20 }, (_, i) => entry('nats-full', `bulk ${n} entry ${i} ${'x'.repeat(300)}`)))
    let full: Answer | undefined
    let accepted = 0
    for (let n = 0; n < 100 && !full; n++) {
      const r = await post(`${ingest.url}/logs`, bulk(n))
      if (r.status === 202) accepted++
      else full = r
    }
    assert.ok(full, 'the stream never filled')
    assert.ok(accepted > 0, 'entries were accepted before the limit')
    assert.equal(full.status, 429, JSON.stringify(full.body))
    assert.equal(full.body.code, 'LOG_ERR_QUEUE_FULL')
    assert.match(full.headers.get('retry-after') ?? '', /^[1-9]\d*$/)
    const before = await streamInfo()
    const again = await post(`${ingest.url}/logs`, bulk(1000))
    assert.equal(again.status, 429)
    const afterInfo = await streamInfo()
    assert.equal(afterInfo.state.messages, before.state.messages, 'a refused request stored nothing')
    assert.ok(afterInfo.state.bytes <= 64 * 1024)
  })

  test('a worker started later: NATS_MAX_ACK_PENDING and NATS_ACK_WAIT reach the durable consumer, it drains the full stream, and ingest accepts again', async () => {
    const worker = await startServer({
      roles: 'process',
      env: {
        NATS_URL: nats.url,
        NATS_STREAM: STREAM,
        NATS_MAX_BYTES: '64KiB',
        NATS_DUPLICATE_WINDOW: '30s',
        NATS_MAX_ACK_PENDING: '7',
        NATS_ACK_WAIT: '9s',
      },
    })
    try {
      const nc = await connect({ servers: nats.url.split(','), timeout: 5_000 })
      try {
        const jsm = await jetstreamManager(nc, { timeout: 5_000 })
        const consumers = await jsm.consumers.list(STREAM).next()
        assert.equal(consumers.length, 1)
        assert.equal(consumers[0]?.config.max_ack_pending, 7)
        assert.equal(consumers[0]?.config.ack_wait, 9_000_000_000)
      } finally {
        await nc.close()
      }
      // The work-queue stream empties as the worker stores and acks: room again.
      await waitFor(async () => (await streamInfo()).state.messages === 0, 30_000)
      const r = await post(`${ingest.url}/log`, JSON.stringify(entry('nats-full', 'after the drain')))
      assert.equal(r.status, 202, JSON.stringify(r.body))
    } finally {
      await worker.stop('SIGKILL')
      worker.cleanup()
    }
  })

  test('/health degraded: a query instance whose ClickHouse is unreachable answers 503 with store_status UNAVAILABLE', async () => {
    const res = await fetch(`${query.url}/health`)
    const body = (await res.json()) as { status: string; store_status?: string; nats_status: string }
    assert.equal(res.status, 503)
    assert.equal(body.status, 'degraded')
    assert.equal(body.store_status, 'UNAVAILABLE')
    assert.equal(body.nats_status, 'CONNECTED')
    // The ingest instance beside it, which uses no store, is healthy and has no store_status.
    const ok = (await (await fetch(`${ingest.url}/health`)).json()) as { status: string; store_status?: string }
    assert.equal(ok.status, 'ok')
    assert.equal(ok.store_status, undefined)
  })

  // Last: it stops the nats-server (and starts it again).
  test('during a NATS outage a query instance answers /health 503 (degraded, nats_status not CONNECTED, store_status CONNECTED) while stored logs still answer; 200 again after NATS is back', async () => {
    const store = await startServer({ roles: 'process,query', env: { NATS_URL: nats.url, NATS_STREAM: 'OUTAGE', RATE_LIMIT_MAX: '0' } })
    type Health = { status: string; nats_status: string; store_status?: string }
    const health = async () => {
      const res = await fetch(`${store.url}/health`)
      return { code: res.status, body: (await res.json()) as Health }
    }
    try {
      assert.deepEqual((await health()).code, 200)
      const server = nats.servers[0] as NatsSetup['servers'][0]
      await server.kill('SIGKILL')
      const down = await waitFor(async () => {
        const h = await health()
        return h.code === 503 ? h : undefined
      }, 30_000)
      assert.equal(down.body.status, 'degraded')
      assert.notEqual(down.body.nats_status, 'CONNECTED')
      assert.equal(down.body.store_status, 'CONNECTED', 'the store is fine: only NATS is out')
      // The query-only instance says the same about NATS.
      const q = (await (await fetch(`${query.url}/health`)).json()) as Health
      assert.notEqual(q.nats_status, 'CONNECTED')
      // The store could still be queried (the README's point: HAProxy takes the instance out anyway).
      const logs = await fetch(`${store.url}/api/logs?service=nats-outage`)
      assert.equal(logs.status, 200, await logs.text())
      await server.start()
      const up = await waitFor(async () => {
        const h = await health()
        return h.code === 200 ? h : undefined
      }, 30_000)
      assert.equal(up.body.status, 'ok')
      assert.equal(up.body.nats_status, 'CONNECTED')
    } finally {
      await store.stop('SIGKILL')
      store.cleanup()
    }
  })
})
