// Recovery and batch formation against the in-process transport: a redelivered message is re-formed
// into the batch it was recorded with (token and entries), and a batch found stored is acked.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { MemoryBus } from '../bus/memory.ts'
import type { Entry } from '../model/index.ts'
import { Batcher, batchToken } from './batcher.ts'
import { sortOut } from './recovery.ts'

const log = pino({ level: 'silent' })
const entry = (i: number): Entry => ({
  timestamp: '2026-01-01T00:00:00.000000000Z',
  level: 'info',
  service: 'recovery',
  message: `m${i}`,
  attributes: {},
  trace_id: '',
  span_id: '',
})

test('the token is derived from the message ids: the same messages, the same token', async () => {
  const bus = new MemoryBus(100)
  for (let i = 0; i < 3; i++) await bus.publish([entry(i)])
  const batcher = new Batcher(100, 60_000)
  for (const m of await bus.fetch(10, 0)) batcher.add(m)
  assert.equal(batcher.due(false), false)
  assert.equal(batcher.due(true), true)
  const b = batcher.take()
  assert.deepEqual(b.ids, ['1', '2', '3'])
  assert.equal(b.token, batchToken(['1', '2', '3']))
  assert.notEqual(b.token, batchToken(['1', '2']))
  assert.deepEqual(
    b.entries.map((e) => e.message),
    ['m0', 'm1', 'm2'],
  )
  assert.equal(b.recorded, false)
})

test('a redelivered message of a recorded batch comes back as that whole batch, under its token', async () => {
  const bus = new MemoryBus(100)
  for (let i = 0; i < 4; i++) await bus.publish([entry(i)])
  const first = await bus.fetch(3, 0)
  await bus.ledger.record({ token: 'tok-a', ids: first.map((m) => m.id) })
  first.forEach((m) => m.nak())
  // Only one of the three comes in this fetch, mixed with a message that was never inserted.
  const [again, other] = [...(await bus.fetch(1, 0)), ...(await bus.fetch(10, 0)).filter((m) => m.id === '4')]
  assert.ok(again && other)
  const sorted = await sortOut(bus, [again, other], log)
  assert.deepEqual(
    sorted.fresh.map((m) => m.id),
    ['4'],
  )
  assert.equal(sorted.recovered.length, 1)
  const b = sorted.recovered[0]
  assert.equal(b?.token, 'tok-a')
  assert.equal(b?.recorded, true)
  assert.deepEqual(b?.messages, [again])
  assert.deepEqual(
    b?.entries.map((e) => e.message),
    ['m0', 'm1', 'm2'],
  )
})

test('a batch with a message already acked was stored: its redelivered messages are acked, not inserted', async () => {
  const bus = new MemoryBus(100)
  for (let i = 0; i < 2; i++) await bus.publish([entry(i)])
  const [a, b] = await bus.fetch(2, 0)
  assert.ok(a && b)
  await bus.ledger.record({ token: 'tok-b', ids: [a.id, b.id] })
  a.ack()
  b.nak()
  const sorted = await sortOut(bus, await bus.fetch(10, 0), log)
  assert.deepEqual(sorted, { fresh: [], recovered: [] })
  assert.equal(bus.pending(), 0, 'the redelivered message was acked')
  assert.equal(await bus.ledger.find(b.id), undefined, 'the ledger forgets a batch once all of it is acked')
})

test('when the ledger cannot tell, the messages are handed back for later, not inserted', async () => {
  const bus = new MemoryBus(100)
  await bus.publish([entry(0)])
  const msgs = await bus.fetch(1, 0)
  const failing = Object.assign(Object.create(bus) as MemoryBus, {
    ledger: { record: async () => {}, find: async () => Promise.reject(new Error('ledger down')) },
  })
  const sorted = await sortOut(failing, msgs, log)
  assert.deepEqual(sorted, { fresh: [], recovered: [] })
  assert.deepEqual(await bus.fetch(1, 0), [], 'offered again only after a delay')
  assert.equal(bus.pending(), 1)
})
