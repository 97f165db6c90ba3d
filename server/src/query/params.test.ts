// Every query parameter is bounded: a bad value is a 400 naming it, never a 500 from the engine (issue 11).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chooseInterval, MAX_INTERVAL_MS, parseCursor, parseFilter, parseInt, parseInterval } from './params.ts'

function badParameter(fn: () => unknown, name: string): void {
  assert.throws(fn, (err: Error & { code?: string; statusCode?: number }) => {
    assert.equal(err.code, 'LOG_ERR_BAD_PARAMETER')
    assert.equal(err.statusCode, 400)
    assert.match(err.message, new RegExp(`'${name}'`))
    return true
  })
}

test('interval: absurd values are a 400 naming interval and the bound', () => {
  badParameter(() => parseInterval({ interval: '99999999999w' }), 'interval')
  badParameter(() => parseInterval({ interval: '9'.repeat(400) + 's' }), 'interval')
  badParameter(() => parseInterval({ interval: '500ms' }), 'interval')
  badParameter(() => parseInterval({ interval: '1y' }), 'interval')
  assert.throws(() => parseInterval({ interval: '367d' }), /at most 366d/)
  assert.equal(parseInterval({ interval: '366d' }), MAX_INTERVAL_MS)
  assert.equal(parseInterval({ interval: '1m' }), 60_000)
})

test('limit, offset, from, to and cursor out of bounds are 400s naming them', () => {
  badParameter(() => parseInt({ limit: '9'.repeat(40) }, 'limit', 100, 1, 1000), 'limit')
  badParameter(() => parseInt({ offset: '-1' }, 'offset', 0, 0, 100_000), 'offset')
  badParameter(() => parseFilter({ from: 'now-99999999999999999999w' }), 'from')
  badParameter(() => parseFilter({ to: '99999999999999999' }), 'to')
  badParameter(() => parseFilter({ from: '3000-01-01T00:00:00Z' }), 'from')
  badParameter(() => parseFilter({ from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' }), 'from')
  const overflow = Buffer.from('2025-01-01T00:00:00.000000000Z|99999999999999999999').toString('base64url')
  badParameter(() => parseCursor({ cursor: overflow }), 'cursor')
  badParameter(() => parseCursor({ cursor: '%%%' }), 'cursor')
})

test('an "All time" range over centuries gives a few hundred buckets, not a 400 for too many', () => {
  const span = Date.parse('2261-12-31T00:00:00Z') - Date.parse('1970-01-01T00:00:00Z')
  const interval = chooseInterval(span)
  assert.ok(span / interval <= 300, `${span / interval} buckets`) // the route refuses more than 10,000
  assert.equal(interval % 86_400_000, 0, 'whole days')
  const decades = Date.parse('2060-01-01T00:00:00Z') - Date.parse('1970-01-01T00:00:00Z')
  assert.ok(decades / chooseInterval(decades) <= 100, 'up to a century: at most 100 buckets')
  assert.equal(chooseInterval(3_600_000), 60_000, 'short ranges keep the ladder')
  // never past the largest interval the engine's UInt32 seconds (and parseInterval) allow
  assert.equal(chooseInterval(Number.MAX_SAFE_INTEGER), MAX_INTERVAL_MS)
})
