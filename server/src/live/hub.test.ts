// The hub's rules on a stand-in socket (real sockets: test/e2e/live-isolation.test.ts): publish never
// sends, the fan-out runs later in bounded slices, the pending queue is bounded in bytes, a client over
// its byte bound is terminated, the client cap holds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { Registry } from 'prom-client'
import type { WebSocket } from 'ws'
import type { Entry } from '../model/index.js'
import { DEFAULT_TENANT, entryJsonBytes } from '../model/index.ts'
import { LiveHub, type LiveFilter, type LiveLimits } from './hub.js'
import { LiveMetrics } from './metrics.js'

class FakeSocket extends EventEmitter {
  readyState = 1
  bufferedAmount = 0
  /** Bytes each send adds to bufferedAmount (0: a client that keeps up). */
  constructor(readonly growth = 0) {
    super()
  }
  sent: string[] = []
  terminated = false
  /** The TCP socket ws writes to: the hub corks it around a client's frames. */
  readonly _socket = { cork() {}, uncork() {} }
  send(data: Buffer): void {
    this.sent.push(String(data))
    this.bufferedAmount += this.growth
  }
  terminate(): void {
    this.terminated = true
    this.readyState = 3
    setImmediate(() => this.emit('close', 1006))
  }
  close(): void {
    this.readyState = 3
    setImmediate(() => this.emit('close', 1000))
  }
}

const entry = (i: number, level = 'info'): Entry => ({
  timestamp: '2025-01-01T00:00:00.000000000Z',
  level: level as Entry['level'],
  service: 'svc',
  message: `m${i}`,
  attributes: {},
  trace_id: '',
  span_id: '',
})
const entries = (n: number) => Array.from({ length: n }, (_, i) => entry(i))
const tick = () => new Promise((r) => setImmediate(r))
const settle = async () => {
  for (let i = 0; i < 100; i++) await tick()
}

function hub(limits: Partial<LiveLimits> = {}) {
  const metrics = new LiveMetrics(new Registry())
  const h = new LiveHub(metrics, { bufferBytes: 1024 * 1024, maxClients: 100, pendingBytes: 16 * 1024 * 1024, ...limits })
  const add = (ws: FakeSocket, filter: Omit<LiveFilter, 'tenant'> = {}) => h.add(ws as unknown as WebSocket, { tenant: DEFAULT_TENANT, ...filter })
  const value = async (c: { get(): Promise<{ values: { value: number }[] }> }) => (await c.get()).values[0]?.value ?? 0
  return { h, add, metrics, value }
}

test('publish hands entries over and returns: nothing is sent inside the call', async () => {
  const { h, add } = hub()
  const ws = new FakeSocket()
  add(ws)
  h.publish(entries(3))
  assert.equal(ws.sent.length, 0)
  assert.ok(h.pendingBytes > 0)
  await settle()
  assert.deepEqual(
    ws.sent.map((s) => JSON.parse(s).message),
    ['m0', 'm1', 'm2'],
  )
  assert.equal(h.pendingBytes, 0)
})

test('the fan-out runs in slices: a large publish to many clients takes several turns of the event loop', async () => {
  const { h, add } = hub()
  const clients = Array.from({ length: 10 }, () => new FakeSocket())
  for (const c of clients) add(c)
  h.publish(entries(20_000))
  await tick()
  const first = (clients[0] as FakeSocket).sent.length
  assert.ok(first > 0 && first < 20_000, `first turn sent ${first}`)
  await settle()
  for (const c of clients) assert.equal(c.sent.length, 20_000)
})

test('filters apply, and each entry is serialized once for every client', async () => {
  const { h, add } = hub()
  const all = new FakeSocket()
  const errors = new FakeSocket()
  add(all)
  add(errors, { levels: new Set(['error']) })
  h.publish([entry(1), entry(2, 'error')])
  await settle()
  assert.equal(all.sent.length, 2)
  assert.deepEqual(
    errors.sent.map((s) => JSON.parse(s).message),
    ['m2'],
  )
})

test('the pending queue is bounded in bytes: what does not fit is dropped and counted', async () => {
  const one = entryJsonBytes(entry(0))
  const { h, add, metrics, value } = hub({ pendingBytes: one * 10 })
  const ws = new FakeSocket()
  add(ws)
  h.publish(entries(25))
  assert.ok(h.pendingBytes <= one * 10)
  assert.equal(await value(metrics.liveDropped), 15)
  await settle()
  assert.equal(ws.sent.length, 10)
})

test('a client over bufferBytes unsent is terminated at once and counted; the others keep receiving', async () => {
  const { h, add, metrics, value } = hub({ bufferBytes: 1000 })
  const slow = new FakeSocket(300)
  const fast = new FakeSocket()
  add(slow)
  add(fast)
  h.publish(entries(100))
  await settle()
  assert.ok(slow.terminated)
  // Frames are written out every min(64 KiB, bufferBytes) bytes; the client is cut at the first write-out.
  assert.ok(slow.sent.length < 100, `sent ${slow.sent.length}`)
  assert.equal(fast.sent.length, 100)
  assert.equal(h.size, 1)
  assert.equal(await value(metrics.liveTerminated), 1)
  assert.equal(await value(metrics.liveClients), 1)
})

test('at most maxClients: add refuses beyond, and a freed slot can be taken again', async () => {
  const { h, add } = hub({ maxClients: 2 })
  const a = new FakeSocket()
  assert.equal(add(a), true)
  assert.equal(add(new FakeSocket()), true)
  assert.equal(h.full, true)
  assert.equal(add(new FakeSocket()), false)
  assert.equal(h.size, 2)
  a.close()
  await settle()
  assert.equal(add(new FakeSocket()), true)
})

test('with no clients nothing is queued; closeAll empties the queue and closes everyone', async () => {
  const { h, add } = hub()
  h.publish(entries(5))
  assert.equal(h.pendingBytes, 0)
  const ws = new FakeSocket()
  add(ws)
  h.publish(entries(5))
  h.closeAll()
  assert.equal(h.pendingBytes, 0)
  await settle()
  assert.equal(ws.sent.length, 0)
  assert.equal(ws.readyState, 3)
})
