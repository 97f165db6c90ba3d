// Dead letters against the real embedded engine: what the engine refuses for good is classified as
// deterministic, isolated by bisection (the rest stored), written to the dead-letter table, and the
// queue flows on; a store outage is not; a replay of the isolation stores and dead-letters nothing twice,
// also when the batch is inserted in several parts. The poisons are real refusals of the engine: CHECK
// constraints each test adds to the logs table (and drops), and a value the engine cannot read.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { MemoryBus } from '../bus/memory.ts'
import { ProcessMetrics } from './metrics.ts'
import { DEFAULT_TENANT, type Entry } from '../model/index.ts'
import { partToken } from '../store/index.ts'
import { isolate, subToken } from './deadletter.ts'
import { classifyInsertError, errorText } from './failure.ts'
import { writeBatch } from './parts.ts'
import { Worker, type BatchSink } from './worker.ts'
import { tempStore } from '../../../test/helpers/store.ts'

const temp = tempStore('deadletter')

const log = pino({ level: 'silent' })
const entry = (svc: string, i: number, message = `m${i}`, day = 0): Entry => ({
  timestamp: new Date(Date.UTC(2026, 0, 1 + day, 0, 0, i % 60)).toISOString().replace('Z', '000000Z'),
  level: 'info',
  service: svc,
  message,
  attributes: { i: String(i) },
  trace_id: '',
  span_id: '',
})
const count = async (svc: string) => Number((await temp.store.sql<{ c: string }>('SELECT count() AS c FROM oglogstream.logs WHERE service = {s:String}', { s: svc }))[0]?.c)
const dead = (svc: string) => temp.store.deadLetters.list({ tenant: DEFAULT_TENANT }, 1000).then((l) => l.filter((d) => d.service === svc))
const deadCount = async (m: ProcessMetrics, reason: string) => (await m.deadLettered.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0

async function caught(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f()
  } catch (err) {
    return err
  }
  assert.fail('expected an error')
}

async function poll(f: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await f())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Adds a CHECK constraint to the logs table for the test's duration. */
async function constraint(t: { after: (f: () => Promise<unknown>) => void }, name: string, check: string): Promise<void> {
  await temp.store.sql(`ALTER TABLE oglogstream.logs ADD CONSTRAINT ${name} CHECK ${check}`)
  t.after(() => temp.store.sql(`ALTER TABLE oglogstream.logs DROP CONSTRAINT ${name}`))
}

// Too many partitions in one insert no longer happens on the insert path (max_partitions_per_insert_block
// = 0); its classification is checked against the engine in failure.test.ts.
test('real engine errors: a value the engine cannot read and a constraint are deterministic; a missing table is retryable', async () => {
  // A timestamp the engine cannot parse (validation makes them at ingest; a corrupt or foreign message on the bus would not be).
  const unreadable = await caught(() => temp.store.insert([{ ...entry('cls', 0), timestamp: 'not a time' }], 'cls-1'))
  assert.deepEqual(classifyInsertError(unreadable), { kind: 'deterministic', reason: 'invalid_value' }, String(unreadable))
  await temp.store.sql("ALTER TABLE oglogstream.logs ADD CONSTRAINT cls_poison CHECK message != 'cls-poison'")
  try {
    const constraint = await caught(() => temp.store.insert([entry('cls', 0, 'cls-poison')], 'cls-3'))
    assert.deepEqual(classifyInsertError(constraint), { kind: 'deterministic', reason: 'constraint_violated' }, String(constraint))
  } finally {
    await temp.store.sql('ALTER TABLE oglogstream.logs DROP CONSTRAINT cls_poison')
  }
  await temp.store.sql('RENAME TABLE oglogstream.logs TO oglogstream.logs_gone')
  try {
    const missing = await caught(() => temp.store.insert([entry('cls', 1)], 'cls-4'))
    assert.equal(classifyInsertError(missing).kind, 'retryable', String(missing))
  } finally {
    await temp.store.sql('RENAME TABLE oglogstream.logs_gone TO oglogstream.logs')
  }
  assert.equal(classifyInsertError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })).kind, 'retryable')
  assert.equal(classifyInsertError(new RangeError('Invalid string length')).reason, 'too_large')
  assert.equal(classifyInsertError(new Error('something else')).kind, 'unknown')
  // The engine's I/O failure when it cannot create a part directory (test/distributed/store-failure makes it for real).
  assert.equal(classifyInsertError(Object.assign(new Error('std::exception. Code: 1001, type: std::__1::filesystem::filesystem_error'), { code: '1001' })).kind, 'retryable')
  const long = errorText(Object.assign(new Error('x'.repeat(50_000)), { code: '469', type: 'VIOLATED_CONSTRAINT' }))
  assert.ok(long.length <= 1_000 && long.startsWith('VIOLATED_CONSTRAINT, code 469: xxx'), long.slice(0, 60))
})

