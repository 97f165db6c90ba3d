// Requests against a real nats-server with a small max_payload (64 KiB), through the ingest role's
// HTTP routes: an entry larger than one bus message is a 413 naming the limit (and spoils no other
// request of its group); a request that spans several messages and fails part-way (the stream's
// max_bytes hit on a later part, or nats-server killed mid-request and restarted) is stored exactly
// once after the client's retries; byte-identical
// requests sent after a 202, or with different Idempotency-Keys, are each stored.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { connect } from '@nats-io/transport-node'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { startNats, type NatsSetup } from '../../../test/helpers/nats.ts'
import { createApp, type App } from '../app.ts'
import { loadConfig } from '../config.ts'
import type { Entry } from '../model/index.ts'
import { BusUnavailableError } from './bus.ts'
import { RequestRecords } from './nats/requests.ts'
import { openTransport, type Transport } from './transport.ts'

const log = pino({ level: 'silent' })
let nats: NatsSetup
before(async () => {
  nats = await startNats({ maxPayload: '64KB' })
})
after(async () => {
  await nats.stop()
})

const env = (stream: string, extra: Record<string, string> = {}) => ({
  NATS_URL: nats.url,
  NATS_STREAM: stream,
  NATS_ACK_WAIT: '5s',
  NATS_MAX_BYTES: '64MiB', // the server reserves each stream's limit in its 4 GB store
  RATE_LIMIT_MAX: '0',
  LOG_LEVEL: 'silent',
  ...extra,
})

async function ingest(stream: string, extra: Record<string, string> = {}): Promise<App> {
  return createApp(loadConfig('ingest', env(stream, extra)), log)
}

/** Fetches and acks every message until none came for a while; returns their entries. */
async function drain(t: Transport): Promise<Entry[][]> {
  const q = t.workQueue
  assert.ok(q)
  const out: Entry[][] = []
  for (let idle = 0; idle < 3;) {
    const got = await q.fetch(100, 500)
    if (got.length === 0) idle++
    else idle = 0
    for (const m of got) {
      out.push(m.entries)
      m.ack()
    }
  }
  return out
}

/** NDJSON of `n` entries of about 1 KiB each, without timestamps (stamped at receive time). */
function body(n: number, tag: string): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ level: 'info', service: 'split', message: `${tag}-${i} ${'x'.repeat(1_000)}` })).join('\n')
}

const post = (app: App, payload: string, headers: Record<string, string> = {}) =>
  app.server.inject({ method: 'POST', url: '/logs', payload, headers: { 'content-type': 'application/x-ndjson', ...headers } })

