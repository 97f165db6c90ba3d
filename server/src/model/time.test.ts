import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { fromClickHouse, fromEpochNanos, parseTimestamp, toApi, toClickHouse, nowTimestamp } from './time.ts'

test('RFC 3339 to the canonical nanosecond form', () => {
  assert.equal(parseTimestamp('2025-01-01T12:00:00Z'), '2025-01-01T12:00:00.000000000Z')
  assert.equal(parseTimestamp('2025-01-01T12:00:00.5Z'), '2025-01-01T12:00:00.500000000Z')
  assert.equal(parseTimestamp('2025-01-01T12:00:00.123456789Z'), '2025-01-01T12:00:00.123456789Z')
  assert.equal(parseTimestamp('2025-01-01T12:00:00.1234567891234Z'), '2025-01-01T12:00:00.123456789Z')
  assert.equal(parseTimestamp('2025-01-01T14:30:00+02:30'), '2025-01-01T12:00:00.000000000Z')
  assert.equal(parseTimestamp('2025-01-01 12:00:00'), '2025-01-01T12:00:00.000000000Z')
  assert.equal(parseTimestamp('2024-12-31T23:00:00-01:00'), '2025-01-01T00:00:00.000000000Z')
  assert.equal(parseTimestamp('2016-12-31T23:59:60Z'), '2016-12-31T23:59:59.000000000Z')
})

test('invalid timestamps', () => {
  for (const s of ['', 'now', '2025-1-1T00:00:00Z', '2025-02-29T00:00:00Z', '2025-01-01T24:00:00Z', '1969-12-31T23:59:59Z', '2025-01-01T00:00:00+25:00']) {
    assert.equal(parseTimestamp(s), undefined, s)
  }
})

test('API form keeps what precision there was, ClickHouse form round-trips', () => {
  assert.equal(toApi('2025-01-01T12:00:00.000000000Z'), '2025-01-01T12:00:00.000Z')
  assert.equal(toApi('2025-01-01T12:00:00.123000000Z'), '2025-01-01T12:00:00.123Z')
  assert.equal(toApi('2025-01-01T12:00:00.123400000Z'), '2025-01-01T12:00:00.123400Z')
  assert.equal(toApi('2025-01-01T12:00:00.123456000Z'), '2025-01-01T12:00:00.123456Z')
  assert.equal(toApi('2025-01-01T12:00:00.123456789Z'), '2025-01-01T12:00:00.123456789Z')
  const c = '2025-01-01T12:00:00.123456789Z'
  assert.equal(toClickHouse(c), '2025-01-01 12:00:00.123456789')
  assert.equal(fromClickHouse(toClickHouse(c)), c)
  assert.equal(fromClickHouse('2025-01-01 12:00:00'), '2025-01-01T12:00:00.000000000Z')
  assert.equal(fromEpochNanos('1735732800123456789'), c)
})

test('an offset cannot carry a timestamp past the year bounds (issue 11)', () => {
  assert.equal(parseTimestamp('2261-12-31T23:30:00-23:59'), undefined)
  assert.equal(parseTimestamp('1970-01-01T00:10:00+23:59'), undefined)
  assert.equal(parseTimestamp('2261-12-31T00:30:00-23:00'), '2261-12-31T23:30:00.000000000Z')
})

test('nowTimestamp is the clock to the millisecond in the canonical form, across second boundaries', () => {
  // It formats the date part once per second: run until the second has changed.
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 23)
  const end = Date.now() + 5_000
  const seconds = new Set<string>()
  while (seconds.size < 2 && Date.now() < end) {
    const before = iso(Date.now())
    const ts = nowTimestamp()
    const after = iso(Date.now())
    assert.match(ts, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/)
    const ms = ts.slice(0, 23)
    assert.ok(ms >= before && ms <= after, `${ts} is not between ${before} and ${after}`)
    seconds.add(ts.slice(0, 19))
  }
  assert.ok(seconds.size >= 2, 'the clock did not cross a second within 5 s')
})

test('the Z form read by position gives what the general reader gives for the same instant at +00:00', () => {
  fc.assert(
    fc.property(fc.integer({ min: -2e12, max: 1e13 }), fc.integer({ min: 0, max: 12 }), (ms, digits) => {
      const iso = new Date(ms).toISOString()
      const s = `${iso.slice(0, 19)}${digits ? `.${'123456789012'.slice(0, digits)}` : ''}Z`
      assert.equal(parseTimestamp(s), parseTimestamp(`${s.slice(0, -1)}+00:00`), s)
    }),
    { numRuns: 5000 },
  )
  for (const s of ['2025-02-29T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T12:00:00.Z', '2025-01-01T12:00:00.1aZ', '2025-13-01T00:00:00Z', '2025-01-00T00:00:00Z', '2025-01-01T00:60:00Z', '2262-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z', '2025-01-01T12:00:0aZ'])
    assert.equal(parseTimestamp(s), undefined, s)
  assert.equal(parseTimestamp('2024-02-29T00:00:00Z'), '2024-02-29T00:00:00.000000000Z')
  assert.equal(parseTimestamp('2025-01-01t12:00:00z'), '2025-01-01T12:00:00.000000000Z')
  assert.equal(parseTimestamp('2025-01-01T12:00:00,5Z'), '2025-01-01T12:00:00.500000000Z')
})
