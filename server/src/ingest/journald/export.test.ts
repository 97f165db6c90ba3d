import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EntryError } from '../../model/index.js'
import { ExportReader, type JournalEntry } from './export.js'
import { mapJournalEntry } from './mapping.js'

const LIMITS = { maxValueBytes: 10_241, maxFields: 256, maxEntryBytes: 256 * 1024 }

function binary(name: string, value: Buffer): Buffer {
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(value.length))
  return Buffer.concat([Buffer.from(`${name}\n`), len, value, Buffer.from('\n')])
}

const body = Buffer.concat([
  Buffer.from('__CURSOR=s=1;i=1\n__REALTIME_TIMESTAMP=1764201600123456\nMESSAGE=hello\nPRIORITY=3\nSYSLOG_IDENTIFIER=app\n_PID=42\n\n'),
  Buffer.from('__REALTIME_TIMESTAMP=1764201600123457\n'),
  binary('MESSAGE', Buffer.from('two\nlines \x01\xff', 'latin1')),
  Buffer.from('_SYSTEMD_UNIT=web.service\nPRIORITY=4\n\n'),
])

function read(chunks: Buffer[], limits = LIMITS): JournalEntry[] {
  const out: JournalEntry[] = []
  const r = new ExportReader(limits)
  for (const c of chunks) r.push(c, (e) => out.push(e))
  r.end((e) => out.push(e))
  return out
}

const simple = (es: JournalEntry[]) => es.map((e) => Object.fromEntries(e.fields.map((f) => [f.name, f.value.toString('latin1')])))

test('reads text and binary fields, whatever the chunking', () => {
  const whole = simple(read([body]))
  assert.deepEqual(whole, [
    {
      __CURSOR: 's=1;i=1',
      __REALTIME_TIMESTAMP: '1764201600123456',
      MESSAGE: 'hello',
      PRIORITY: '3',
      SYSLOG_IDENTIFIER: 'app',
      _PID: '42',
    },
    { __REALTIME_TIMESTAMP: '1764201600123457', MESSAGE: 'two\nlines \x01\xff', _SYSTEMD_UNIT: 'web.service', PRIORITY: '4' },
  ])
  // Byte by byte, and at every split point in two.
  assert.deepEqual(simple(read([...body].map((b) => Buffer.from([b])))), whole)
  for (let i = 1; i < body.length; i++) assert.deepEqual(simple(read([body.subarray(0, i), body.subarray(i)])), whole, `split at ${i}`)
  // The last entry without its empty line still counts.
  assert.deepEqual(simple(read([body.subarray(0, body.length - 1)])), whole)
})

test('keeps the beginning of an over-long value and marks it, for text and binary fields', () => {
  const limits = { ...LIMITS, maxValueBytes: 8 }
  const big = 'x'.repeat(100_000)
  const es = read([Buffer.from(`MESSAGE=${big}\nA=short\n`), binary('B', Buffer.from(big)), Buffer.from('C=1\n\nMESSAGE=next\n\n')], limits)
  assert.equal(es.length, 2)
  const [first] = es
  assert.deepEqual(
    first?.fields.map((f) => [f.name, f.value.toString(), f.truncated]),
    [
      ['MESSAGE', 'xxxxxxxx', true],
      ['A', 'short', false],
      ['B', 'xxxxxxxx', true],
      ['C', '1', false],
    ],
  )
  assert.deepEqual(simple([es[1] as JournalEntry]), [{ MESSAGE: 'next' }])
})

test('caps the fields of an entry', () => {
  const lines = Array.from({ length: 300 }, (_, i) => `F${i}=v\n`).join('')
  const [e] = read([Buffer.from(`MESSAGE=m\n${lines}\n`)])
  assert.equal(e?.fields.length, 256)
  assert.equal(e?.dropped, 45)
})

test('refuses what is not the export format', () => {
  const bad = (s: string | Buffer) =>
    assert.throws(
      () => read([Buffer.from(s)]),
      (err: unknown) => err instanceof EntryError && err.reason === 'malformed_request',
    )
  bad('{"message":"json"}\n\n')
  bad('lower=case\n\n')
  bad(Buffer.concat([binary('M', Buffer.from('abc')).subarray(0, 12)])) // ends inside a binary field
  bad(Buffer.concat([Buffer.from('M\n'), Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('abcX')]))
})

test('maps MESSAGE, PRIORITY, the identifier or unit and the time; other fields become attributes', () => {
  const [a, b] = read([body])
  const va = mapJournalEntry(a as JournalEntry, '2026-01-01T00:00:00.000000000Z')
  assert.ok(va.ok)
  assert.deepEqual(va.entry, {
    timestamp: '2025-11-27T00:00:00.123456000Z',
    level: 'error',
    service: 'app',
    message: 'hello',
    attributes: { _PID: '42' },
    trace_id: '',
    span_id: '',
  })
  const vb = mapJournalEntry(b as JournalEntry, '2026-01-01T00:00:00.000000000Z')
  assert.ok(vb.ok)
  assert.equal(vb.entry.service, 'web.service')
  assert.equal(vb.entry.level, 'warn')
  assert.equal(vb.entry.message, 'two\nlines \x01\ufffd')
  assert.deepEqual(vb.entry.attributes, { _SYSTEMD_UNIT: 'web.service' })

  const levels = ['0', '1', '2', '3', '4', '5', '6', '7', 'x'].map((p) => {
    const v = mapJournalEntry(
      {
        fields: [
          { name: 'MESSAGE', value: Buffer.from('m'), truncated: false },
          { name: 'PRIORITY', value: Buffer.from(p), truncated: false },
        ],
        dropped: 0,
      },
      '2026-01-01T00:00:00.000000000Z',
    )
    return v.ok ? v.entry.level : v.reason
  })
  assert.deepEqual(levels, ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug', 'info'])

  const f = (name: string, value: string, truncated = false) => ({ name, value: Buffer.from(value), truncated })
  const long = mapJournalEntry({ fields: [f('MESSAGE', 'x', true)], dropped: 0 }, '2026-01-01T00:00:00.000000000Z')
  assert.equal(long.ok ? 'ok' : long.reason, 'message_too_long')
  const none = mapJournalEntry({ fields: [f('_PID', '1')], dropped: 0 }, '2026-01-01T00:00:00.000000000Z')
  assert.equal(none.ok ? 'ok' : none.reason, 'missing_field')
  const badTime = mapJournalEntry(
    { fields: [f('MESSAGE', 'm'), f('__REALTIME_TIMESTAMP', 'soon')], dropped: 0 },
    '2026-01-01T00:00:00.000000000Z',
  )
  assert.equal(badTime.ok ? 'ok' : badTime.reason, 'invalid_timestamp')
  const fallback = mapJournalEntry(
    { fields: [f('MESSAGE', 'm'), f('_SOURCE_REALTIME_TIMESTAMP', '1000000'), f('__REALTIME_TIMESTAMP', '2000000')], dropped: 0 },
    'x',
  )
  assert.ok(fallback.ok)
  assert.equal(fallback.entry.service, 'journald')
  assert.equal(fallback.entry.timestamp, '1970-01-01T00:00:01.000000000Z')
  assert.deepEqual(fallback.entry.attributes, {})
})
