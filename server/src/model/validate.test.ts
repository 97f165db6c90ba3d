import { test } from 'node:test'
import assert from 'node:assert/strict'
import { REJECT_REASONS } from '../errors.ts'
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '../config/settings.ts'
import { configureValidation, normalize, validateEntry } from './validate.ts'

const ok = { level: 'INFO', message: 'm', service: 's' }

test('a valid entry is normalized', () => {
  const v = validateEntry({ ...ok, timestamp: '2025-01-01T12:00:00Z', attributes: { a: 1, b: false }, trace_id: 'ABC', span_id: 'def' })
  assert.ok(v.ok)
  assert.deepEqual(v.entry, {
    timestamp: '2025-01-01T12:00:00.000000000Z',
    level: 'info',
    service: 's',
    message: 'm',
    attributes: { a: '1', b: 'false' },
    trace_id: 'abc',
    span_id: 'def',
  })
})

test('every rejection has a reason from the closed set and a message naming the field', () => {
  const cases: [unknown, string, RegExp][] = [
    [null, 'not_an_object', /object/],
    [{ ...ok, extra: 1 }, 'unknown_field', /'extra'/],
    [{ message: 'm', service: 's' }, 'missing_field', /level/],
    [{ ...ok, level: 'loud' }, 'invalid_level', /level/],
    [{ ...ok, message: '' }, 'empty_message', /message/],
    [{ ...ok, message: 'x'.repeat(10241) }, 'message_too_long', /10241 bytes.*10240/],
    [{ ...ok, service: '  ' }, 'empty_service', /service/],
    [{ ...ok, service: 'ü'.repeat(101) }, 'service_too_long', /101 characters.*100/],
    [{ ...ok, timestamp: 'x' }, 'invalid_timestamp', /timestamp/],
    [{ ...ok, timestamp: 5 }, 'invalid_type', /timestamp/],
    [{ ...ok, attributes: [1] }, 'invalid_attributes', /attributes/],
    [{ ...ok, attributes: { k: null } }, 'invalid_attributes', /attributes\.k/],
    [{ ...ok, trace_id: 'a b' }, 'invalid_trace_id', /trace_id/],
    [{ ...ok, span_id: 'x'.repeat(33) }, 'invalid_span_id', /span_id/],
  ]
  for (const [input, reason, re] of cases) {
    const v = validateEntry(input)
    assert.equal(v.ok, false, JSON.stringify(input)?.slice(0, 80))
    if (!v.ok) {
      assert.equal(v.reason, reason)
      assert.ok((REJECT_REASONS as readonly string[]).includes(v.reason))
      assert.match(v.error, re)
    }
  }
})

test('service length counts characters, message length counts UTF-8 bytes', () => {
  assert.ok(validateEntry({ ...ok, service: '😀'.repeat(100) }).ok)
  assert.ok(validateEntry({ ...ok, message: '😀'.repeat(2560) }).ok) // 10240 bytes
  assert.equal(validateEntry({ ...ok, message: '😀'.repeat(2560) + 'x' }).ok, false)
})

test('a timestamp further ahead than MAX_FUTURE_SKEW is refused naming the field and the limit (issue 11)', () => {
  const base = { level: 'info' as const, message: 'm', service: 's' }
  const ahead = (ms: number) => new Date(Date.now() + ms).toISOString()
  const farTs = ahead(DEFAULT_MAX_FUTURE_SKEW_MS + 60_000)
  const far = normalize({ ...base, timestamp: farTs })
  assert.equal(far.ok, false)
  if (!far.ok) {
    assert.equal(far.reason, 'timestamp_in_future')
    assert.equal(far.error, `timestamp '${farTs}' is more than 24h in the future (MAX_FUTURE_SKEW)`)
  }
  assert.equal(normalize({ ...base, timestamp: ahead(DEFAULT_MAX_FUTURE_SKEW_MS - 60_000) }).ok, true)
  assert.equal(normalize({ ...base, timestamp: '1971-01-01T00:00:00Z' }).ok, true, 'the past is not limited')
  configureValidation({ maxFutureSkewMs: 60_000 })
  try {
    assert.equal(normalize({ ...base, timestamp: ahead(120_000) }).ok, false)
  } finally {
    configureValidation({ maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS })
  }
})

test('the future bound read as text agrees with the clock on both sides of it, and with a bound past year 9999', () => {
  const base = { level: 'info' as const, message: 'm', service: 's' }
  const ahead = (ms: number) => new Date(Date.now() + ms).toISOString()
  configureValidation({ maxFutureSkewMs: 60_000 })
  try {
    assert.equal(normalize({ ...base, timestamp: ahead(50_000) }).ok, true)
    assert.equal(normalize({ ...base, timestamp: `${ahead(50_000).slice(0, 23)}999999Z` }).ok, true, 'nanoseconds under the bound')
    assert.equal(normalize({ ...base, timestamp: ahead(70_000) }).ok, false)
    configureValidation({ maxFutureSkewMs: 1e15 }) // the bound is in year 33658
    assert.equal(normalize({ ...base, timestamp: '2261-12-31T23:59:59.999999999Z' }).ok, true)
    configureValidation({ maxFutureSkewMs: 0 })
    assert.equal(normalize({ ...base, timestamp: ahead(5_000) }).ok, false)
  } finally {
    configureValidation({ maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS })
  }
})
