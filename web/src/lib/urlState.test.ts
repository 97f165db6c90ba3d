import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EMPTY_VIEW, decodeView, encodeView, filterParams, toggle, type ViewState } from './urlState.ts'

test('a view survives a round trip through the query string', () => {
  const views: ViewState[] = [
    EMPTY_VIEW,
    { q: 'timeout "connection reset" -health user:42', levels: ['error', 'fatal'], services: ['api', 'web&co'], range: { kind: 'preset', preset: '15m' } },
    { q: '', levels: [], services: [], range: { kind: 'all' }, entry: '2025-06-01T12:00:00.123456789Z' },
    { q: 'pattern:0123456789abcdef', levels: [], services: ['api'], range: { kind: 'preset', preset: '24h' }, tab: 'patterns', fresh: true },
    { q: 'ünïcode ✓', levels: ['debug'], services: [], range: { kind: 'custom', from: Date.parse('2025-06-01T11:00:00Z'), to: Date.parse('2025-06-01T12:00:00Z') } },
  ]
  for (const v of views) assert.deepEqual(decodeView(encodeView(v)), v)
})

test('the default view is an empty query string; lists read naturally', () => {
  assert.equal(encodeView(EMPTY_VIEW), '')
  assert.equal(encodeView({ ...EMPTY_VIEW, levels: ['fatal', 'error'], services: ['a', 'b'] }), 'level=error,fatal&service=a,b')
  assert.equal(encodeView({ ...EMPTY_VIEW, range: { kind: 'preset', preset: '1h' } }), 'range=1h')
})

test('malformed values fall back to defaults', () => {
  const v = decodeView('?level=loud,ERROR,error&range=3y&from=never&service=,,x,x')
  assert.deepEqual(v.levels, ['error'])
  assert.deepEqual(v.services, ['x'])
  assert.deepEqual(v.range, EMPTY_VIEW.range)
  // from after to is not a range
  assert.deepEqual(decodeView('from=2025-06-02T00:00:00Z&to=2025-06-01T00:00:00Z').range, EMPTY_VIEW.range)
})

test('API parameters and toggling', () => {
  assert.deepEqual(filterParams({ q: '  a b ', levels: ['warn'], services: [] }), { q: 'a b', level: 'warn' })
  assert.deepEqual(filterParams(EMPTY_VIEW), {})
  assert.deepEqual(toggle(['a', 'b'], 'a'), ['b'])
  assert.deepEqual(toggle(['a'], 'b'), ['a', 'b'])
})