test('a poisoned entry among innocents: the innocents are stored, the poison is dead-lettered, later entries flow on', async (t) => {
  await constraint(t, 'poisoned_poison', "NOT (service = 'poisoned' AND message LIKE 'POISON%')")
  const bus = new MemoryBus(10_000)
  const metrics = new ProcessMetrics()
  const w = new Worker(bus, temp.store, { batchSize: 1000, flushTimeoutMs: 50, maxRetries: 2, retryBaseMs: 10 }, metrics, log)
  t.after(() => w.stop())
  w.start()
  const batch = Array.from({ length: 40 }, (_, i) => entry('poisoned', i))
  // With a lone surrogate, which the dead letter keeps exactly (the logs table would get U+FFFD).
  batch.splice(17, 0, entry('poisoned', 999, 'POISON lone surrogate \ud83d here'))
  await bus.publish(batch)
  await poll(async () => bus.pending() === 0, 'the poisoned batch to be settled')
  assert.equal(await count('poisoned'), 40)
  const letters = await dead('poisoned')
  assert.equal(letters.length, 1)
  assert.equal(letters[0]?.reason, 'constraint_violated')
  assert.match(letters[0]?.error ?? '', /VIOLATED_CONSTRAINT/)
  assert.equal(letters[0]?.entry.message, 'POISON lone surrogate \ud83d here', 'the original entry, exactly')
  assert.equal(await deadCount(metrics, 'constraint_violated'), 1)
  // Nothing waits behind it.
  for (let i = 0; i < 5; i++) await bus.publish([entry('after-poison', i)])
  await poll(async () => (await count('after-poison')) === 5, 'entries posted afterwards')
})

test('101 days in one batch (once too many partitions for one insert): stored, nothing is dead-lettered', async (t) => {
  const bus = new MemoryBus(10_000)
  const metrics = new ProcessMetrics()
  const w = new Worker(bus, temp.store, { batchSize: 1000, flushTimeoutMs: 50, maxRetries: 2, retryBaseMs: 10 }, metrics, log)
  t.after(() => w.stop())
  w.start()
  await bus.publish(Array.from({ length: 101 }, (_, i) => entry('backfill', i, `d${i}`, i)))
  await poll(async () => bus.pending() === 0, 'the batch to be settled')
  assert.equal(await count('backfill'), 101)
  assert.equal((await dead('backfill')).length, 0)
  assert.equal(await deadCount(metrics, 'too_many_partitions'), 0)
})

test('isolation replayed under the same token (a crash after part of it) stores and dead-letters nothing twice, whatever the order', async () => {
  await temp.store.sql("ALTER TABLE oglogstream.logs ADD CONSTRAINT replay_poison CHECK message NOT LIKE 'replay-poison%'")
  try {
    const entries = Array.from({ length: 30 }, (_, i) => entry('replayed', i, i % 7 === 3 ? `replay-poison ${i}` : `ok ${i}`))
    const first = await caught(() => temp.store.insert(entries, 'replay-token'))
    const failure = classifyInsertError(first)
    assert.equal(failure.kind, 'deterministic')
    const a = await isolate(temp.store, 'replay-token', entries, { failure, err: first }, false)
    assert.equal(a.stored, 26)
    assert.deepEqual([...a.dead], [['constraint_violated', 4]])
    // The redelivered batch may come back with its messages in another order.
    const b = await isolate(temp.store, 'replay-token', [...entries].reverse(), { failure, err: first }, false)
    assert.equal(b.stored, 26)
    assert.equal(await count('replayed'), 26, 'the parts of the second run were dropped as duplicates')
    const letters = await dead('replayed')
    assert.equal(letters.length, 4, 'each dead letter once')
    assert.ok(letters.every((l) => l.entry.message.startsWith('replay-poison') && /VIOLATED_CONSTRAINT|replay_poison/.test(l.error)))
    assert.ok(letters.every((l) => /^[0-9a-f]{32}$/.test(l.id) && l.id !== subToken('replay-token', '')))
  } finally {
    await temp.store.sql('ALTER TABLE oglogstream.logs DROP CONSTRAINT replay_poison')
  }
})

