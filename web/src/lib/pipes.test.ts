import { test } from 'node:test'
import assert from 'node:assert/strict'
import { filterPart, hasPipe, pipeIndex, sortRows, timeSeries } from './pipes.ts'

test('a pipe is a | outside quotes', () => {
  assert.equal(hasPipe('error timeout'), false)
  assert.equal(hasPipe('"a|b" ~"x|y"'), false)
  assert.equal(hasPipe('"say \\"|\\"" | json'), true)
  assert.equal(pipeIndex('service:api | json'), 12)
  assert.equal(filterPart('service:api | json | stats count()'), 'service:api')
  assert.equal(filterPart('| json'), '')
  assert.equal(filterPart('plain'), 'plain')
})

test('rows sort by a column, numbers as numbers, nulls last', () => {
  const rows = [['b', 10], ['a', 9], ['c', null], ['d', 100]]
  assert.deepEqual(sortRows(rows, 1, 'asc').map((r) => r[0]), ['a', 'b', 'd', 'c'])
  assert.deepEqual(sortRows(rows, 1, 'desc').map((r) => r[0]), ['d', 'b', 'a', 'c'])
  assert.deepEqual(sortRows(rows, 0, 'desc').map((r) => r[0]), ['d', 'c', 'b', 'a'])
  assert.deepEqual(sortRows([['x2'], ['x10']], 0, 'asc'), [['x2'], ['x10']])
})

test('a time grouping gives a series summed per time', () => {
  const cols = [{ name: '_time', type: 'time' as const }, { name: 'service', type: 'string' as const }, { name: 'n', type: 'number' as const }]
  const s = timeSeries(cols, [
    ['2026-01-01T00:01:00Z', 'a', 2],
    ['2026-01-01T00:00:00Z', 'a', 1],
    ['2026-01-01T00:00:00Z', 'b', 3],
  ])
  assert.deepEqual(s?.points, [{ t: Date.parse('2026-01-01T00:00:00Z'), v: 4 }, { t: Date.parse('2026-01-01T00:01:00Z'), v: 2 }])
  assert.equal(s?.step, 60_000)
  assert.equal(timeSeries(cols.slice(1), [['a', 1]]), undefined)
})
