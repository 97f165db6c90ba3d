// The NATS transport against a real nats-server (JetStream on a temporary store): publish/fetch/ack, redelivery
// after nak, two workers sharing the consumer, 503 while NATS is down, and no duplicate rows when a
// batch that landed is redelivered and regrouped.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { connect } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import { startNats, type NatsSetup } from '../../../test/helpers/nats.ts'
import { loadConfig } from '../config.ts'
import { ProcessMetrics } from '../process/index.ts'
import type { Entry } from '../model/index.ts'
import { Worker } from '../process/worker.ts'
import { Store } from '../store/index.ts'
import { BusUnavailableError, type Publisher, type WorkMessage, type WorkQueue } from './bus.ts'
import { openTransport, type Transport } from './transport.ts'

const log = pino({ level: 'silent' })
let nats: NatsSetup
const dir = mkdtempSync(join(tmpdir(), 'ogls-natsbus-'))
before(async () => {
  nats = await startNats()
})
after(async () => {
  await nats.stop()
  rmSync(dir, { recursive: true, force: true })
})

const entry = (svc: string, i: number): Entry => ({
  timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000000Z`,
  level: 'info',
  service: svc,
  message: `m${i}`,
  attributes: { i: String(i) },
  trace_id: '',
  span_id: '',
})

function config(roles: string, stream: string, env: Record<string, string> = {}) {
  return loadConfig(roles, {
    NATS_URL: nats.url,
    NATS_STREAM: stream,
    NATS_ACK_WAIT: '2s',
    NATS_MAX_BYTES: '64MiB',
    DATA_DIR: join(dir, stream),
    ...env,
  })
}

async function bus(roles: string, stream: string, env: Record<string, string> = {}): Promise<Transport> {
  return openTransport(config(roles, stream, env), log)
}
/** The role parts (present for the roles the transport was opened with). */
const pub = (t: Transport) => t.publisher as Publisher
const queue = (t: Transport) => t.workQueue as WorkQueue

/** Fetches until `n` messages arrived (or 15 s passed). */
async function fetchN(b: Transport, n: number): Promise<WorkMessage[]> {
  const got: WorkMessage[] = []
  const end = Date.now() + 15_000
  while (got.length < n && Date.now() < end) got.push(...(await queue(b).fetch(n - got.length, 500)))
  return got
}

test('publish resolves after the stream has it; fetch delivers each message once; ack removes it', async () => {
  const ingest = await bus('ingest', 'T1')
  const proc = await bus('process', 'T1')
  try {
    await pub(ingest).publish([entry('a', 1), entry('a', 2)])
    await pub(ingest).publish([entry('a', 3)])
    const got = await fetchN(proc, 2)
    assert.equal(got.length, 2)
    assert.deepEqual(
      got.flatMap((m) => m.entries.map((e) => e.message)),
      ['m1', 'm2', 'm3'],
    )
    assert.deepEqual(
      got.map((m) => m.id),
      ['1', '2'],
    )
    assert.ok(got.every((m) => !m.redelivered))
    await Promise.all(got.map((m) => m.ack()))
    assert.deepEqual(await queue(proc).fetch(10, 2_500), [], 'acked messages are not delivered again')
    assert.equal(ingest.status(), 'CONNECTED')
  } finally {
    await ingest.close()
    await proc.close()
  }
})

test('a nak(delay) hands the message back: redelivered with the same id', async () => {
  const ingest = await bus('ingest', 'T2')
  const proc = await bus('process', 'T2')
  try {
    await pub(ingest).publish([entry('b', 1)])
    const [first] = await fetchN(proc, 1)
    assert.ok(first)
    first.nak(200)
    const [again] = await fetchN(proc, 1)
    assert.ok(again)
    assert.equal(again.id, first.id)
    assert.equal(again.redelivered, true)
    assert.equal(again.entries[0]?.message, 'm1')
    await again.ack()
  } finally {
    await ingest.close()
    await proc.close()
  }
})

test('two workers share the durable consumer: every message goes to exactly one of them', async () => {
  const ingest = await bus('ingest', 'T3')
  const w1 = await bus('process', 'T3')
  const w2 = await bus('process', 'T3')
  try {
    // More than one worker pulls ahead (512), so both must get some.
    const n = 1_500
    for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => pub(ingest).publish([entry('c', i + j)])))
    const seen: string[] = []
    const by = [0, 0]
    const end = Date.now() + 20_000
    while (seen.length < n && Date.now() < end) {
      const [a, b] = await Promise.all([queue(w1).fetch(50, 300), queue(w2).fetch(50, 300)])
      for (const m of a) {
        seen.push(m.id)
        by[0] = (by[0] ?? 0) + 1
        void m.ack()
      }
      for (const m of b) {
        seen.push(m.id)
        by[1] = (by[1] ?? 0) + 1
        void m.ack()
      }
    }
    assert.equal(seen.length, n)
    assert.equal(new Set(seen).size, n, 'no message delivered to both')
    assert.ok((by[0] ?? 0) > 0 && (by[1] ?? 0) > 0, `both workers got messages: ${by}`)
  } finally {
    await ingest.close()
    await w1.close()
    await w2.close()
  }
})

test('a batch that landed but was never acked is stored once after redelivery, even regrouped', async () => {
  const store = await Store.open(config('process', 'T4'))
  await store.migrate(0)
  const count = async () => Number((await store.sql<{ c: string }>("SELECT count() AS c FROM oglogstream.logs WHERE service = 'd'"))[0]?.c)
  const ingest = await bus('ingest', 'T4')
  const crashed = await bus('process', 'T4')
  try {
    for (let i = 0; i < 5; i++) await pub(ingest).publish([entry('d', i)])
    // A worker records and inserts a batch of 3, then dies before acking (no ack, no nak).
    const batch = await fetchN(crashed, 3)
    assert.equal(batch.length, 3)
    await queue(crashed).ledger.record({ token: 'crashed-batch-token', ids: batch.map((m) => m.id) })
    await store.insert(
      batch.flatMap((m) => m.entries),
      'crashed-batch-token',
    )
    assert.equal(await count(), 3)
    // The other 2 buffered messages were never taken; close hands them back at once.
    await crashed.close()
    // Inserting the same token twice keeps one copy (what recovery relies on).
    await store.insert([entry('d', 99)], 'crashed-batch-token')
    assert.equal(await count(), 3)

    // More traffic arrives; a new worker gets the redelivered messages mixed with new ones.
    for (let i = 5; i < 8; i++) await pub(ingest).publish([entry('d', i)])
    const proc = await bus('process', 'T4')
    const worker = new Worker(queue(proc), store, { batchSize: 1_000, flushTimeoutMs: 100, maxRetries: 3, retryBaseMs: 50 }, new ProcessMetrics(), log)
    worker.start()
    try {
      const end = Date.now() + 30_000
      // 8 entries once each; the 3 of the crashed batch come back after the ack wait (2 s).
      while (Date.now() < end) {
        if ((await count()) >= 8) break
        await new Promise((r) => setTimeout(r, 200))
      }
      await new Promise((r) => setTimeout(r, 3_000)) // a late duplicate would show now
      const rows = await store.sql<{ message: string; c: string }>(
        "SELECT message, count() AS c FROM oglogstream.logs WHERE service = 'd' GROUP BY message ORDER BY message",
      )
      assert.deepEqual(
        rows.map((r) => [r.message, Number(r.c)]),
        Array.from({ length: 8 }, (_, i) => [`m${i}`, 1]),
      )
    } finally {
      await worker.stop()
      await proc.close()
    }
  } finally {
    await ingest.close()
    await store.close()
  }
})

test('while NATS is down publish fails at once with BusUnavailableError; it reconnects by itself', async () => {
  const ingest = await bus('ingest', 'T5')
  try {
    await pub(ingest).publish([entry('e', 1)])
    const server = nats.servers[0]
    assert.ok(server)
    await server.kill('SIGKILL')
    const end = Date.now() + 10_000
    while (ingest.status() === 'CONNECTED' && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    assert.match(ingest.status(), /RECONNECTING|DISCONNECTED/)
    await assert.rejects(pub(ingest).publish([entry('e', 2)]), BusUnavailableError)
    await server.start()
    const end2 = Date.now() + 20_000
    while (ingest.status() !== 'CONNECTED' && Date.now() < end2) await new Promise((r) => setTimeout(r, 50))
    assert.equal(ingest.status(), 'CONNECTED')
    // JetStream may need a moment after a restart; the publish retries within its deadline.
    await pub(ingest).publish([entry('e', 3)])
  } finally {
    await ingest.close()
  }
})

test('each role builds only its part: ingest a publisher (no ledger, no consumer), query a live feed and a publisher for dead-letter replays (no stream)', async () => {
  const query = await bus('query', 'T6')
  const ingest = await bus('ingest', 'T7')
  const nc = await connect({ servers: nats.url })
  try {
    assert.ok(query.liveFeed && query.publisher && !query.workQueue)
    assert.ok(ingest.publisher && !ingest.workQueue && !ingest.liveFeed)
    const jsm = await jetstreamManager(nc)
    const streams: string[] = []
    for await (const name of jsm.streams.names()) streams.push(name)
    assert.ok(streams.includes('T7'), 'ingest makes the log stream')
    assert.ok(!streams.includes('T7_BATCHES') && !streams.includes('T6'), `no ledger for ingest, no stream for query: ${streams}`)
    const consumers: string[] = []
    for await (const c of jsm.consumers.list('T7')) consumers.push(c.name)
    assert.deepEqual(consumers, [])
    // The live feed sees what is published on the stream's subject (here by an ingest of T6).
    const seen: string[] = []
    const unsubscribe = query.liveFeed.subscribe((entries) => seen.push(...entries.map((e) => e.message)))
    const ingest6 = await bus('ingest', 'T6')
    try {
      const end = Date.now() + 10_000
      for (let i = 0; seen.length === 0 && Date.now() < end; i++) {
        await pub(ingest6).publish([entry('f', i)])
        await new Promise((r) => setTimeout(r, 100))
      }
      assert.ok(seen.length > 0, 'live feed got the published entries')
    } finally {
      unsubscribe()
      await ingest6.close()
    }
  } finally {
    await nc.close()
    await query.close()
    await ingest.close()
  }
})
