// The encoder's chunks: the rows exactly, UTF-8, never a row cut between two chunks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Entry } from '../model/index.ts'
import { FieldTable, bodyFromRows, decodeRows, encodeBody, encodeRows, jsonRow, labelsOf, tsvRow } from './encode.ts'

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

// Well-formed text (no lone surrogate, which UTF-8 cannot hold) with every character the format escapes.
const text = (max: number) => fc.oneof(fc.string({ unit: 'binary', maxLength: max }), fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', '\0', "'", ',', ':', '{', '}', 'a', 'é', '😀'), maxLength: max }))
/** An entry as ingest makes it: validate.ts's fields in their order, then id and (not the default) tenant. */
const arbIngested: fc.Arbitrary<Entry> = fc
  .tuple(
    fc.record({
      timestamp: fc.constantFrom('2026-01-01T00:00:00.123456789Z', '1970-01-01T00:00:00.000000000Z'),
      level: fc.constantFrom('debug' as const, 'info' as const, 'fatal' as const),
      service: text(10),
      message: text(100),
      attributes: fc.dictionary(fc.oneof(text(6), fc.constantFrom('__proto__', '1', 'constructor')), text(20), { maxKeys: 4 }),
      trace_id: fc.constantFrom('', '4bf92f3577b34da6a3ce929d0e0e4736'),
      span_id: fc.constantFrom('', '00f067aa0ba902b7'),
    }),
    fc.option(fc.uuid(), { nil: undefined }),
    fc.constantFrom(undefined, 'acme', 'a.b-c_d'),
  )
  .map(([e, id, tenant]) => {
    // JSON.parse, as the entries of a request are: `__proto__` is a plain key.
    const out = JSON.parse(JSON.stringify(e)) as Entry
    if (id !== undefined) out.id = id
    if (tenant !== undefined) out.tenant = tenant
    return out
  })

test("the write-ahead log's rows decode to the entries encoded, fields in the same order (JSON of each the same)", () => {
  fc.assert(
    fc.property(fc.array(arbIngested, { maxLength: 20 }), (entries) => {
      const back = decodeRows(encodeBody(entries))
      assert.deepEqual(back, entries)
      assert.deepEqual(back.map((e) => JSON.stringify(e)), entries.map((e) => JSON.stringify(e)))
      assert.deepEqual(back.map((e) => Object.keys(e.attributes)), entries.map((e) => Object.keys(e.attributes)))
    }),
    { numRuns: 500 },
  )
  const labelled = { ...JSON.parse(JSON.stringify({ timestamp: '2026-01-01T00:00:00.000000000Z', level: 'info', service: 's', message: 'm', attributes: {}, trace_id: '', span_id: '' })), id: 'x', pattern_id: 'p1' } as Entry
  assert.deepEqual(decodeRows(encodeBody([labelled])), [labelled])
  assert.throws(() => decodeRows(Buffer.from('a\tb\n')), /fields/)
})

test('the body made from rows written before labelling is the body of the labelled entries', () => {
  fc.assert(
    fc.property(
      fc.array(arbIngested, { minLength: 1, maxLength: 30 }),
      fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1 }),
      fc.boolean(),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 3 }),
      (given, cuts, label, pre, decoys) => {
        // Copies: fast-check hands the same objects to the next runs while it shrinks.
        const entries = given.map(({ pattern_id: _, ...e }) => ({ ...e }) as Entry)
        // Rows may hold an id already (escaped, longer or shorter than the new one): it is replaced.
        if (pre) entries.forEach((e, i) => (e.pattern_id = i % 2 === 0 ? `old\t${'é'.repeat(i)}` : ''))
        // The records: the entries cut into runs, each encoded on its own, as appends are.
        const records: Buffer[] = []
        for (let i = 0, k = 0; i < entries.length; k++) {
          const n = cuts[k % cuts.length] as number
          records.push(encodeBody(entries.slice(i, i + n)))
          i += n
        }
        // (Rows are written unlabelled in the product; if some were not, a label is given again.)
        if (label) entries.forEach((e, i) => (e.pattern_id = i % 3 === 0 && !pre ? '' : `${(i * 2654435761) % 2 ** 32}\\é`))
        // Labels by number, as the pattern thread gives them: a table in its own order, with other ids in it.
        const ids = new FieldTable()
        const known = new Map<string, number>()
        for (const id of [...decoys, ...new Set(entries.map((e) => e.pattern_id ?? '').reverse())]) {
          if (known.has(id)) continue
          known.set(id, ids.size)
          ids.push(id)
        }
        const labels = { which: Int32Array.from(entries, (e) => known.get(e.pattern_id ?? '') as number), ids }
        const expected = encodeBody(entries)
        assert.ok(bodyFromRows({ records, labels }, entries.length)?.equals(expected), 'labels by number')
        assert.ok(bodyFromRows({ records, labels: labelsOf(entries) }, entries.length)?.equals(expected), 'labels from the entries')
        if (!label) assert.ok(bodyFromRows({ records }, entries.length)?.equals(expected), 'no labels: the rows as they are')
        assert.equal(bodyFromRows({ records, labels: { which: labels.which.subarray(1), ids } }, entries.length - 1), undefined, 'fewer labels than rows')
        assert.equal(bodyFromRows({ records }, entries.length - 1), undefined, 'fewer entries than rows')
      },
    ),
    { numRuns: 300 },
  )
})
