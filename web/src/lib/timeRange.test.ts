import { test } from 'node:test'
import assert from 'node:assert/strict'
import { justAfter, parseTimeInput, rangeLabel, resolveRange, toLocalInput } from './timeRange.ts'

const NOW = Date.parse('2025-06-01T12:00:00.000Z')

test('presets resolve to absolute bounds ending a little after now', () => {
  const r = resolveRange({ kind: 'preset', preset: '15m' }, NOW)
  assert.equal(r.from, '2025-06-01T11:45:00.000Z')
  assert.equal(r.to, '2025-06-01T12:01:00.000Z')
  assert.equal(resolveRange({ kind: 'preset', preset: '7d' }, NOW).from, '2025-05-25T12:00:00.000Z')
})

test('all time is unbounded; custom keeps its bounds', () => {
  assert.deepEqual(resolveRange({ kind: 'all' }, NOW), {})
  assert.deepEqual(resolveRange({ kind: 'custom', from: NOW - 1000, to: NOW }, NOW), {
    from: '2025-06-01T11:59:59.000Z',
    to: '2025-06-01T12:00:00.000Z',
  })
})

test('parses RFC 3339 with any fraction, epoch ms and datetime-local values', () => {
  assert.equal(parseTimeInput('2025-06-01T12:00:00Z'), NOW)
  assert.equal(parseTimeInput('2025-06-01T12:00:00.123456789Z'), NOW + 123)
  assert.equal(parseTimeInput('2025-06-01T14:00:00+02:00'), NOW)
  assert.equal(parseTimeInput(String(NOW)), NOW)
  const local = parseTimeInput('2025-06-01T12:00')
  assert.equal(typeof local, 'number')
  assert.equal(toLocalInput(local as number), '2025-06-01T12:00')
  for (const bad of ['', 'yesterday', '2025-13-45', '12:00']) assert.equal(parseTimeInput(bad), undefined, bad)
})

test('labels and the exclusive end just after a timestamp', () => {
  assert.equal(rangeLabel({ kind: 'preset', preset: '1h' }), 'Last 1 h')
  assert.equal(rangeLabel({ kind: 'all' }), 'All time')
  assert.equal(rangeLabel({ kind: 'custom', from: NOW, to: NOW + 60_000 }), '2025-06-01 12:00 UTC – 2025-06-01 12:01 UTC')
  assert.equal(justAfter('2025-06-01T12:00:00.123456789Z'), '2025-06-01T12:00:00.124Z')
})
