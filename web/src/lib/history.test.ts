import { test } from 'node:test'
import assert from 'node:assert/strict'
import { remember, step, type Walk } from './history.ts'

test('history: newest first, no repeats, bounded, blanks not kept', () => {
  let h: string[] = []
  for (const q of ['a', 'b', ' a ', '', 'c']) h = remember(h, q)
  assert.deepEqual(h, ['c', 'a', 'b'])
  assert.deepEqual(remember(['x', 'y', 'z'], 'w', 3), ['w', 'x', 'y'])
})

test('up walks to older queries, down back to the draft being typed', () => {
  const h = ['c', 'b', 'a']
  let w: Walk = { index: -1, draft: '' }
  const seen: string[] = []
  for (const up of [true, true, true, true, false, false, false, false]) {
    const r = step(h, w, seen.length ? (seen[seen.length - 1] as string) : 'typing', up)
    w = r.walk
    seen.push(r.text)
  }
  assert.deepEqual(seen, ['c', 'b', 'a', 'a', 'b', 'c', 'typing', 'typing'])
  assert.deepEqual(step([], { index: -1, draft: '' }, 'x', true).text, 'x')
})
