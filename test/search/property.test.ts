// Live tail (JS) and the query API (SQL) give the same answer for the same q on random entries and random queries.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { LEVELS } from '@oglogstream/shared'
import { DEFAULT_TENANT } from '../../server/src/model/index.ts'
import { loadConfig } from '../../server/src/config.ts'
import type { Entry } from '../../server/src/model/index.ts'
import { parseFilter } from '../../server/src/query/params.ts'
import { matchesSearch } from '../../server/src/query/search/index.ts'
import { Store, queries } from '../../server/src/store/index.ts'

// A small alphabet so that random queries hit random entries often, with the tricky parts:
// case, `_` and `-` inside identifiers, dots, non-ASCII letters, repeated separators.
const PIECES = [
  'foo',
  'Foo',
  'FOO',
  'bar',
  'blk',
  '123',
  '-',
  '_',
  '.',
  ' ',
  '  ',
  ':',
  '/',
  'é',
  'É',
  'ü',
  'x1',
  '(',
  ')',
  '"',
  'ß',
  '日本',
]
const text = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((a) => a.join(''))
const entryArb = fc.record({
  level: fc.constantFrom(...LEVELS),
  service: fc.constantFrom('api', 'Api', 'db'),
  message: text,
  attributes: fc.dictionary(
    fc.constantFrom('k', 'host', 'level', 'n', 'd'),
    fc.constantFrom('v', 'V', 'a b', '', 'vv', '5', '500', '4.5', '-3', '300ms', '1.5s', '2KiB', '512B', '1000', 'abc', ' 5', '5 '),
    { maxKeys: 3 },
  ),
})

// A new seed each run, for the entries and the queries (fast-check prints it on failure; FC_SEED=<n> replays it).
const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31))
const querySeed = seed
const T0 = Date.UTC(2026, 0, 1)
/**
 * Entry i at T0 + (i/2)² × 20 s: pairs share a timestamp (the cursor's tie-break), and the gaps grow
 * from seconds to a day, over 9 days in all, so that newest-first pages cross the 1 h, 8 h and 64 h
 * windows the store tries first (queries.ts WINDOWS_MS).
 */
const timeOf = (i: number) => T0 + Math.floor(i / 2) ** 2 * 20_000
const entries: Entry[] = fc.sample(entryArb, { numRuns: 400, seed }).map((e, i) => ({
  ...e,
  // Every entry has an id from ingest (validate.ts): it tells apart the same text at the same time.
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  message: e.message.trim() || 'empty',
  timestamp: new Date(timeOf(i)).toISOString().replace('Z', '000000Z'),
  trace_id: '',
  span_id: '',
}))
console.log(`# property seed ${seed} (FC_SEED=${seed} replays it)`)

/** The API's timestamp of a stored entry (milliseconds here: the nanoseconds are zero). */
const apiTime = (t: string) => t.replace(/000000Z$/, 'Z')
/** What tells two entries of one timestamp apart. */
const key = (e: { timestamp: string; level: string; service: string; message: string; attributes?: Record<string, string> }) =>
  JSON.stringify([apiTime(e.timestamp), e.level, e.service, e.message, Object.entries(e.attributes ?? {}).sort()])

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
const termArb = fc.oneof(
  fc.constantFrom('foo', 'FOO', 'bar', 'blk', '123', 'x1', 'é', 'É', 'ü', 'ß', '日本', 'blk_123', 'foo-bar', 'foo.bar', 'foo:', 'blk_-123'),
  text.filter((t) => t.trim().length > 0).map(quote),
  fc.constantFrom(
    'level:error',
    'level:info,warn',
    'service:api',
    'service:Api,db',
    'k:v',
    'k:V',
    'k:"a b"',
    'k:*',
    'attr.level:v',
    'host:*',
  ),
  // Issue 14: prefixes, regular expressions, comparisons, _time.
  fc.constantFrom(
    'fo*',
    'foo*',
    'bl*',
    'x*',
    'é*',
    'blk_*',
    'k:v*',
    'k:V*',
    '~"fo+"',
    '~"(?i)foo"',
    '~"^Foo"',
    '~"[0-9]+$"',
    '~"f.o"',
    '~"\\s"',
    '~"(?i)É"',
    'k:~"^v"',
    'n:~"^[0-9]+$"',
    'n:>=5',
    'n:>4.5',
    'n:<0',
    'n:=500',
    'n:<1KiB',
    'n:>=1KB',
    'd:>250ms',
    'd:<=1s',
    'd:>1000',
    'n:>0',
    '_time:5m',
    '_time:3650d',
  ),
)
/** Terms, negated terms, and groups of them joined by OR, AND (a space) and NOT. */
const exprArb: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.boolean(), termArb).map(([neg, t]) => (neg ? `-${t}` : t)),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a} OR ${b})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `NOT (${a} ${b})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a} OR ${b}`),
  ),
})).expr
const queryArb = fc.array(exprArb, { minLength: 1, maxLength: 3 }).map((ts) => ts.join(' '))

