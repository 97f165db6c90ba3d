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
