import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatCount, formatPercent, formatTime } from './format.ts'

test('times keep milliseconds whatever the precision, and bad input is shown as is', () => {
  const local = formatTime('2025-06-01T12:00:00.123456789Z')
  assert.match(local, /^2025-06-0[12] \d{2}:00:00\.123$/)
  assert.equal(formatTime('not a time'), 'not a time')
})

test('counts and percentages', () => {
  assert.equal(formatCount(50000), '50,000')
  assert.equal(formatPercent(0.25), '25%')
  assert.equal(formatPercent(0.012), '1.2%')
  assert.equal(formatPercent(0), '0%')
})

test('one zone for every time: UTC when chosen, 24-hour always; relative times', async () => {
  const { timeSettings, formatClock, relativeTime, zoneName } = await import('./format.ts')
  timeSettings.utc = true
  try {
    assert.equal(formatTime('2025-06-01T23:05:09.5Z'), '2025-06-01 23:05:09.500')
    assert.equal(formatTime('2025-06-01T23:05:09+02:00'), '2025-06-01 21:05:09.000')
    const t = Date.parse('2025-06-01T21:05:09Z')
    assert.equal(formatClock(t), '21:05')
    assert.equal(formatClock(t, { seconds: true }), '21:05:09')
    assert.equal(formatClock(t, { date: true }), '06-01 21:05')
    assert.equal(zoneName(), 'UTC')
  } finally {
    timeSettings.utc = false
  }
  const now = Date.parse('2025-06-01T12:00:00Z')
  assert.equal(relativeTime(now - 500, now), 'just now')
  assert.equal(relativeTime(now - 42_000, now), '42 s ago')
  assert.equal(relativeTime(now - 5 * 60_000, now), '5 min ago')
  assert.equal(relativeTime(now - 3 * 3_600_000, now), '3 h ago')
  assert.equal(relativeTime(now - 2 * 86_400_000, now), '2 d ago')
  assert.equal(relativeTime(now + 90_000, now), 'in 1 min')
})
