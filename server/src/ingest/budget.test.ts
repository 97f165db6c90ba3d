// Byte accounting of a mapped request (issue 11): what is counted, and where a request is stopped.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { entryBytes, type Entry } from '../model/index.ts'
import { BatchBudget } from './budget.ts'
import { mapRequest } from './otlp/mapping.ts'

const text = fc.string({ unit: 'binary', maxLength: 40 })
const entry: fc.Arbitrary<Entry> = fc.record({
  timestamp: fc.constant('2025-01-01T00:00:00.000000000Z'),
  level: fc.constant('info' as const),
  service: text,
  message: text,
  attributes: fc.dictionary(text, text, { maxKeys: 5 }),
  trace_id: fc.constant(''),
  span_id: fc.constant(''),
})

test('entryBytes is the UTF-8 size of message, service and every attribute key and value', () => {
  fc.assert(
    fc.property(entry, (e) => {
      const all = e.message + e.service + Object.entries(e.attributes).flat().join('')
      return entryBytes(e) === Buffer.from(all, 'utf8').length
    }),
  )
})

test('a request stops at the first entry that takes its total past a limit, and not before', () => {
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 60 }), fc.nat(2_000), fc.integer({ min: 1, max: 80 }), (entries, maxBytes, maxEntries) => {
      const budget = new BatchBudget(undefined, 'test', { maxBytes, maxEntries })
      let stoppedAt = -1
      for (let i = 0; i < entries.length; i++) {
        try {
          budget.add(entries[i] as Entry)
        } catch (err) {
          assert.equal((err as { code?: string }).code, 'LOG_ERR_BATCH_TOO_LARGE')
          assert.equal((err as { statusCode?: number }).statusCode, 413)
          stoppedAt = i
          break
        }
      }
      // The expected stop: the first prefix over either limit.
      let sum = 0
      let expected = -1
      for (let i = 0; i < entries.length; i++) {
        sum += entryBytes(entries[i] as Entry)
        if (sum > maxBytes || i + 1 > maxEntries) {
          expected = i
          break
        }
      }
      assert.equal(stoppedAt, expected)
    }),
  )
})

test('OTLP resource attributes copied into every record are counted per record; the mapping stops early', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 64 }), (records, attrBytes) => {
      const value = 'v'.repeat(attrBytes)
      const req = {
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }, { key: 'big', value: { stringValue: value } }] },
            scopeLogs: [{ logRecords: Array.from({ length: records }, () => ({ body: { stringValue: 'm' } })) }],
          },
        ],
      }
      const perEntry = 'm'.length + 'svc'.length + 'big'.length + attrBytes
      const maxBytes = perEntry * 10 + 1 // room for 10 entries
      const budget = new BatchBudget(undefined, 'otlp', { maxBytes, maxEntries: 100_000 })
      let produced = 0
      try {
        mapRequest(req, '2025-01-01T00:00:00.000000000Z', (e) => {
          produced++
          budget.add(e)
        })
        assert.ok(records <= 10, `${records} records mapped under a budget of 10`)
        assert.equal(budget.bytes, perEntry * records)
      } catch (err) {
        assert.equal((err as { code?: string }).code, 'LOG_ERR_BATCH_TOO_LARGE')
        assert.ok(records > 10)
        assert.equal(produced, 11, 'stopped at the first entry over the limit, not after mapping them all')
      }
    }),
  )
})