test('a batch over the byte bound with a poison in its second part: part 1 stored once, the poison dead-lettered, the rest stored; a replay after a crash stores nothing twice', async (t) => {
  await constraint(t, 'parts_poison', "NOT (service = 'parts' AND message LIKE 'POISON%')")
  const body = 'x'.repeat(1_000)
  const entries = Array.from({ length: 40 }, (_, i) => entry('parts', i, i === 13 ? `POISON ${body}` : `ok ${i} ${body}`))
  // About ten entries a part: four parts, the poison (the 14th in canonical order, by timestamp) in the second.
  const bounds = { maxEntries: 1_000, maxBytes: 10_500 }
  const inserts: string[] = []
  let crash: string | undefined = partToken('parts-batch', 2, 4)
  const sink: BatchSink = {
    insert: async (part, token) => {
      inserts.push(token)
      // A crash of the store on the third part of the first run: the batch must be retried whole.
      if (token === crash) {
        crash = undefined
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })
      }
      await temp.store.insert(part, token)
    },
    deadLetter: (letters, token) => temp.store.deadLetter(letters, token),
  }
  await assert.rejects(writeBatch(sink, 'parts-batch', entries, bounds, false), /ECONNREFUSED/)
  assert.equal(await count('parts'), 10 + 9, 'part 1, and part 2 but its poison, landed before the crash')
  assert.equal((await dead('parts')).length, 1)
  // The retry, and a redelivery whose messages come back in another order: the same parts, tokens and dead letters.
  for (const run of [entries, [...entries].reverse()]) {
    const w = await writeBatch(sink, 'parts-batch', run, bounds, false)
    assert.equal(w.parts, 4)
    assert.equal(w.stored, 39)
    assert.deepEqual([...w.dead], [['constraint_violated', 1]])
    assert.equal(await count('parts'), 39, 'each stored entry once')
  }
  const letters = await dead('parts')
  assert.equal(letters.length, 1, 'the poison once')
  assert.equal(letters[0]?.entry.message, `POISON ${body}`)
  // Only the failing part was bisected, under sub-tokens of its own token.
  const part2 = partToken('parts-batch', 1, 4)
  assert.deepEqual(inserts.slice(0, 3), [partToken('parts-batch', 0, 4), part2, subToken(part2, '0')])
  assert.ok(!inserts.some((tok) => tok === subToken('parts-batch', '0')), 'the whole batch is never bisected')
})

test('a temp.store outage is not dead-lettered: the batch waits, then goes in whole', async (t) => {
  const bus = new MemoryBus(10_000)
  const metrics = new ProcessMetrics()
  const w = new Worker(bus, temp.store, { batchSize: 1000, flushTimeoutMs: 20, maxRetries: 1, retryBaseMs: 10, redeliverDelayMs: 20, maxDeliveries: 2 }, metrics, log)
  await temp.store.sql('RENAME TABLE oglogstream.logs TO oglogstream.logs_out')
  t.after(() => w.stop())
  w.start()
  for (let i = 0; i < 20; i++) await bus.publish([entry('outage-dl', i)])
  await poll(async () => ((await metrics.insertErrors.get()).values[0]?.value ?? 0) >= 8, 'several failed deliveries')
  await temp.store.sql('RENAME TABLE oglogstream.logs_out TO oglogstream.logs')
  await poll(async () => (await count('outage-dl')) === 20, 'the batch after the outage')
  assert.equal((await dead('outage-dl')).length, 0)
})

test('an error nobody can classify ends in the dead-letter table after maxDeliveries, not redelivered for ever', async (t) => {
  const bus = new MemoryBus(10_000)
  const metrics = new ProcessMetrics()
  // The real store, but one entry makes a (made-up) error of no known kind.
  const sink = {
    insert: (entries: Entry[], token: string) =>
      entries.some((e) => e.message === 'odd') ? Promise.reject(new Error('odd failure')) : temp.store.insert(entries, token),
    deadLetter: temp.store.deadLetter.bind(temp.store),
  }
  const w = new Worker(bus, sink, { batchSize: 1000, flushTimeoutMs: 20, maxRetries: 1, retryBaseMs: 5, redeliverDelayMs: 5, maxDeliveries: 3 }, metrics, log)
  t.after(() => w.stop())
  w.start()
  await bus.publish([entry('odd', 0), entry('odd', 1, 'odd'), entry('odd', 2)])
  await poll(async () => bus.pending() === 0, 'the batch to be settled')
  assert.equal(await count('odd'), 2)
  const letters = await dead('odd')
  assert.deepEqual(
    letters.map((l) => [l.reason, l.entry.message]),
    [['retries_exhausted', 'odd']],
  )
  assert.ok(((await metrics.insertErrors.get()).values[0]?.value ?? 0) >= 4, 'it was retried first')
})
