import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BusFullError, EntryTooLargeError, MessageTooLargeError, type PublishRequest } from '../bus/bus.ts'
import { MemoryBus } from '../bus/memory.ts'
import { entriesJsonBytes, type Entry } from '../model/index.ts'
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

const sized = (i: number, chars: number): Entry => ({ ...e(i), message: `${i} ${'x'.repeat(chars)}` })

test('a group never holds more than its byte bound; a request over it goes alone', async () => {
  const bus = new MemoryBus(1_000)
  const gc = new GroupCommit(bus, 5, 1_000, () => {}, 2_000)
  // Six requests of about 700 bytes: at most two fit one group of 2,000.
  await Promise.all([...Array.from({ length: 6 }, (_, i) => gc.add([sized(i, 500)])), gc.add([sized(99, 5_000)])])
  const msgs = await bus.fetch(100, 0)
  const sizes = msgs.map((m) => entriesJsonBytes(m.entries))
  assert.equal(msgs.flatMap((m) => m.entries).length, 7)
  assert.ok(sizes.filter((s) => s < 5_000).every((s) => s <= 2_000), `group sizes ${sizes}`)
  assert.deepEqual(msgs.filter((m) => m.entries.length === 1 && m.entries[0]?.message.startsWith('99 ')).length, 1, 'the large request alone')
})

/** A bus whose messages hold `limit` bytes of JSON, as NATS's max_payload does. */
class LimitedBus extends MemoryBus {
  readonly calls: { n: number; key: string | undefined; alone: boolean }[] = []
  constructor(private readonly limit: number) {
    super(1_000)
  }
  maxMessageBytes(): number {
    return this.limit
  }
  override async publish(entries: Entry[], request?: PublishRequest): Promise<void> {
    this.calls.push({ n: entries.length, key: request?.key, alone: request !== undefined })
    const json = JSON.stringify(entries).length
    if (json > this.limit && !request) throw new MessageTooLargeError('too large')
    if (entries.some((x) => JSON.stringify(x).length > this.limit)) throw new EntryTooLargeError(json, this.limit)
    return super.publish(entries)
  }
}

test('a group the bus finds too large is published one request at a time; an entry too large fails only its request', async () => {
  const bus = new LimitedBus(6_000)
  const gc = new GroupCommit(bus, 5, 1_000)
  // Under half of 6,000 bytes estimated, but escapes make the JSON larger: the group does not fit.
  const quoted = (i: number): Entry => ({ ...e(i), message: `${i} ${'"'.repeat(400)}` })
  const huge = { ...e(9), attributes: { a: '\u0001'.repeat(1_000) } }
  const results = await Promise.allSettled([gc.add([quoted(1), quoted(2)], 'k1'), gc.add([quoted(3)], 'k2'), gc.add([huge], 'k3')])
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected'])
  assert.ok((results[2] as PromiseRejectedResult).reason instanceof EntryTooLargeError)
  assert.deepEqual(bus.calls.map((c) => [c.n, c.key, c.alone]), [[4, undefined, false], [2, 'k1', true], [1, 'k2', true], [1, 'k3', true]])
  assert.deepEqual((await bus.fetch(10, 0)).flatMap((m) => m.entries.map((x) => x.message.split(' ')[0])), ['1', '2', '3'])
})

test('the memory bus is bounded in bytes as well: 429 when over, nothing half-taken; an empty queue takes anything', async () => {
  const bus = new MemoryBus(1_000, 3_000)
  await bus.publish([sized(1, 1_000), sized(2, 1_000)])
  await assert.rejects(bus.publish([sized(3, 1_000)]), BusFullError)
  assert.equal(bus.pending(), 2)
  for (const m of await bus.fetch(10, 0)) m.ack()
  assert.equal(bus.pendingBytes(), 0)
  await bus.publish([sized(4, 10_000)])
  assert.equal(bus.pending(), 1)
})
