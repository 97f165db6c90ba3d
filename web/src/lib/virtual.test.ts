import { test } from 'node:test'
import assert from 'node:assert/strict'
import { nearEnd, offsetsOf, rowAt, scrollToReveal, scrollToRevealVar, visibleWindow, visibleWindowVar, wrappedLines } from './virtual.ts'

test('renders the rows in view plus overscan', () => {
  assert.deepEqual(visibleWindow(0, 100, 20, 50_000, 2), { start: 0, end: 7, offset: 0, total: 1_000_000 })
  assert.deepEqual(visibleWindow(10_010, 100, 20, 50_000, 2), { start: 498, end: 508, offset: 9960, total: 1_000_000 })
})

test('clamps past the end and handles empty lists', () => {
  const w = visibleWindow(1e9, 100, 20, 10, 2)
  assert.equal(w.end, 10)
  assert.ok(w.start <= 5)
  assert.deepEqual(visibleWindow(0, 100, 20, 0), { start: 0, end: 0, offset: 0, total: 0 })
})

test('the number of rendered rows does not grow with the list', () => {
  const a = visibleWindow(5000, 600, 28, 1_000)
  const b = visibleWindow(500_000, 600, 28, 100_000)
  assert.equal(b.end - b.start, a.end - a.start)
})

test('near the end and reveal', () => {
  assert.equal(nearEnd(900, 100, 1100, 200), true)
  assert.equal(nearEnd(0, 100, 1100, 200), false)
  assert.equal(scrollToReveal(0, 100, 100, 20), 0)
  assert.equal(scrollToReveal(10, 100, 100, 20), 120)
  assert.equal(scrollToReveal(6, 100, 100, 20), undefined)
})

test('rows of different heights: the window and reveal follow the offsets', () => {
  const heights = Array.from({ length: 1_000 }, (_, i) => (i % 10 === 0 ? 100 : 20))
  const o = offsetsOf(heights)
  assert.equal(o[1_000], 100 * 100 + 900 * 20)
  assert.equal(rowAt(o, 0), 0)
  assert.equal(rowAt(o, 99), 0)
  assert.equal(rowAt(o, 100), 1)
  assert.equal(rowAt(o, 280), 10)
  const w = visibleWindowVar(280, 100, o, 0)
  assert.deepEqual(w, { start: 10, end: 11, offset: 280, total: 28_000 })
  assert.deepEqual(visibleWindowVar(0, 100, offsetsOf([]), 0), { start: 0, end: 0, offset: 0, total: 0 })
  assert.equal(scrollToRevealVar(10, 0, 100, o), 280)
  assert.equal(scrollToRevealVar(1, 0, 150, o), undefined)
  assert.equal(wrappedLines('a'.repeat(250), 100, 12), 3)
  assert.equal(wrappedLines('a\n\nb', 100, 12), 3)
  assert.equal(wrappedLines('a'.repeat(10_000), 100, 12), 12)
})
