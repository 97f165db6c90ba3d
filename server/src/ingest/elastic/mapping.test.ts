import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { EntryError } from '../../model/index.ts'
import { REJECT_REASONS } from '../../errors.ts'
import { MAX_DOCUMENT_DEPTH, nestsDeeperThan, parseBulk } from './bulk.ts'
import { mapDocument, serviceFromIndex, toTimestamp } from './mapping.ts'

const NOW = '2025-06-01T00:00:00.000000000Z'

test('ECS document: nested and dotted fields are the same, the rest flattened into attributes', () => {
  const nested = mapDocument(
    {
      '@timestamp': '2025-01-01T12:00:00.123Z',
      message: 'GET /',
      log: { level: 'WARN', logger: 'http' },
      service: { name: 'web', version: '1.2' },
      trace: { id: 'ABCDEF' },
      span: { id: '0123' },
      host: { name: 'h1', ip: ['10.0.0.1'] },
      http: { response: { status_code: 200 } },
      nothing: null,
    },
    'filebeat-8.17.0-2025.01.01',
    NOW,
  )
  assert.ok(nested.ok)
  assert.deepEqual(
    { ...nested.entry, attributes: { ...nested.entry.attributes } },
    {
      timestamp: '2025-01-01T12:00:00.123000000Z',
      level: 'warn',
      service: 'web',
      message: 'GET /',
      attributes: {
        'log.logger': 'http',
        'service.version': '1.2',
        'host.name': 'h1',
        'host.ip': '["10.0.0.1"]',
        'http.response.status_code': '200',
      },
      trace_id: 'abcdef',
      span_id: '0123',
    },
  )
  const dotted = mapDocument(
    { '@timestamp': '2025-01-01T12:00:00.123Z', message: 'GET /', 'log.level': 'warn', 'service.name': 'web' },
    undefined,
    NOW,
  )
  assert.ok(dotted.ok)
  assert.equal(dotted.entry.level, 'warn')
  assert.equal(dotted.entry.service, 'web')
})

test('plain JSON loggers: msg, numeric pino levels, epoch times, app/logger as service', () => {
  const pino = mapDocument({ level: 50, time: 1735732800123, msg: 'boom', pid: 1, hostname: 'h' }, 'pino', NOW)
  assert.ok(pino.ok)
  assert.equal(pino.entry.level, 'error')
  assert.equal(pino.entry.timestamp, '2025-01-01T12:00:00.123000000Z')
  assert.equal(pino.entry.service, 'pino')
  assert.deepEqual({ ...pino.entry.attributes }, { pid: '1', hostname: 'h' })
  const py = mapDocument({ severity: 'CRITICAL', ts: '2025-01-01T12:00:00Z', log: 'x', logger: 'app.db' }, undefined, NOW)
  assert.ok(py.ok)
  assert.equal(py.entry.level, 'fatal')
  assert.equal(py.entry.service, 'app.db')
  const noService = mapDocument({ message: 'm' }, undefined, NOW)
  assert.ok(noService.ok)
  assert.equal(noService.entry.service, 'elasticsearch')
  assert.equal(noService.entry.timestamp, NOW)
  assert.equal(noService.entry.level, 'info')
})

test('index names as services: data streams and dated indices', () => {
  assert.equal(serviceFromIndex('logs-nginx.access-default'), 'nginx.access')
  assert.equal(serviceFromIndex('logstash-2025.01.01'), 'logstash')
  assert.equal(serviceFromIndex('filebeat-8.17.0-2025.01.01'), 'filebeat-8.17.0')
  assert.equal(serviceFromIndex('myapp'), 'myapp')
  assert.equal(serviceFromIndex(undefined), undefined)
})

test('epoch timestamps by magnitude', () => {
  assert.equal(toTimestamp(1735732800), '2025-01-01T12:00:00.000000000Z')
  assert.equal(toTimestamp(1735732800.5), '2025-01-01T12:00:00.500000000Z')
  assert.equal(toTimestamp(1735732800123), '2025-01-01T12:00:00.123000000Z')
  assert.equal(toTimestamp(1735732800123456), '2025-01-01T12:00:00.123456000Z')
  assert.equal(toTimestamp('1735732800123456789'), '2025-01-01T12:00:00.123456789Z')
  assert.equal(toTimestamp(-1), null)
  assert.equal(toTimestamp(1e30), null)
})

