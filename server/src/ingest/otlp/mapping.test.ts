import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { REJECT_REASONS } from '../../errors.ts'
import { EntryError } from '../../model/index.ts'
import { anyValue, level, mapRequest } from './mapping.ts'
import { decodeRequest, encodeRequest } from './proto.ts'

const NOW = '2025-06-01T00:00:00.000000000Z'
const kv = (key: string, value: object) => ({ key, value })

function request(traceId: unknown, spanId: unknown) {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            kv('service.name', { stringValue: 'checkout' }),
            kv('host.name', { stringValue: 'h1' }),
            kv('k8s', { kvlistValue: { values: [kv('pod', { stringValue: 'p' })] } }),
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'my.lib', version: '1.0', attributes: [kv('scope.attr', { boolValue: true })] },
            logRecords: [
              {
                timeUnixNano: '1735732800123456789',
                observedTimeUnixNano: '1735732801000000000',
                severityNumber: 17,
                severityText: 'oops',
                body: { stringValue: 'payment failed' },
                attributes: [
                  kv('http.status', { intValue: '502' }),
                  kv('ratio', { doubleValue: 0.5 }),
                  kv('tags', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } }),
                ],
                traceId,
                spanId,
              },
              {
                observedTimeUnixNano: '1735732801000000000',
                severityText: 'WARNING',
                body: { kvlistValue: { values: [kv('a', { intValue: 1 })] } },
              },
              { timeUnixNano: '1735732800000000000', body: { stringValue: '' } },
            ],
          },
        ],
      },
    ],
  }
}

const expected = {
  timestamp: '2025-01-01T12:00:00.123456789Z',
  level: 'error',
  service: 'checkout',
  message: 'payment failed',
  attributes: {
    'http.status': '502',
    ratio: '0.5',
    tags: '["a",2]',
    'otel.scope.name': 'my.lib',
    'otel.scope.version': '1.0',
    'scope.attr': 'true',
    'host.name': 'h1',
    'k8s.pod': 'p',
  },
  trace_id: '5b8efff798038103d269b633813fc60c',
  span_id: 'eee19b7ec3c1b174',
}

function check(result: ReturnType<typeof mapRequest>) {
  assert.equal(result.entries.length, 2)
  const [first, second] = result.entries
  assert.deepEqual({ ...first, attributes: { ...first?.attributes } }, expected)
  assert.equal(second?.timestamp, '2025-01-01T12:00:01.000000000Z') // observed time when time is unset
  assert.equal(second?.level, 'warn')
  assert.equal(second?.message, '{"a":1}')
  assert.deepEqual(result.rejected, [{ reason: 'empty_message', error: 'message must not be empty' }])
}

test('OTLP/JSON: hex ids, string int64s', () => {
  check(mapRequest(request('5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174'), NOW))
})

test('OTLP protobuf: bytes ids, Long int64s, same result', () => {
  const body = encodeRequest(request(Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'), Buffer.from('eee19b7ec3c1b174', 'hex')))
  check(mapRequest(decodeRequest(body), NOW))
})

test('severity numbers by range, else the text', () => {
  assert.deepEqual(
    [1, 5, 9, 13, 17, 21, 24].map((n) => level(n, undefined)),
    ['debug', 'debug', 'info', 'warn', 'error', 'fatal', 'fatal'],
  )
  assert.equal(level(0, 'Error'), 'error')
  assert.equal(level('SEVERITY_NUMBER_WARN2', undefined), 'warn')
  assert.equal(level(undefined, undefined), 'info')
  assert.equal(anyValue({ bytesValue: Buffer.from('hi') }), 'aGk=')
})

const typed = (e: unknown) => e instanceof EntryError && (REJECT_REASONS as readonly string[]).includes(e.reason)

test('fuzz: random, truncated and corrupted requests decode or throw only a typed rejection', () => {
  const valid = encodeRequest(request(Buffer.alloc(16, 1), Buffer.alloc(8, 2)))
  const run = (body: Uint8Array) => {
    try {
      const r = mapRequest(decodeRequest(body), NOW)
      for (const x of r.rejected) assert.ok((REJECT_REASONS as readonly string[]).includes(x.reason))
    } catch (e) {
      if (!typed(e)) throw e
    }
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), run), { numRuns: 1000 })
  fc.assert(
    fc.property(fc.nat(valid.length), fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (cut, at, byte) => {
      run(valid.subarray(0, cut))
      const f = Buffer.from(valid)
      f[at] = byte
      run(f)
    }),
    { numRuns: 1000 },
  )
  fc.assert(
    fc.property(fc.anything({ maxDepth: 8, withBigInt: true, withNullPrototype: true }), (x) => {
      for (const body of [
        x,
        { resourceLogs: [x] },
        { resourceLogs: [{ resource: x, scopeLogs: [{ scope: x, logRecords: [x, { body: x, attributes: [x] }] }] }] },
      ]) {
        mapRequest(body, NOW)
      }
    }),
    { numRuns: 500 },
  )
})
