// The q parser: clauses, escapes, and errors that point at the problem.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseSearch, SearchSyntaxError } from './parser.ts'
import { phrasePattern } from './compile.ts'
import { tokenize } from './tokens.ts'

test('tokens are ClickHouse tokens: ASCII letters and digits, and any non-ASCII character', () => {
  assert.deepEqual(tokenize('blk_-1608 req-3a.b Café:ÄÖ x'), ['blk', '1608', 'req', '3a', 'b', 'Café', 'ÄÖ', 'x'])
})

test('words, phrases, exclusions and fields', () => {
  assert.deepEqual(parseSearch(' Error  -"Connection Reset" blk_-12 level:ERROR,warn -service:api host:"a b" attr.level:x k:* '), {
    clauses: [
      { kind: 'text', negate: false, text: 'error', tokens: ['error'] },
      { kind: 'text', negate: true, text: 'connection reset', tokens: ['connection', 'reset'] },
      { kind: 'text', negate: false, text: 'blk_-12', tokens: ['blk', '12'] },
      { kind: 'level', negate: false, values: ['error', 'warn'] },
      { kind: 'service', negate: true, values: ['api'] },
      { kind: 'attr', negate: false, key: 'host', value: 'a b' },
      { kind: 'attr', negate: false, key: 'level', value: 'x' },
      { kind: 'attr', negate: false, key: 'k', value: undefined },
    ],
  })
  assert.deepEqual(parseSearch(''), { clauses: [] })
  assert.deepEqual(parseSearch('"say \\"hi\\" \\\\ now"').clauses[0], {
    kind: 'text',
    negate: false,
    text: 'say "hi" \\ now',
    tokens: ['say', 'hi', 'now'],
  })
  // Not a field: the part before the colon is not a name, so the whole word is searched for.
  assert.equal(parseSearch('10.0.0.1:8080').clauses[0]?.kind, 'text')
})

test('errors carry the position and say what is wrong', () => {
  for (const [q, position, problem] of [
    ['a "b', 2, /unterminated quote/],
    ['a - b', 2, /'-' must be followed/],
    ['level:nope', 6, /'nope' is not a level/],
    ['service:a,,b', 8, /empty value/],
    ['x key:', 6, /field 'key' has no value/],
    ['"a"b', 3, /space after the closing quote/],
    ['... x', 0, /no letters or digits/],
    ['a"b', 1, /unexpected quote/],
    ['x ""', 2, /empty phrase/],
    [Array.from({ length: 33 }, (_, i) => `w${i}`).join(' '), 118, /more than 32 terms/],
  ] as const) {
    assert.throws(
      () => parseSearch(q),
      (err: unknown) => err instanceof SearchSyntaxError && err.position === position && problem.test(err.problem),
      q,
    )
  }
})

test('phrase patterns escape every ASCII symbol and anchor only at token ends', () => {
  assert.equal(
    phrasePattern('a.b'),
    '(?:^|[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f])a\\x2eb(?:$|[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f])',
  )
  assert.equal(phrasePattern('-x)'), '\\x2dx\\x29')
})

test('issue 14 filters: OR and groups, NOT, prefixes, regexes, comparisons, _time', () => {
  const c = (q: string) => parseSearch(q).clauses
  assert.deepEqual(c('a OR b c'), [
    {
      kind: 'or',
      negate: false,
      branches: [
        [{ kind: 'text', negate: false, text: 'a', tokens: ['a'] }],
        [
          { kind: 'text', negate: false, text: 'b', tokens: ['b'] },
          { kind: 'text', negate: false, text: 'c', tokens: ['c'] },
        ],
      ],
    },
  ])
  assert.deepEqual(c('(timeout OR refused) service:api')[1], { kind: 'service', negate: false, values: ['api'] })
  assert.equal(c('NOT (a OR b)')[0]?.negate, true)
  assert.equal(c('-(a b)')[0]?.negate, true)
  assert.deepEqual(c('Conn*'), [{ kind: 'prefix', negate: false, key: undefined, text: 'conn' }])
  assert.deepEqual(c('user:Al*'), [{ kind: 'prefix', negate: false, key: 'user', text: 'Al' }])
  assert.deepEqual(c('status:>=500 took:>250ms size:<1KiB n:=-1.5'), [
    { kind: 'compare', negate: false, key: 'status', op: '>=', unit: 'number', value: 500 },
    { kind: 'compare', negate: false, key: 'took', op: '>', unit: 'duration', value: 250 },
    { kind: 'compare', negate: false, key: 'size', op: '<', unit: 'size', value: 1024 },
    { kind: 'compare', negate: false, key: 'n', op: '=', unit: 'number', value: -1.5 },
  ])
  assert.deepEqual(c('_time:5m'), [{ kind: 'time', negate: false, ms: 300_000 }])
  const re = c('~"user [0-9]+ failed"')[0]
  assert.ok(re?.kind === 'regex' && re.pattern === 'user [0-9]+ failed' && re.js.test('user 42 failed'))
  // Existing meanings stay: a word with parentheses at the top level, lower-case or, a quoted OR.
  assert.equal(c('workerEnv.init()')[0]?.kind, 'text')
  assert.equal(c('a or b').length, 3)
  assert.deepEqual(c('"OR"'), [{ kind: 'text', negate: false, text: 'or', tokens: ['or'] }])
  assert.equal(c('k:">=5"')[0]?.kind, 'attr')
})

test('issue 14 filter errors point at the problem', () => {
  for (const [q, position, problem] of [
    ['(a OR b', 0, /unclosed '\('/],
    ['a OR', 2, /'OR' must be followed by a term/],
    ['OR a', 0, /'OR' must follow a term/],
    ['x ()', 2, /empty parentheses/],
    ['NOT', 0, /'NOT' must be followed/],
    ['~abc', 0, /'~' must be followed by a quoted regular expression/],
    ['~"a(b"', 0, /invalid regular expression/],
    ['~"(?=a)"', 0, /lookahead/],
    ['~"(a)\\1"', 0, /back-references/],
    ['status:>=abc', 9, /'abc' is not a number, a duration/],
    ['_time:yesterday', 6, /_time takes a duration/],
    ['a | json', 2, /pipes \(\|\) are not allowed here/],
  ] as const) {
    assert.throws(
      () => parseSearch(q),
      (err: unknown) => err instanceof SearchSyntaxError && err.position === position && problem.test(err.problem),
      q,
    )
  }
})

test('trace_id: and span_id: name the entry ids (any case, comma lists); attr.trace_id: an attribute', () => {
  assert.deepEqual(parseSearch('trace_id:4BF92F35 -span_id:"a1,b2" attr.trace_id:x').clauses, [
    { kind: 'id', negate: false, column: 'trace_id', values: ['4bf92f35'] },
    { kind: 'id', negate: true, column: 'span_id', values: ['a1', 'b2'] },
    { kind: 'attr', negate: false, key: 'trace_id', value: 'x' },
  ])
  assert.throws(() => parseSearch('trace_id:a,,b'), /empty value in trace_id/)
})

test('the live tail matches trace_id: and span_id: as the store does', async () => {
  const { matcher } = await import('./match.ts')
  const m = matcher(parseSearch('trace_id:ABC -span_id:s1'))
  const e = { level: 'info', service: 'a', message: 'x', trace_id: 'abc', span_id: 's2' }
  assert.equal(m(e), true)
  assert.equal(m({ ...e, span_id: 's1' }), false)
  assert.equal(m({ ...e, trace_id: 'abd' }), false)
  assert.equal(m({ ...e, trace_id: undefined, attributes: { trace_id: 'abc' } }), false, 'an attribute is not the trace id')
})
