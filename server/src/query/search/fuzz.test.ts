// Fuzz of the q parser and compiler (issue 14): any string either parses (and compiles to SQL with
// every value a parameter) or is a SearchSyntaxError with a position inside q, which the API answers
// as 400 LOG_ERR_BAD_QUERY. A new seed each run; fast-check prints it on failure (FC_SEED=<n> replays).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Params } from '../../store/params.ts'
import type { ScopedWhere } from '../../store/queries.ts'
import { compileQuery } from './compile.ts'
import { SearchSyntaxError } from './ir.ts'
import { parseQuery } from './parser.ts'
import { compilePipeline } from './pipeline.ts'
import { parseQuery as apiParse } from './index.ts'

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31))

// Pieces of the language, so that random strings are often nearly valid.
const PIECES = [
  ' ',
  '  ',
  '|',
  '(',
  ')',
  '"',
  '\\',
  '-',
  '~',
  '*',
  ':',
  ',',
  '>',
  '>=',
  '<',
  '=',
  'OR',
  'AND',
  'NOT',
  'or',
  'json',
  'logfmt',
  'extract',
  'fields',
  'sort',
  'by',
  'desc',
  'limit',
  'stats',
  'top',
  'uniq',
  'filter',
  'as',
  'count()',
  'count_uniq(',
  'avg(',
  'quantile(0.5,',
  'sum(',
  '_time',
  '_time:5m',
  'level',
  'level:error',
  'service:a',
  'status',
  'took',
  '500',
  '250ms',
  '1KiB',
  '0.95',
  'x',
  'é',
  '日本',
  '<ip>',
  '[',
  ']',
  '.*',
  '+',
  '?',
  '{2}',
  '$',
  '^',
  '`',
  "'",
  ';',
  '--',
  '/*',
  '\n',
  '\u0000',
]
const nearly = fc.array(fc.constantFrom(...PIECES), { maxLength: 25 }).map((a) => a.join(''))

function check(q: string): void {
  let pl
  try {
    pl = parseQuery(q)
  } catch (err) {
    assert.ok(err instanceof SearchSyntaxError, `${JSON.stringify(q)}: ${String(err)}`)
    assert.ok(err.position >= 0 && err.position <= q.length, `${JSON.stringify(q)}: position ${err.position}`)
    // The API's wrapper turns it into the catalogue error.
    assert.throws(
      () => apiParse(q),
      (e: unknown) => (e as { code?: string }).code === 'LOG_ERR_BAD_QUERY',
    )
    return
  }
  const p = new Params()
  const where = compileQuery(pl.filter)?.(p) ?? '1'
  try {
    const c = compilePipeline(pl, 'db.logs', `WHERE ${where}` as ScopedWhere, p, 100)
    assert.ok(c.columns.length > 0, q)
    // No text of q reaches the SQL except through parameters or as a quoted output name.
    for (const v of Object.values(p.values)) assert.notEqual(v, undefined)
  } catch (err) {
    assert.ok(err instanceof SearchSyntaxError, `${JSON.stringify(q)} compiles: ${String(err)}`)
    assert.ok(err.position >= 0 && err.position <= q.length)
  }
}

test('random strings built from the language: parsed or a positioned syntax error, nothing else', () => {
  fc.assert(fc.property(nearly, check), { numRuns: 3000, seed })
})

test('arbitrary unicode strings: the same', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), check), { numRuns: 2000, seed })
})
