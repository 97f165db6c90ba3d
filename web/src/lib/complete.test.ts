import { test } from 'node:test'
import assert from 'node:assert/strict'
import { QUERY_PIPES, STATS_FUNCTIONS } from '@oglogstream/shared'
import { accept, completionAt, quoteValue, suggestions, type Completion } from './complete.ts'

/** completionAt with the caret where `█` is. */
function at(q: string): Completion | undefined {
  const i = q.indexOf('█')
  return completionAt(q.replace('█', ''), i < 0 ? q.length : i)
}

test('a word in the filter is a field name; after field: a value', () => {
  assert.deepEqual(at('error us'), { kind: 'field', prefix: 'us', start: 6, end: 8, inFilter: true, base: '' })
  assert.deepEqual(at('error -us'), { kind: 'field', prefix: 'us', start: 7, end: 9, inFilter: true, base: '' })
  assert.deepEqual(at('(timeout OR us'), { kind: 'field', prefix: 'us', start: 12, end: 14, inFilter: true, base: '' })
  assert.deepEqual(at('user:al'), { kind: 'value', field: 'user', prefix: 'al', start: 5, end: 7, base: '' })
  assert.deepEqual(at('user:█ error'), { kind: 'value', field: 'user', prefix: '', start: 5, end: 5, base: '' })
  assert.deepEqual(at('-http.status:5'), { kind: 'value', field: 'http.status', prefix: '5', start: 13, end: 14, base: '' })
  assert.deepEqual(at('user:"Al S'), { kind: 'value', field: 'user', prefix: 'Al S', start: 5, end: 10, base: '' })
  // Not completed: operators, comparisons, prefixes, phrases, an empty word.
  for (const q of ['a OR', 'a AND', 'status:>=5', 'user:al*', '"connection re', 'error ', '', 'x:~"a', '10.0.0.1:80']) assert.equal(at(q), undefined, q)
})

test('after | a pipe name; a filter stage completes like the filter, on the fields of the stages before it', () => {
  assert.deepEqual(at('error | '), { kind: 'pipe', prefix: '', start: 8, end: 8, base: 'error' })
  assert.deepEqual(at('error |st'), { kind: 'pipe', prefix: 'st', start: 7, end: 9, base: 'error' })
  assert.deepEqual(at('| json | sta'), { kind: 'pipe', prefix: 'sta', start: 9, end: 12, base: '| json' })
  assert.deepEqual(at('| json | status:5'), { kind: 'value', field: 'status', prefix: '5', start: 16, end: 17, base: '| json' })
  assert.deepEqual(at('| json | filter rou'), { kind: 'field', prefix: 'rou', start: 16, end: 19, inFilter: true, base: '| json' })
  // A | inside quotes is text.
  assert.deepEqual(at('"a|b" us'), { kind: 'field', prefix: 'us', start: 6, end: 8, inFilter: true, base: '' })
  assert.equal(at('| json '), undefined)
  assert.equal(at('| limit 1'), undefined)
})

test('inside stats a function name, then fields; fields, sort, top, uniq take field names', () => {
  assert.deepEqual(at('| json | stats '), { kind: 'function', prefix: '', start: 15, end: 15, base: '| json' })
  assert.deepEqual(at('| json | stats count(), av'), { kind: 'function', prefix: 'av', start: 24, end: 26, base: '| json' })
  assert.deepEqual(at('| json | stats avg(to'), { kind: 'field', prefix: 'to', start: 19, end: 21, inFilter: false, base: '| json' })
  assert.deepEqual(at('| json | stats count() by (ro'), { kind: 'field', prefix: 'ro', start: 27, end: 29, inFilter: false, base: '| json' })
  assert.deepEqual(at('| json | fields route, st'), { kind: 'field', prefix: 'st', start: 23, end: 25, inFilter: false, base: '| json' })
  assert.deepEqual(at('| logfmt | sort by (took desc, us'), { kind: 'field', prefix: 'us', start: 31, end: 33, inFilter: false, base: '| logfmt' })
  assert.deepEqual(at('| top 5 by (cl'), { kind: 'field', prefix: 'cl', start: 12, end: 14, inFilter: false, base: '' })
  assert.equal(at('| stats count() by'), undefined)
})

test('suggestions: fields by prefix with hits and the built-ins; values quoted when needed; every pipe and function', () => {
  const fields = [
    { name: 'user', hits: 9 },
    { name: 'user_agent', hits: 3 },
    { name: 'host', hits: 12 },
  ]
  assert.deepEqual(
    suggestions(at('us') as Completion, fields).map((s) => [s.label, s.insert, s.detail]),
    [
      ['user', 'user:', '9'],
      ['user_agent', 'user_agent:', '3'],
    ],
  )
  assert.deepEqual(
    suggestions(at('se') as Completion, fields).map((s) => s.insert),
    ['service:'],
  )
  assert.deepEqual(
    suggestions(at('| json | fields s') as Completion, fields).map((s) => s.insert),
    ['service'],
  )
  const values = [
    { value: 'alice', hits: 5 },
    { value: 'Alice Smith', hits: 2 },
    { value: 'bob', hits: 1 },
    { value: null, hits: 1 },
  ]
  assert.deepEqual(
    suggestions(at('user:al') as Completion, [], values).map((s) => s.insert),
    ['alice ', '"Alice Smith" '],
  )
  assert.deepEqual(
    suggestions(at('| ') as Completion).map((s) => s.label),
    [...QUERY_PIPES],
  )
  assert.deepEqual(
    suggestions(at('| stats ') as Completion).map((s) => s.label),
    STATS_FUNCTIONS.map((f) => `${f}()`),
  )
  assert.deepEqual(quoteValue('/api/v1'), '/api/v1')
  assert.deepEqual(quoteValue('a"b\\'), '"a\\"b\\\\"')
  assert.deepEqual(quoteValue('>=5'), '">=5"')
  assert.deepEqual(quoteValue('x*'), '"x*"')
  assert.deepEqual(quoteValue('a,b'), '"a,b"')
})

test('accept replaces the word at the caret', () => {
  const t1 = 'error us'
  const c1 = completionAt(t1, t1.length) as Completion
  const r1 = accept(t1, c1, { label: 'user', insert: 'user:' })
  assert.deepEqual(r1, { text: 'error user:', caret: 11 })
  const c2 = completionAt(r1.text, r1.caret) as Completion
  assert.equal(c2.kind, 'value')
  assert.deepEqual(accept(r1.text, c2, { label: 'Al B', insert: '"Al B" ' }), { text: 'error user:"Al B" ', caret: 18 })
  // In the middle: the rest of the word goes, one space stays.
  const t3 = 'user:al level:error'
  const c3 = completionAt(t3, 7) as Completion
  assert.deepEqual(accept(t3, c3, { label: 'alice', insert: 'alice ' }), { text: 'user:alice level:error', caret: 11 })
  const t4 = '| json | st'
  assert.deepEqual(accept(t4, completionAt(t4, t4.length) as Completion, { label: 'stats', insert: 'stats ' }), { text: '| json | stats ', caret: 15 })
})