/** Asserts that every message `${tag}-0..n-1` was stored exactly once. */
function assertOnce(batches: Entry[][], tag: string, n: number, copies = 1): void {
  const counts = new Map<string, number>()
  for (const e of batches.flat()) {
    const id = e.message.split(' ')[0] as string
    if (id.startsWith(`${tag}-`)) counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  const wrong = Array.from({ length: n }, (_, i) => `${tag}-${i}`).filter((id) => counts.get(id) !== copies)
  assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${n} entries not stored exactly ${copies}x (e.g. ${wrong[0]}: ${counts.get(wrong[0] ?? '')})`)
  assert.equal(counts.size, n)
}

test('an entry larger than one bus message is a 413 naming the limit; a small request beside it is stored', async () => {
  const app = await ingest('S1')
  const proc = await openTransport(loadConfig('process', env('S1', { DATA_DIR: '/nonexistent' })), log)
  try {
    const big = { level: 'info', service: 'split', message: 'big', attributes: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v'.repeat(8_000)])) }
    const [r, small] = await Promise.all([
      app.server.inject({ method: 'POST', url: '/logs', payload: [big, { level: 'info', service: 'split', message: 'beside' }] }),
      app.server.inject({ method: 'POST', url: '/logs', payload: [{ level: 'info', service: 'split', message: 'innocent' }] }),
    ])
    assert.equal(r.statusCode, 413, r.body)
    const err = r.json() as { code: string; error: string }
    assert.equal(err.code, 'LOG_ERR_ENTRY_TOO_LARGE')
    assert.match(err.error, /\d+ bytes encoded; the bus takes at most 64510 bytes per entry \(NATS max_payload\)/)
    assert.equal(small.statusCode, 202, small.body)
    const stored = (await drain(proc)).flat().map((e) => e.message)
    assert.deepEqual(stored, ['innocent'], 'nothing of the refused request was stored')
  } finally {
    await app.stop()
    await proc.close()
  }
})

test('a request over several messages that fails part-way is stored exactly once after the retry', async () => {
  // Room for about two 64 KiB parts: the third part of a 4-part request hits the stream's limit.
  const app = await ingest('S2', { NATS_MAX_BYTES: '140KiB' })
  const proc = await openTransport(loadConfig('process', env('S2', { NATS_MAX_BYTES: '140KiB', DATA_DIR: '/nonexistent' })), log)
  try {
    const payload = body(200, 'r')
    const first = await post(app, payload)
    assert.equal(first.statusCode, 429, first.body)
    assert.equal(first.headers['retry-after'], '1')
    const partial = await drain(proc)
    assert.ok(partial.length >= 1, 'the first parts were stored before the limit was hit')
    assert.ok(partial.flat().length < 200)
    const retry = await post(app, payload)
    assert.equal(retry.statusCode, 202, retry.body)
    const rest = await drain(proc)
    assertOnce([...partial, ...rest], 'r', 200)
    assert.ok(rest.every((m) => JSON.stringify(m).length < 64 * 1024), 'every message within max_payload')
  } finally {
    await app.stop()
    await proc.close()
  }
})

test('byte-identical requests after a 202, or with different Idempotency-Keys, are each stored', async () => {
  const app = await ingest('S3')
  const proc = await openTransport(loadConfig('process', env('S3', { DATA_DIR: '/nonexistent' })), log)
  try {
    const payload = body(150, 'd')
    const sends: Record<string, string>[] = [{}, {}, { 'idempotency-key': 'a' }, { 'idempotency-key': 'b' }]
    for (const headers of sends) {
      const r = await post(app, payload, headers)
      assert.equal(r.statusCode, 202, r.body)
    }
    const batches = await drain(proc)
    assert.ok(batches.length >= 12, `split into messages (${batches.length})`)
    assertOnce(batches, 'd', 150, 4)
  } finally {
    await app.stop()
    await proc.close()
  }
})

test('nats-server killed in the middle of a multi-message request: after a restart, the retries store it exactly once', async (t) => {
  const app = await ingest('S4')
  const watcher = await connect({ servers: nats.url })
  const jsm = await jetstreamManager(watcher)
  let proc: Transport | undefined
  try {
    const n = 3_000 // about 50 parts of 64 KiB
    const payload = body(n, 'k')
    const sent = post(app, payload)
    // Kill as soon as a few parts are in the stream.
    for (let i = 0; i < 5_000; i++) {
      const info = await jsm.streams.info('S4').catch(() => undefined)
      if (info && info.state.messages >= 3) break
      await new Promise((r) => setTimeout(r, 2))
    }
    await nats.servers[0]?.kill('SIGKILL')
    const first = await sent
    assert.equal(first.statusCode, 503, first.body)
    await watcher.close().catch(() => {})
    await nats.servers[0]?.start()
    // The client retries with backoff: 503 while NATS comes back (and the killed attempt's lease runs out).
    const statuses: number[] = []
    for (let i = 0; i < 60; i++) {
      const r = await post(app, payload)
      statuses.push(r.statusCode)
      if (r.statusCode === 202) break
      assert.equal(r.statusCode, 503, r.body)
      await new Promise((r) => setTimeout(r, 500))
    }
    assert.equal(statuses.at(-1), 202, `retries answered ${statuses.join(',')}`)
    proc = await openTransport(loadConfig('process', env('S4', { DATA_DIR: '/nonexistent' })), log)
    const batches = await drain(proc)
    t.diagnostic(`retries answered ${statuses.join(',')}; ${batches.length} messages stored`)
    assertOnce(batches, 'k', n)
  } finally {
    await watcher.close().catch(() => {})
    await app.stop()
    await proc?.close()
  }
})

test('the request record: a second attempt under the same key is refused while the first holds it; a failed one is resumed; a done one is forgotten', async () => {
  const t = await openTransport(loadConfig('ingest', env('S5')), log) // provisions S5_REQUESTS
  const nc = await connect({ servers: nats.url })
  try {
    const records = new RequestRecords(jetstream(nc), await jetstreamManager(nc), 'S5_REQUESTS', 's5.requests')
    const a = await records.begin('key1')
    assert.equal(a.from, 0)
    await assert.rejects(records.begin('key1'), (err: Error) => err instanceof BusUnavailableError && /being stored/.test(err.message))
    const other = await records.begin('key2') // another request is not held up
    await other.done()
    await a.progress(40)
    await a.failed()
    const b = await records.begin('key1')
    assert.deepEqual([b.nonce, b.from], [a.nonce, 40], 'the retry resumes with the same nonce after entry 40')
    await b.done()
    const c = await records.begin('key1')
    assert.notEqual(c.nonce, a.nonce, 'after a success the same key is a new request')
    assert.equal(c.from, 0)
    await c.done()
  } finally {
    await nc.close()
    await t.close()
  }
})
