import { test } from 'node:test'
import assert from 'node:assert/strict'
import { addTerm, fieldTerm, filterTerms, removeTerm, termState } from './qEdit.ts'

test('a field value becomes the q term that matches it exactly', () => {
  assert.equal(fieldTerm('attr', 'order_id', '1002'), 'order_id:"1002"')
  assert.equal(fieldTerm('attr', 'path', '/a b "c" \\d'), 'path:"/a b \\"c\\" \\\\d"')
  assert.equal(fieldTerm('attr', 'level', 'x'), 'attr.level:"x"', 'an attribute named like a reserved field')
  assert.equal(fieldTerm('attr', 'trace_id', 'x'), 'attr.trace_id:"x"')
  assert.equal(fieldTerm('attr', 'has space', 'x'), undefined, 'q has no way to name it')
  assert.equal(fieldTerm('level', 'level', 'ERROR'), 'level:error')
  assert.equal(fieldTerm('service', 'service', 'api'), 'service:"api"')
  assert.equal(fieldTerm('service', 'service', 'a,b'), undefined)
  assert.equal(fieldTerm('trace_id', 'trace_id', 'abc'), 'trace_id:"abc"')
  assert.equal(fieldTerm('text', '', 'status=500'), '"status=500"')
})

test('filter for / filter out edit the filter part of q', () => {
  assert.equal(addTerm('', 'a:"1"', false), 'a:"1"')
  assert.equal(addTerm('timeout', 'a:"1"', true), 'timeout -a:"1"')
  assert.equal(addTerm('timeout a:"1"', 'a:"1"', true), 'timeout -a:"1"', 'filter out after filter for swaps the term')
  assert.equal(addTerm('timeout -a:"1"', 'a:"1"', false), 'timeout a:"1"')
  assert.equal(addTerm('a:"1"', 'a:"1"', false), 'a:"1"', 'not twice')
  assert.equal(addTerm('x | stats count() by (a)', 'a:"1"', false), 'x a:"1" | stats count() by (a)', 'before the first pipe')
  assert.equal(addTerm('a OR b', 'c:"1"', false), '(a OR b) c:"1"', 'an OR keeps its meaning')
  assert.equal(addTerm('"a b" x', 'p:"q r"', false), '"a b" x p:"q r"')
  assert.deepEqual(filterTerms('"a \\" b" k:"x y" -z | json'), ['"a \\" b"', 'k:"x y"', '-z'])
  assert.equal(removeTerm('x -a:"1" y', 'a:"1"'), 'x y')
  assert.equal(termState('x -a:"1"', 'a:"1"'), -1)
  assert.equal(termState('x a:"1"', 'a:"1"'), 1)
  assert.equal(termState('x', 'a:"1"'), 0)
})
