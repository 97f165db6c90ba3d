// Property tests of the byte estimate every bound shares: exact (to a few bytes of overhead) for the
// JSON of plain ASCII entries, and never more than that overhead above the UTF-8 JSON of any entry,
// nor more than 6 times below it (the worst escape).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Entry } from './entry.ts'
import { entriesJsonBytes, entryJsonBytes } from './size.ts'

const entry = (str: fc.Arbitrary<string>): fc.Arbitrary<Entry> =>
  fc.record({
    timestamp: fc.constant('2025-01-01T00:00:00.000000000Z'),
    level: fc.constantFrom('debug', 'info', 'warn', 'error', 'fatal') as fc.Arbitrary<Entry['level']>,
    service: str,
    message: str,
    attributes: fc.dictionary(str, str, { maxKeys: 20 }),
    trace_id: str,
    span_id: str,
  })

const plain = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz ABC0123456789.,:;-_/'.split('')), maxLength: 200 })
const any = fc.string({ unit: 'binary', maxLength: 200 })
const json = (e: Entry) => Buffer.byteLength(JSON.stringify(e))

test('plain ASCII: the estimate is the JSON size plus at most 5 bytes', () => {
  fc.assert(
    fc.property(entry(plain), (e) => {
      const d = entryJsonBytes(e) - json(e)
      assert.ok(d >= 0 && d <= 5, `estimate ${entryJsonBytes(e)} vs JSON ${json(e)}`)
    }),
  )
})

test('any text: the JSON is at least the estimate less 5 bytes and at most 6 times the estimate', () => {
  fc.assert(
    fc.property(entry(any), (e) => {
      assert.ok(json(e) >= entryJsonBytes(e) - 5, `JSON ${json(e)} below estimate ${entryJsonBytes(e)}`)
      assert.ok(json(e) <= 6 * entryJsonBytes(e), `JSON ${json(e)} over 6x estimate ${entryJsonBytes(e)}`)
    }),
  )
})

test('entriesJsonBytes sums the estimates', () => {
  fc.assert(fc.property(fc.array(entry(any), { maxLength: 5 }), (es) => assert.equal(entriesJsonBytes(es), es.reduce((n, e) => n + entryJsonBytes(e), 0))))
})