test('rejections name the field', () => {
  const r = mapDocument({ level: 'info' }, 'x', NOW)
  assert.equal(r.ok, false)
  if (!r.ok) {
    assert.equal(r.reason, 'missing_field')
    assert.match(r.error, /message/)
  }
  const t = mapDocument({ message: 'm', '@timestamp': 'yesterday' }, 'x', NOW)
  assert.equal(t.ok, false)
  if (!t.ok) assert.equal(t.reason, 'invalid_timestamp')
  assert.equal(mapDocument([1], 'x', NOW).ok, false)
})

test('bulk body: action/source pairs, delete has no source, bad source fails only its item', () => {
  const body = [
    '{"index":{"_index":"a","_id":"1"}}',
    '{"message":"one"}',
    '',
    '{"delete":{"_id":"2"}}',
    '{"create":{}}',
    '{not json',
    '{"update":{"_id":"3"}}',
    '{"doc":{}}',
    '{"index":{}}',
    '{"message":"last"}',
  ].join('\n')
  const items = parseBulk(body, 'url-index')
  assert.deepEqual(
    items.map((i) => [i.action, i.index, i.id, i.error === undefined]),
    [
      ['index', 'a', '1', true],
      ['delete', 'url-index', '2', true],
      ['create', 'url-index', undefined, false],
      ['update', 'url-index', '3', true],
      ['index', 'url-index', undefined, true],
    ],
  )
  assert.throws(
    () => parseBulk('{"index":{}}\n{"message":"x"}\n[1]\n', undefined),
    (e: unknown) => e instanceof EntryError && /line \[3\]/.test(e.message),
  )
  assert.throws(() => parseBulk('{"upsert":{}}\n', undefined), EntryError)
})

const isTyped = (e: unknown) => e instanceof EntryError && (REJECT_REASONS as readonly string[]).includes(e.reason)

test('fuzz: any bulk body parses or throws only a typed rejection; any document maps without throwing', () => {
  const line = fc.oneof(
    fc.json(),
    fc.constantFrom('{"index":{}}', '{"create":{"_index":"x"}}', '{"delete":{}}', '{"update":{}}', '{"message":"m","level":"warn"}'),
    fc.string({ unit: 'binary' }),
  )
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20 }), fc.option(fc.string()), (lines, index) => {
      const body = lines.join('\n')
      for (const cut of [body, body.slice(0, Math.floor(body.length / 2))]) {
        try {
          for (const item of parseBulk(cut, index ?? undefined)) mapDocument(item.doc, item.index, NOW)
        } catch (e) {
          if (!isTyped(e)) throw e
        }
      }
    }),
    { numRuns: 300 },
  )
  fc.assert(
    fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withTypedArray: true, maxDepth: 12 }), (doc) => {
      const r = mapDocument(doc, 'i', NOW)
      if (!r.ok) assert.ok((REJECT_REASONS as readonly string[]).includes(r.reason))
    }),
    { numRuns: 300 },
  )
})

test('a document nested 100,000 deep fails only its item, naming the limit (issue 11)', () => {
  const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)
  const body = `{"index":{}}\n${deep}\n{"index":{}}\n{"message":"fine","service":"s"}\n`
  const items = parseBulk(body, 'logs')
  assert.equal(items.length, 2)
  assert.equal(items[0]?.reason, 'nesting_too_deep')
  assert.match(items[0]?.error ?? '', new RegExp(`the limit is ${MAX_DOCUMENT_DEPTH}`))
  assert.deepEqual(items[1]?.doc, { message: 'fine', service: 's' })
  assert.throws(() => parseBulk(`${'['.repeat(100_000)}\n`, 'logs'), /nested deeper than 64/)
})

test('nesting depth: brackets inside strings do not count', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100 }), fc.string(), (n, s) => {
      const text = '['.repeat(n) + JSON.stringify(s) + ']'.repeat(n)
      return nestsDeeperThan(text, MAX_DOCUMENT_DEPTH) === n > MAX_DOCUMENT_DEPTH
    }),
  )
  assert.equal(nestsDeeperThan(JSON.stringify({ a: '{{{{[[[['.repeat(100), b: [[1]] }), 3), false)
})
