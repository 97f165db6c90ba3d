// The q parser round-trips through the printer (print.ts): for random filters, parse → print →
// parse gives the same clauses, and printing that again gives the same text. A new seed each run;
// fast-check prints it on failure (FC_SEED=<n> replays it).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Clause } from './ir.ts'
import { parseSearch } from './parser.ts'
import { printLiteral, printSearch } from './print.ts'
import { readLiteral } from './values.ts'

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31))

const word = fc.constantFrom('foo', 'Foo', 'blk_-123', 'x1', 'é', 'ß', '日本', 'foo.bar', 'a:b', '1a:b', '-x', 'NOT', 'OR', '500')
const phrase = fc
  .array(fc.constantFrom('foo', 'bar', ' ', '"', '\\', 'é', '(', ')', '-', ':', '*', '|', 'OR', '~'), { minLength: 1, maxLength: 6 })
  .map((a) => a.join(''))
const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
const key = fc.constantFrom('k', 'host', 'attr.level', 'attr.service', 'attr._time', 'attr.trace_id', 'attr.attr.x', 'http.status', 'a-b')
const literal = fc.oneof(
  fc.integer({ min: -1000, max: 100_000 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.constantFrom('ns', 'us', 'ms', 's', 'm', 'h', 'd', 'w', 'B', 'KB', 'KiB', 'MB', 'MiB', 'GiB')).map(([n, u]) => `${n}${u}`),
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99 }), fc.constantFrom('', 's', 'ms', 'KiB')).map(([a, b, u]) => `${a}.${b}${u}`),
)
const termArb = fc.oneof(
  word,
  phrase.filter((p) => p.trim() !== '').map(quote),
  fc.constantFrom('fo*', 'blk_*', 'é*', 'x1*', '--x*', '-a:b*'),
  fc.constantFrom('~"fo+"', '~"(?i)foo"', '~"[0-9]+$"', '~"a\\\\sb"', '~"\\"q\\""', 'k:~"^v"'),
  fc.tuple(fc.constantFrom('level', 'LEVEL'), fc.subarray(['error', 'WARN', 'info', 'fatal'], { minLength: 1 })).map(([f, v]) => `${f}:${v.join(',')}`),
  fc.tuple(fc.constantFrom('service', 'pattern', 'trace_id', 'span_id'), fc.subarray(['api', 'Db', 'AbC', 'x y'], { minLength: 1 })).map(([f, v]) => `${f}:${quote(v.join(','))}`),
  fc.tuple(key, fc.oneof(fc.constant('*'), fc.constantFrom('v', 'V*', 'pre*', '"a b"', '""', '"*"', '"x\\"y"'))).map(([k, v]) => `${k}:${v}`),
  fc.tuple(key, fc.constantFrom('>', '>=', '<', '<=', '='), literal).map(([k, op, l]) => `${k}:${op}${l}`),
  fc.tuple(fc.integer({ min: 1, max: 500 }), fc.constantFrom('ms', 's', 'm', 'h', 'd', 'w')).map(([n, u]) => `_time:${n}${u}`),
)
const exprArb: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.constantFrom('', '-', 'NOT '), termArb).map(([neg, t]) => `${neg}${t}`),
    fc.tuple(fc.constantFrom('', '-', 'NOT '), tie('expr'), tie('expr')).map(([neg, a, b]) => `${neg}(${a} OR ${b})`),
    fc.tuple(fc.constantFrom('', '-', 'NOT '), tie('expr'), tie('expr')).map(([neg, a, b]) => `${neg}(${a} AND ${b})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a} OR ${b}`),
  ),
})).expr
const queryArb = fc.array(exprArb, { minLength: 1, maxLength: 4 }).map((ts) => ts.join(' '))

/** The clauses with the JavaScript regex as its text (two RegExp objects never compare equal by identity). */
const plain = (cs: Clause[]): unknown => JSON.parse(JSON.stringify(cs, (_k, v: unknown) => (v instanceof RegExp ? `/${v.source}/${v.flags}` : v)))

test('q round-trips through the printer: parse, print, parse gives the same clauses', () => {
  let parsed = 0
  fc.assert(
    fc.property(queryArb, (q) => {
      let first
      try {
        first = parseSearch(q)
      } catch {
        return // a query the parser refuses has nothing to print
      }
      parsed++
      const printed = printSearch(first)
      const again = parseSearch(printed)
      assert.deepEqual(plain(again.clauses), plain(first.clauses), `${q}\nprinted as ${printed}`)
      assert.equal(printSearch(again), printed, 'printing is stable')
    }),
    { numRuns: 2000, seed },
  )
  assert.ok(parsed > 1000, `only ${parsed} of 2000 random queries parsed`)
})

test('a comparison literal read and printed again reads back as the same value and unit', () => {
  const digits = fc.stringMatching(/^-?[0-9]{1,12}([.][0-9]{1,9})?$/)
  const suffix = fc.constantFrom('', 'ns', 'us', 'ms', 's', 'm', 'h', 'd', 'w', 'B', 'KB', 'MB', 'GB', 'TB', 'KiB', 'MiB', 'GiB', 'TiB')
  fc.assert(
    fc.property(digits, suffix, (n, u) => {
      const lit = readLiteral(`${n}${u}`)
      assert.ok(lit, `${n}${u}`)
      const text = printLiteral(lit.unit, lit.value)
      assert.deepEqual(readLiteral(text), lit, `${n}${u} printed as ${text}`)
    }),
    { numRuns: 2000, seed },
  )
})
