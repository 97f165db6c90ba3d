import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sparkPoints, templateParts } from './patterns.ts'

test('a template splits into fixed text and variable parts', () => {
  assert.deepEqual(templateParts('connect to <*> failed after <*>'), [
    { text: 'connect to ', variable: false },
    { text: '<*>', variable: true },
    { text: ' failed after ', variable: false },
    { text: '<*>', variable: true },
  ])
  assert.deepEqual(templateParts('<*>'), [{ text: '<*>', variable: true }])
  assert.deepEqual(templateParts('no variables'), [{ text: 'no variables', variable: false }])
  assert.deepEqual(templateParts('blk_<*> served'), [
    { text: 'blk_', variable: false },
    { text: '<*>', variable: true },
    { text: ' served', variable: false },
  ])
})

test('a sparkline spans the range, empty buckets at the bottom, the largest at the top', () => {
  const from = Date.parse('2026-01-01T00:00:00Z')
  const to = from + 30 * 60_000
  const pts = sparkPoints([{ time: '2026-01-01T00:10:00Z', count: 4 }], from, to, 58, 10).split(' ')
  assert.equal(pts.length, 30)
  assert.equal(pts[0], '0.0,9.0')
  assert.equal(pts[10], '20.0,1.0')
  assert.equal(pts[29], '58.0,9.0')
  assert.equal(sparkPoints([], from, to, 58, 10), '')
})