const dir = mkdtempSync(join(tmpdir(), 'ogls-search-prop-'))
let store: Store
before(async () => {
  store = await Store.open(loadConfig('all', { DATA_DIR: dir }))
  await store.migrate(0)
  await store.insert(entries, 'prop')
})
after(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

test('SQL and JS matching agree on random entries and random queries', async () => {
  let nonTrivial = 0
  let parsed = 0
  await fc.assert(
    fc.asyncProperty(queryArb, async (q) => {
      let match
      try {
        match = matchesSearch(q)
      } catch {
        // Queries that do not parse are rejected the same way on both sides (one parser); skip them.
        return
      }
      parsed++
      const page = await queries.listLogs(store.queryContext(DEFAULT_TENANT), parseFilter({ q }), { limit: 1000, order: 'asc' })
      const sql = page.entries.map((e) => e.timestamp)
      const js = entries.filter((e) => match(e)).map((e) => apiTime(e.timestamp))
      if (js.length > 0 && js.length < entries.length) nonTrivial++
      assert.deepEqual(sql, js, q)
    }),
    // A new seed each run (fast-check prints it on failure; FC_SEED=<n> replays it).
    { numRuns: 300, seed: querySeed },
  )
  assert.ok(parsed > 200, `only ${parsed} of 300 queries parsed`)
  assert.ok(nonTrivial > 50, `only ${nonTrivial} queries matched some but not all entries`)
})

test('SQL and JS agree page by page: newest first (and oldest first) within a random from/to, paged with the cursor', async () => {
  const times = entries.map((e) => Date.parse(e.timestamp.slice(0, 23) + 'Z'))
  const first = times[0] as number
  const last = times[times.length - 1] as number
  const bound = fc.option(
    fc.oneof(fc.integer({ min: first - 3_600_000, max: last + 3_600_000 }), fc.constantFrom(...times)),
    { nil: undefined, freq: 3 },
  )
  let crossed = 0
  let paged = 0
  await fc.assert(
    fc.asyncProperty(
      fc.option(queryArb, { nil: undefined, freq: 4 }),
      bound,
      bound,
      fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 80 })),
      fc.constantFrom('desc', 'asc') as fc.Arbitrary<'desc' | 'asc'>,
      async (q, a, b, pageSize, order) => {
        let match: (e: Entry) => boolean = () => true
        if (q) {
          try {
            match = matchesSearch(q)
          } catch {
            return
          }
        }
        const [from, to] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b]
        const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())
        const filter = parseFilter({ ...(q ? { q } : {}), ...(from !== undefined ? { from: iso(from) } : {}), ...(to !== undefined ? { to: iso(to) } : {}) })
        const want = entries
          .map((e, i) => ({ e, t: times[i] as number }))
          .filter(({ e, t }) => (from === undefined || t >= from) && (to === undefined || t < to) && match(e))
          .map(({ e }) => e)
        if (order === 'desc') want.reverse()
        // At most about 8 pages a run (each page is up to 4 queries: the windows, then the whole range).
        const limit = Math.max(pageSize, Math.ceil(want.length / 8))
        const got: { timestamp: string; level: string; service: string; message: string; attributes?: Record<string, string> }[] = []
        let cursor: { t: string; h: string } | undefined
        for (let pages = 0; ; pages++) {
          assert.ok(pages <= entries.length, 'the cursor does not end')
          const page = await queries.listLogs(store.queryContext(DEFAULT_TENANT), filter, { limit, order, cursor })
          got.push(...page.entries)
          if (pages > 0) paged++
          if (!page.next) break
          cursor = page.next
        }
        const span = got.length > 1 ? Math.abs(Date.parse(got[0]!.timestamp) - Date.parse(got[got.length - 1]!.timestamp)) : 0
        if (span > 3_600_000) crossed++
        const what = `q=${q} from=${iso(from)} to=${iso(to)} limit=${limit} ${order}`
        // The same entries in the same time order; within one timestamp, the same entries (the tie order is the store's).
        assert.deepEqual(got.map((e) => e.timestamp), want.map((e) => apiTime(e.timestamp)), what)
        assert.deepEqual(got.map(key).sort(), want.map(key).sort(), what)
      },
    ),
    // includeErrorInReport: the failed assertion (what differs) beside the seed and the counterexample.
    { numRuns: 30, seed: querySeed, includeErrorInReport: true, ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) },
  )
  assert.ok(paged > 15, `only ${paged} second or later pages`)
  assert.ok(crossed > 3, `only ${crossed} runs spanned more than an hour`)
})
