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
