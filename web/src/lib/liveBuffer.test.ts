import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BoundedBuffer, RateMeter } from './liveBuffer.ts'

test('the buffer keeps the newest entries up to its capacity', () => {
  const b = new BoundedBuffer<number>(3)
  b.push([1, 2])
  b.push([3, 4])
  assert.deepEqual(b.view(), [2, 3, 4])
  assert.equal(b.dropped, 1)
  b.push([5, 6, 7, 8, 9])
  assert.deepEqual(b.view(), [7, 8, 9])
  assert.equal(b.dropped, 6)
  b.clear()
  assert.equal(b.length, 0)
  assert.equal(b.dropped, 9)
  assert.throws(() => new BoundedBuffer(0))
})

test('the rate is arrivals per second over the sliding window', () => {
  const r = new RateMeter(2_000)
  r.add(10, 0)
  r.add(10, 1_000)
  assert.equal(r.rate(1_500), 10)
  assert.equal(r.rate(2_500), 5, 'the first sample left the window')
  assert.equal(r.rate(10_000), 0)
  r.add(4, 10_000)
  r.reset()
  assert.equal(r.rate(10_000), 0)
})
