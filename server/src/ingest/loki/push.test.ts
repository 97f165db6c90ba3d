import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compressSync, uncompressSync } from 'snappy'
import { REJECT_REASONS } from '../../errors.ts'
import { EntryError } from '../../model/index.ts'
import { parseLabels } from './labels.ts'
import { levelFromLine, mapEntry } from './mapping.ts'
import { PushRequest, decodeJson, decodeProtobuf, snappyLength } from './push.ts'

const NOW = '2025-06-01T00:00:00.000000000Z'
const MAX = 10 * 1024 * 1024

test('label strings: quoting, escapes, spacing, trailing comma; errors name the offset', () => {
  assert.deepEqual({ ...parseLabels('{}') }, {})
  assert.deepEqual({ ...parseLabels('{job="api", env="prod"}') }, { job: 'api', env: 'prod' })
  assert.deepEqual({ ...parseLabels(' { a = "x\\"y\\\\z\\n" ,b=`raw\\`,} ') }, { a: 'x"y\\z\n', b: 'raw\\' })
  for (const bad of ['', 'job="x"', '{job=x}', '{job="x"', '{1a="x"}', '{a="x" b="y"}', '{a="x"} tail']) {
    assert.throws(
      () => parseLabels(bad),
      (e: unknown) => e instanceof EntryError && e.reason === 'invalid_labels',
      bad,
    )
  }
})

function protoBody(streams: object[]): Buffer {
  return compressSync(Buffer.from(PushRequest.encode(PushRequest.fromObject({ streams })).finish()))
}

test('protobuf + snappy push request', () => {
  const body = protoBody([
    {
      labels: '{service_name="api", level="warn", pod="p1"}',
      entries: [
        { timestamp: { seconds: 1735732800, nanos: 5 }, line: 'one', structuredMetadata: [{ name: 'trace_id', value: 'abc' }] },
        { line: 'no time' },
      ],
    },
  ])
  assert.equal(snappyLength(body), uncompressSync(body).length)
  const streams = decodeProtobuf(body, MAX)
  assert.equal(streams.length, 1)
  const [s] = streams
  assert.ok(s && !(s.labels instanceof EntryError))
  assert.deepEqual({ ...s.labels }, { service_name: 'api', level: 'warn', pod: 'p1' })
  assert.equal(s.entries[0]?.timestamp, '2025-01-01T12:00:00.000000005Z')
  assert.equal(s.entries[1]?.timestamp, undefined)
  const e = s.entries[0]
  assert.ok(e)
  const v = mapEntry(s.labels, e.metadata, e.timestamp ?? undefined, e.line, NOW)
  assert.ok(v.ok)
  assert.deepEqual(
    { ...v.entry, attributes: { ...v.entry.attributes } },
    {
      timestamp: '2025-01-01T12:00:00.000000005Z',
      level: 'warn',
      service: 'api',
      message: 'one',
      attributes: { pod: 'p1' },
      trace_id: 'abc',
      span_id: '',
    },
  )
  assert.throws(
    () => decodeProtobuf(body, 4),
    (err: unknown) => err instanceof EntryError && err.reason === 'malformed_request',
  )
})

test('JSON push request, current and legacy forms', () => {
  const streams = decodeJson({
    streams: [
      { stream: { app: 'a', severity: 'ERROR' }, values: [['1735732800000000000', 'x', { user: 'u1' }], ['bad', 'y'], 'nope'] },
      { labels: '{job="j"}', entries: [{ ts: '2025-01-01T12:00:00Z', line: 'legacy' }] },
      { labels: '{broken', entries: [{ line: 'z' }] },
    ],
  })
  assert.equal(streams.length, 3)
  assert.equal(streams[0]?.entries[0]?.timestamp, '2025-01-01T12:00:00.000000000Z')
  assert.equal(streams[0]?.entries[1]?.timestamp, null)
  assert.equal(streams[0]?.entries[2]?.timestamp, null)
  assert.deepEqual({ ...streams[0]?.entries[0]?.metadata }, { user: 'u1' })
  assert.ok(streams[2]?.labels instanceof EntryError)
  const l = streams[1]
  assert.ok(l && !(l.labels instanceof EntryError))
  const v = mapEntry(l.labels, undefined, l.entries[0]?.timestamp ?? undefined, l.entries[0]?.line, NOW)
  assert.ok(v.ok)
  assert.equal(v.entry.service, 'j')
  assert.equal(v.entry.timestamp, '2025-01-01T12:00:00.000000000Z')
  assert.throws(() => decodeJson([]), EntryError)
})

