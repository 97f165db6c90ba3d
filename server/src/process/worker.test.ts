// The worker against the real embedded engine: batching by size, force flush, parts within the store's
// insert bounds, and no loss while the store fails.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { MemoryBus } from '../bus/memory.ts'
import { ProcessMetrics } from './metrics.ts'
import type { Entry } from '../model/index.ts'
import { partToken } from '../store/index.ts'
import { Worker, type BatchSink } from './worker.ts'
import type { Labeler } from './labeler.ts'
import { tempStore } from '../../../test/helpers/store.ts'

const temp = tempStore('worker')

const entry = (svc: string, i: number): Entry => ({
  timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000000Z`,
  level: 'info',
  service: svc,
  message: `m${i}`,
  attributes: {},
  trace_id: '',
  span_id: '',
})
const count = async (svc: string) => Number((await temp.store.sql<{ c: string }>('SELECT count() AS c FROM oglogstream.logs WHERE service = {s:String}', { s: svc }))[0]?.c)
const log = pino({ level: 'silent' })

test('inserts at BATCH_SIZE without waiting for FLUSH_TIMEOUT, and force-flush writes the rest', async (t) => {
  const bus = new MemoryBus(10_000)
  const metrics = new ProcessMetrics()
  const w = new Worker(bus, temp.store, { batchSize: 100, flushTimeoutMs: 60_000, maxRetries: 3, retryBaseMs: 10 }, metrics, log)
  t.after(() => w.stop()) // a failed assertion must not leave the loop running
  w.start()
  const stored = async (n: number) => {
    for (let t = 0; t < 500 && (await count('batching')) < n; t++) await new Promise((r) => setTimeout(r, 10))
    return count('batching')
  }
  // A full batch goes without a timer; poll briefly for it. (Published while no insert runs: a batch
  // formed during an insert may grow past BATCH_SIZE, the next test.)
  for (let i = 0; i < 100; i++) await bus.publish([entry('batching', i)])
  assert.equal(await stored(100), 100)
  for (let i = 100; i < 250; i++) await bus.publish([entry('batching', i)])
  assert.equal(await stored(200), 200)
  await w.flush()
  assert.equal(await count('batching'), 250)
  await w.stop()
  const sizes = await metrics.batchSize.get()
  assert.equal(sizes.values.find((v) => v.metricName === 'oglogstream_batch_size_entries_count')?.value, 3)
})

test('while an insert runs, the next batch takes what is waiting past BATCH_SIZE, up to 5 × BATCH_SIZE, and goes when the insert ends', async (t) => {
  const bus = new MemoryBus(10_000)
  const sizes: number[] = []
  let release = () => {}
  const held = new Promise<void>((r) => (release = r))
  const sink: BatchSink = {
    insert: async (entries, token) => {
      sizes.push(entries.length)
      if (sizes.length === 1) await held
      return temp.store.insert(entries, token)
    },
    deadLetter: (letters, token) => temp.store.deadLetter(letters, token),
  }
  // Counts the messages the worker has taken from the queue.
  let taken = 0
  const fetch = bus.fetch.bind(bus)
  bus.fetch = async (max, expiresMs) => {
    const got = await fetch(max, expiresMs)
    taken += got.length
    return got
  }
  const w = new Worker(bus, sink, { batchSize: 100, flushTimeoutMs: 60_000, maxRetries: 1, retryBaseMs: 10 }, new ProcessMetrics(), log)
  t.after(() => {
    release()
    return w.stop()
  })
  w.start()
  // Messages of one entry, so that batch sizes are exact.
  for (let i = 0; i < 100; i++) await bus.publish([entry('growing', i)])
  for (let i = 0; i < 500 && sizes.length === 0; i++) await new Promise((r) => setTimeout(r, 5))
  assert.deepEqual(sizes, [100], 'the first batch is being inserted (and held)')
  // 700 while it is held: the next batch takes 500 (5 × BATCH_SIZE) and waits for the insert.
  for (let i = 100; i < 800; i++) await bus.publish([entry('growing', i)])
  for (let i = 0; i < 1000 && taken < 600; i++) await new Promise((r) => setTimeout(r, 5))
  assert.equal(taken, 600, 'the growing batch took 500, and no more')
  assert.deepEqual(sizes, [100], 'nothing else inserted while the first insert runs')
  release()
  for (let i = 0; i < 1000 && (await count('growing')) < 800; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(await count('growing'), 800, 'all stored without a flush (the last batch went when the insert before it ended)')
  assert.deepEqual(sizes, [100, 500, 200])
})

test("a batch over the store's insert bounds goes in as parts, each one insert under its part token", async (t) => {
  const bus = new MemoryBus(10_000)
  const tokens: string[] = []
  const sink: BatchSink = {
    insert: (entries, token) => {
      tokens.push(token)
      return temp.store.insert(entries, token)
    },
    deadLetter: (letters, token) => temp.store.deadLetter(letters, token),
    insertBounds: { maxEntries: 5, maxBytes: 1 << 20 },
  }
  const w = new Worker(bus, sink, { batchSize: 100, flushTimeoutMs: 60_000, maxRetries: 1, retryBaseMs: 10 }, new ProcessMetrics(), log)
  t.after(() => w.stop())
  w.start()
  await bus.publish(Array.from({ length: 12 }, (_, i) => entry('in-parts', i)))
  await w.flush()
  assert.equal(await count('in-parts'), 12)
  assert.equal(tokens.length, 3)
  const batch = tokens[0]?.replace(/#1\/3$/, '') ?? ''
  assert.deepEqual(tokens, [0, 1, 2].map((i) => partToken(batch, i, 3)))
})

test('a failing store: retries with backoff, the batch returns to the bus, nothing is lost or duplicated', async (t) => {
  const bus = new MemoryBus(10_000)
  const metrics = new ProcessMetrics()
  const w = new Worker(bus, temp.store, { batchSize: 50, flushTimeoutMs: 20, maxRetries: 2, retryBaseMs: 20, redeliverDelayMs: 50 }, metrics, log)
  // Make every insert fail for real: the table is not there.
  await temp.store.sql('RENAME TABLE oglogstream.logs TO oglogstream.logs_away')
  t.after(() => w.stop())
  w.start()
  // Each entry with its id, as ingest gives it: the redelivered batch must store the same ids.
  const ids = Array.from({ length: 120 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)
  for (let i = 0; i < 120; i++) await bus.publish([{ ...entry('outage', i), id: ids[i] as string }])
  await new Promise((r) => setTimeout(r, 600))
  const errors = (await metrics.insertErrors.get()).values[0]?.value ?? 0
  assert.ok(errors >= 3, `insert errors: ${errors}`)
  assert.equal(bus.pending(), 120)
  await temp.store.sql('RENAME TABLE oglogstream.logs_away TO oglogstream.logs')
  for (let t = 0; t < 300 && (await count('outage')) < 120; t++) await new Promise((r) => setTimeout(r, 20))
  await w.flush()
  await w.stop()
  assert.equal(await count('outage'), 120)
  assert.equal(bus.pending(), 0)
  const stored = await temp.store.sql<{ id: string }>("SELECT id FROM oglogstream.logs WHERE service = 'outage' ORDER BY id")
  assert.deepEqual(
    stored.map((r) => r.id),
    ids,
  )
})

test('the same batch inserted twice with the same token is stored once', async () => {
  const batch = Array.from({ length: 10 }, (_, i) => entry('dedup', i))
  await temp.store.insert(batch, 'token-1')
  await temp.store.insert(batch, 'token-1')
  assert.equal(await count('dedup'), 10)
})

test('after a restart the in-process queue numbers messages from 1 again: the first batches are not dropped as duplicates', async () => {
  for (const run of [1, 2]) {
    const bus = new MemoryBus(10_000)
    const w = new Worker(bus, temp.store, { batchSize: 100, flushTimeoutMs: 60_000, maxRetries: 1, retryBaseMs: 10 }, new ProcessMetrics(), log)
    w.start()
    await bus.publish([entry(`restart-${run}`, 0)])
    await w.flush()
    await w.stop()
  }
  assert.equal(await count('restart-1'), 1)
  assert.equal(await count('restart-2'), 1, 'the second run\'s batch of message "1" is stored')
})

test('the messages of one fetch are labelled in one call, in the order they were published, before their insert', async (t) => {
  const bus = new MemoryBus(10_000)
  const calls: string[][] = []
  // A labeler that answers later (as the pattern thread does) and records what each call was given.
  const labeler: Labeler = {
    load: async () => {},
    label: async (entries) => {
      calls.push(entries.map((e) => e.message))
      await new Promise((r) => setTimeout(r, 20))
      for (const e of entries) e.pattern_id = `p-${e.message}`
    },
    flush: async () => {},
  }
  // Published before the worker starts: its first fetch takes all 30 messages.
  for (let i = 0; i < 30; i++) await bus.publish([entry('labelled', 2 * i), entry('labelled', 2 * i + 1)])
  const w = new Worker(bus, temp.store, { batchSize: 1000, flushTimeoutMs: 60_000, maxRetries: 3, retryBaseMs: 10 }, new ProcessMetrics(), log, labeler)
  t.after(() => w.stop())
  w.start()
  await w.flush()
  await w.stop()
  assert.equal(calls.length, 1, 'one call for the one fetch, not one per message')
  assert.deepEqual(calls[0], Array.from({ length: 60 }, (_, i) => `m${i}`), 'every entry, in publish order')
  const rows = await temp.store.sql<{ message: string; pattern_id: string }>("SELECT message, pattern_id FROM oglogstream.logs WHERE service = 'labelled'")
  assert.equal(rows.length, 60)
  for (const r of rows) assert.equal(r.pattern_id, `p-${r.message}`, 'stored with the label: the insert waited for it')
})
