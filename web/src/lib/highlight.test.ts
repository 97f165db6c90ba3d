import { test } from 'node:test'
import assert from 'node:assert/strict'
import { searchTerms, splitHighlights, termPattern } from './highlight.ts'

test('terms from the q syntax: words, phrases, exclusions and fields', () => {
  assert.deepEqual(searchTerms('timeout "connection reset" -health -"GET /ping" user:42 path:"/a b" level:error service:api attr.level:x trace:*'), {
    text: ['timeout', 'connection reset'],
    fields: { user: ['42'], path: ['/a b'], level: ['x'] },
  })
  assert.deepEqual(searchTerms('"say \\"hi\\""').text, ['say "hi"'])
  assert.deepEqual(searchTerms('   '), { text: [], fields: {} })
  assert.deepEqual(searchTerms('"unclosed phrase'), { text: ['unclosed phrase'], fields: {} })
})

test('highlights whole tokens case-insensitively and keeps every character', () => {
  const p = termPattern(['timeout', 'connection reset'])
  const text = 'Timeout: CONNECTION reset; timeouts are not timeout2, but timeout_x is (`_` separates tokens)'
  const segs = splitHighlights(text, p)
  assert.equal(segs.map((s) => s.text).join(''), text)
  assert.deepEqual(
    segs.filter((s) => s.hit).map((s) => s.text),
    ['Timeout', 'CONNECTION reset', 'timeout'],
  )
  // A phrase is exact text; non-ASCII characters are part of tokens.
  assert.equal(splitHighlights('connection  reset', p).filter((s) => s.hit).length, 0)
  assert.equal(splitHighlights('éerror error', termPattern(['error'])).filter((s) => s.hit).length, 1)
})

test('markup in the text stays plain text and regex characters in terms are literal', () => {
  const text = '<img src=x onerror=alert(1)> a.b (x) a*b'
  const segs = splitHighlights(text, termPattern(['a.b', '(x)', 'img']))
  assert.equal(segs.map((s) => s.text).join(''), text)
  assert.deepEqual(
    segs.filter((s) => s.hit).map((s) => s.text),
    ['img', 'a.b', '(x)'],
  )
  assert.deepEqual(splitHighlights('abc', undefined), [{ text: 'abc', hit: false }])
  assert.equal(termPattern(['', '  ']), undefined)
})

test('the pattern can be reused across texts', () => {
  const p = termPattern(['err'])
  assert.equal(splitHighlights('err one', p).filter((s) => s.hit).length, 1)
  assert.equal(splitHighlights('two err', p).filter((s) => s.hit).length, 1)
})
