import { test } from 'node:test'
import assert from 'node:assert/strict'
import { errorRate, fillBuckets, intervalLabel, maxTotal, selection, stack, timeAt } from './buckets.ts'

const T = Date.parse('2025-06-01T12:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()

test('fills empty buckets across the range, aligned to the interval', () => {
  const bars = fillBuckets({
    interval_ms: 60_000,
    from: iso(T + 30_000),
    to: iso(T + 4 * 60_000),
    buckets: [{ time: iso(T + 120_000), counts: { error: 2, info: 3 }, total: 5 }],
  })
  assert.deepEqual(
    bars.map((b) => [b.start - T, b.total]),
    [
      [0, 0],
      [60_000, 0],
      [120_000, 5],
      [180_000, 0],
    ],
  )
  assert.equal(bars[2]?.counts.error, 2)
  assert.equal(bars[2]?.counts.debug, 0)
  assert.equal(maxTotal(bars), 5)
})

test('too many buckets or a bucket off the grid do not lose counts', () => {
  const far = fillBuckets({ interval_ms: 1000, from: iso(T), to: iso(T + 86_400_000), buckets: [{ time: iso(T), counts: { info: 1 }, total: 1 }] })
  assert.equal(far.length, 1)
  const off = fillBuckets({ interval_ms: 60_000, from: iso(T), to: iso(T + 60_000), buckets: [{ time: iso(T + 5_000), counts: { info: 1 }, total: 1 }] })
  assert.equal(off.reduce((s, b) => s + b.total, 0), 1)
})

test('stacks levels bottom-up as fractions of the tallest bar', () => {
  const [bar] = fillBuckets({ interval_ms: 1000, from: iso(T), to: iso(T + 1000), buckets: [{ time: iso(T), counts: { info: 2, error: 1, fatal: 1 }, total: 4 }] })
  assert.deepEqual(stack(bar!, 8), [
    { level: 'fatal', y0: 0, h: 0.125 },
    { level: 'error', y0: 0.125, h: 0.125 },
    { level: 'info', y0: 0.25, h: 0.25 },
  ])
  assert.deepEqual(stack(bar!, 0), [])
})

test('pixels back to time, and drags to a zoom range', () => {
  assert.equal(timeAt(0.5, T, T + 1000), T + 500)
  assert.equal(timeAt(-1, T, T + 1000), T)
  assert.equal(timeAt(2, T, T + 1000), T + 1000)
  assert.deepEqual(selection(0.75, 0.25, T, T + 3_600_000), { from: T + 900_000, to: T + 2_700_000 })
  assert.equal(selection(0.5, 0.501, T, T + 3_600_000), undefined, 'a click is not a zoom')
  assert.equal(selection(0, 0.5, T, T + 1000), undefined, 'under a second')
})

test('error rate and interval labels', () => {
  const bars = fillBuckets({
    interval_ms: 1000,
    from: iso(T),
    to: iso(T + 2000),
    buckets: [{ time: iso(T), counts: { info: 3, error: 1 }, total: 4 }],
  })
  assert.deepEqual(errorRate(bars), [0.25, null])
  assert.equal(intervalLabel(30_000), '30s')
  assert.equal(intervalLabel(10_800_000), '3h')
  assert.equal(intervalLabel(604_800_000), '1w')
  assert.equal(intervalLabel(1500), '1500ms')
})