test('service and level from labels, metadata, or the line', () => {
  const m = (labels: Record<string, string>, line: string, meta?: Record<string, string>) => {
    const v = mapEntry(labels, meta, undefined, line, NOW)
    assert.ok(v.ok)
    return v.entry
  }
  assert.equal(m({ job: 'j', app: 'a' }, 'x').service, 'a')
  assert.equal(m({}, 'x').service, 'unknown_service')
  assert.equal(m({}, 'x', { service_name: 'meta' }).service, 'meta')
  assert.equal(m({ detected_level: 'WARNING' }, 'x').level, 'warn')
  assert.equal(levelFromLine('{"level":50,"msg":"x"}'), 'error')
  assert.equal(levelFromLine('{"msg":"x","level":"debug"}'), 'debug')
  assert.equal(levelFromLine('ts=1 level=error msg="x"'), 'error')
  assert.equal(levelFromLine('nothing here'), 'info')
  const empty = mapEntry({}, undefined, undefined, '', NOW)
  assert.equal(empty.ok, false)
})

test('a 10-byte body whose literal length overflows is a typed rejection, not an endless loop', () => {
  assert.throws(() => decodeProtobuf(Buffer.from('J/z4xnX5G9ACzw==', 'base64'), MAX), (e) => e instanceof EntryError && e.reason === 'malformed_request')
})

const typed = (e: unknown) => e instanceof EntryError && (REJECT_REASONS as readonly string[]).includes(e.reason)

test('fuzz: random, truncated and corrupted bodies decode or throw only a typed rejection', () => {
  const valid = protoBody([
    {
      labels: '{app="a",level="info"}',
      entries: Array.from({ length: 20 }, (_, i) => ({
        timestamp: { seconds: 1735732800 + i },
        line: `line ${i}`,
        structuredMetadata: [{ name: 'k', value: 'v' }],
      })),
    },
  ])
  const run = (body: Buffer) => {
    try {
      for (const s of decodeProtobuf(body, MAX)) {
        if (s.labels instanceof EntryError) continue
        for (const e of s.entries) mapEntry(s.labels, e.metadata, e.timestamp ?? undefined, e.line, NOW)
      }
    } catch (e) {
      if (!typed(e)) throw e
    }
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => run(Buffer.from(bytes))),
    { numRuns: 250 },
  )
  fc.assert(
    fc.property(fc.nat(valid.length), fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (cut, at, byte) => {
      run(valid.subarray(0, cut))
      const flipped = Buffer.from(valid)
      flipped[at] = byte
      run(flipped)
      // a valid snappy frame around corrupted protobuf
      const raw = Buffer.from(uncompressSync(valid))
      raw[at % raw.length] = byte
      run(compressSync(raw))
      run(compressSync(raw.subarray(0, cut % raw.length)))
    }),
    { numRuns: 300 },
  )
  fc.assert(
    fc.property(fc.anything({ maxDepth: 6 }), fc.string({ unit: 'binary' }), (json, labels) => {
      for (const body of [
        json,
        { streams: [json] },
        { streams: [{ stream: json, values: [json, [json, json, json]] }] },
        { streams: [{ labels, entries: [json] }] },
      ]) {
        try {
          for (const s of decodeJson(body)) {
            if (s.labels instanceof EntryError) continue
            for (const e of s.entries) if (e.timestamp !== null) mapEntry(s.labels, e.metadata, e.timestamp, e.line, NOW)
          }
        } catch (e) {
          if (!typed(e)) throw e
        }
      }
    }),
    { numRuns: 300 },
  )
})
