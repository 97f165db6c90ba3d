// The encoder's chunks: the rows exactly, UTF-8, never a row cut between two chunks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Entry } from '../model/index.ts'
import { encodeBody, encodeRows, jsonRow, tsvRow } from './encode.ts'

const arbEntry: fc.Arbitrary<Entry> = fc.record({
  timestamp: fc.constant('2026-01-01T00:00:00.000000000Z'),
  level: fc.constant('info' as const),
  service: fc.string({ maxLength: 10 }),
  message: fc.string({ unit: 'binary', maxLength: 200 }),
  attributes: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ unit: 'binary', maxLength: 50 }), { maxKeys: 3 }),
  trace_id: fc.constant(''),
  span_id: fc.constant(''),
})

// Any UTF-16 code units, lone surrogates and control characters included.
const units = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 })
const arbAnyEntry: fc.Arbitrary<Entry> = fc.record(
  {
    timestamp: fc.constant('2026-01-01T00:00:00.123456789Z'),
    level: fc.constantFrom('info' as const, 'error' as const),
    service: units,
    message: fc.oneof(units, fc.string({ unit: 'binary', maxLength: 200 })),
    attributes: fc.dictionary(units, fc.oneof(units, fc.constantFrom("it's", 'a\\b', 'x\ty')), { maxKeys: 4 }),
    trace_id: units,
    span_id: units,
    tenant: fc.constantFrom('acme', 'a.b-c_d'),
    id: units,
    pattern_id: fc.constantFrom('', '0123456789abcdef'),
  },
  { requiredKeys: ['timestamp', 'level', 'service', 'message', 'attributes', 'trace_id', 'span_id'] },
)

test('the body written straight into its buffer is the UTF-8 of tsvRow of every entry, whatever the text', () => {
  fc.assert(
    fc.property(fc.array(arbAnyEntry, { maxLength: 30 }), (entries) => {
      assert.ok(encodeBody(entries).equals(Buffer.from(entries.map(tsvRow).join(''), 'utf8')))
    }),
    { numRuns: 300 },
  )
  const lone: Entry = { timestamp: '2026-01-01T00:00:00.000000000Z', level: 'info', service: 'a\ud800', message: '\udc00x\ud83d\ude80\ud83d', attributes: { '\udfff': "'\t" }, trace_id: '', span_id: '' }
  assert.ok(encodeBody([lone]).equals(Buffer.from(tsvRow(lone), 'utf8')))
})

test('chunks hold whole rows, and together are the UTF-8 of every row in order', () => {
  fc.assert(
    fc.property(fc.array(arbEntry, { maxLength: 60 }), fc.integer({ min: 1, max: 2_000 }), (entries, chunkBytes) => {
      const chunks = [...encodeRows(entries, tsvRow, chunkBytes)]
      const expected = Buffer.from(entries.map(tsvRow).join(''), 'utf8')
      assert.ok(Buffer.concat(chunks).equals(expected))
      for (const c of chunks) assert.equal(c[c.length - 1], 0x0a)
      assert.ok(encodeBody(entries).equals(expected))
      // JSON escapes a control character in six bytes: over the reserve, through the fallback.
      assert.ok(encodeBody(entries, jsonRow).equals(Buffer.from(entries.map(jsonRow).join(''), 'utf8')))
    }),
  )
})
