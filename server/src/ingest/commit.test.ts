import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryBus } from '../bus/memory.ts'
import type { Entry } from '../model/index.ts'
import { GroupCommit } from './commit.ts'

const e = (i: number): Entry => ({ timestamp: '2025-01-01T00:00:00.000000000Z', level: 'info', service: 's', message: String(i), attributes: {}, trace_id: '', span_id: '' })

test('concurrent requests become one bus message, answered after the bus has it', async () => {
  const bus = new MemoryBus(1_000)
  const sizes: number[] = []
  const gc = new GroupCommit(bus, 5, 100, (n) => sizes.push(n))
  await Promise.all(Array.from({ length: 10 }, (_, i) => gc.add([e(i)])))
  assert.deepEqual(sizes, [10])
  const msgs = await bus.fetch(10, 0)
  assert.equal(msgs.length, 1)
  assert.deepEqual(msgs[0]?.entries.map((x) => x.message), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
})

test('a full bus rejects every waiting request; nothing is half-taken', async () => {
  const bus = new MemoryBus(5)
  const gc = new GroupCommit(bus, 1, 100)
  await gc.add([e(0), e(1), e(2), e(3)])
  const results = await Promise.allSettled([gc.add([e(4)]), gc.add([e(5)])])
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected'])
  assert.equal(bus.pending(), 4)
})

test('the memory bus returns a nak-ed message first, marked redelivered', async () => {
  const bus = new MemoryBus(100)
  await bus.publish([e(1)])
  await bus.publish([e(2)])
  const [first] = await bus.fetch(1, 0)
  first?.nak(0)
  const again = await bus.fetch(10, 0)
  assert.deepEqual(again.map((m) => [m.entries[0]?.message, m.redelivered]), [['1', true], ['2', false]])
  await Promise.all(again.map((m) => m.ack()))
  assert.equal(bus.pending(), 0)
})
