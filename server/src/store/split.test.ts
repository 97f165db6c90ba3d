// Property tests of the per-insert bounds: the byte accounting of `splitEntries`, and the tokens of the parts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { entryBytes, entryBytesAtMost, LEVELS, type Entry } from '../model/index.ts'
import { tsvRow } from './encode.ts'
import { partToken, splitEntries } from './split.ts'

const text = fc.string({ unit: 'binary', maxLength: 300 })
const arbEntry: fc.Arbitrary<Entry> = fc.record({
  timestamp: fc.constant('2026-01-01T00:00:00.000000000Z'),
  level: fc.constantFrom(...LEVELS),
  service: fc.string({ maxLength: 20 }),
  message: text,
  attributes: fc.dictionary(fc.string({ maxLength: 10 }), text, { maxKeys: 6 }),
  trace_id: fc.string({ maxLength: 8 }),
  span_id: fc.string({ maxLength: 8 }),
})
const arbBounds = fc.record({ maxEntries: fc.integer({ min: 1, max: 40 }), maxBytes: fc.integer({ min: 1, max: 6_000 }) })
const weight = (list: Entry[]) => list.reduce((n, e) => n + entryBytes(e), 0)

test('chunks are the entries in order, each within the bounds, cut only when the next entry would not fit', () => {
  fc.assert(
    fc.property(fc.array(arbEntry, { maxLength: 120 }), arbBounds, (entries, bounds) => {
      const chunks = splitEntries(entries, bounds)
      assert.deepEqual(chunks.flat(), entries)
      chunks.forEach((chunk, i) => {
        assert.ok(chunk.length >= 1 && chunk.length <= bounds.maxEntries)
        // Over the byte bound only as a chunk of one entry that alone is heavier than the bound.
        assert.ok(weight(chunk) <= bounds.maxBytes || chunk.length === 1, `chunk ${i} weighs ${weight(chunk)}`)
        const next = chunks[i + 1]?.[0]
        if (next) assert.ok(chunk.length === bounds.maxEntries || weight(chunk) + entryBytes(next) > bounds.maxBytes, 'cut too early')
      })
      // The same batch always splits the same way (the part tokens depend on it).
      assert.deepEqual(splitEntries(entries, bounds), chunks)
    }),
  )
})

test('the byte count of an entry bounds its encoded row: at most twice, plus the row frame; never less than its UTF-8 fields', () => {
  fc.assert(
    fc.property(arbEntry, (e) => {
      const encoded = Buffer.byteLength(tsvRow(e))
      let fields = Buffer.byteLength(e.message) + Buffer.byteLength(e.service)
      for (const [k, v] of Object.entries(e.attributes)) fields += Buffer.byteLength(k) + Buffer.byteLength(v)
      assert.ok(entryBytes(e) >= fields)
      // The encoded size bound (encodeBody reserves this; not a second size function): escaping at most
      // doubles the counted fields and the ids (a UTF-16 unit is at most 3 bytes), each attribute adds
      // its quotes, colon and comma (6 bytes), and the frame (timestamp, level, tabs, braces, newline)
      // stays under 64 bytes.
      const ids = 3 * (e.trace_id.length + e.span_id.length)
      const frame = 64 + 6 * Object.keys(e.attributes).length
      assert.ok(encoded <= 2 * (entryBytes(e) + ids) + frame, `${encoded} encoded for ${entryBytes(e)} counted`)
    }),
  )
})

test('part tokens: one part keeps the batch token; parts of a batch, and of other splits of it, never collide', () => {
  assert.equal(partToken('batch-1', 0, 1), 'batch-1')
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (token, a, b) => {
      const tokens = [...Array.from({ length: a }, (_, i) => partToken(token, i, a)), ...(a === b ? [] : Array.from({ length: b }, (_, i) => partToken(token, i, b)))]
      assert.equal(new Set(tokens).size, tokens.length)
    }),
  )
})

test('an entry heavier than the byte bound goes alone, and an empty batch makes no insert', () => {
  const e = (message: string): Entry => ({ timestamp: '2026-01-01T00:00:00.000000000Z', level: 'info', service: 's', message, attributes: {}, trace_id: '', span_id: '' })
  const small = e('a')
  const big = e('x'.repeat(1000))
  const chunks = splitEntries([small, big, small], { maxEntries: 10, maxBytes: 500 })
  assert.deepEqual(chunks, [[small], [big], [small]])
  assert.deepEqual(splitEntries([], { maxEntries: 10, maxBytes: 500 }), [])
})

test('entryBytesAtMost is never under entryBytes, for any UTF-16 units (the batch bound trusts it without counting)', () => {
  fc.assert(fc.property(arbEntry, (e) => entryBytesAtMost(e) >= entryBytes(e)))
  // Tight for text of 3-byte characters alone (one UTF-16 unit each).
  const wide: Entry = { timestamp: '2026-01-01T00:00:00.000000000Z', level: 'info', service: '\u0800', message: '\uffff'.repeat(10), attributes: { '\u4e00': '\ud7ff' }, trace_id: '', span_id: '' }
  assert.equal(entryBytes(wide), 39)
  assert.equal(entryBytesAtMost(wide), 39)
})
