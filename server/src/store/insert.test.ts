// The insert path against the real embedded engine: every character survives the TabSeparated
// encoding, a batch bounded in bytes goes in as several inserts that stay deduplicated (cut as
// process/parts.ts cuts them), and a backfill spanning years is stored.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config.ts'
import { entryBytes, type Entry } from '../model/index.ts'
import { DEFAULT_MAX_INSERT_BYTES, partToken, splitEntries, Store, type InsertBounds } from './index.ts'

const dir = mkdtempSync(join(tmpdir(), 'ogls-store-insert-'))
let store: Store
before(async () => {
  store = await Store.open(loadConfig('all', { DATA_DIR: dir }))
  await store.migrate(0)
})
after(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const entry = (service: string, i: number, over: Partial<Entry> = {}): Entry => ({
  timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(9, '0')}Z`,
  level: 'info',
  service,
  message: `m${i}`,
  attributes: {},
  trace_id: '',
  span_id: '',
  ...over,
})
/** A batch as process/ inserts it: cut within `bounds`, each part one insert under its part token. */
async function insertParts(s: Store, entries: Entry[], token: string, bounds: Partial<InsertBounds>): Promise<void> {
  const parts = splitEntries(entries, { maxEntries: 100_000, maxBytes: DEFAULT_MAX_INSERT_BYTES, ...bounds })
  for (const [i, part] of parts.entries()) await s.insert(part, partToken(token, i, parts.length))
}
const count = async (svc: string) => Number((await store.sql<{ c: string }>('SELECT count() AS c FROM oglogstream.logs WHERE service = {s:String}', { s: svc }))[0]?.c)

test('every character of every field survives the insert', async () => {
  const nasty = "tab\there, nl\nthere, cr\r, nul\0, back\\slash, \\N, \\t literal, quote ' and \" , {a:'b'}, é, 😀, \u2028"
  const sent = [
    entry('roundtrip', 1, { message: nasty, attributes: { [nasty]: nasty, "k'": "v'", empty: '', '': 'empty key' }, trace_id: 'a\tb', span_id: '\\' }),
    entry('roundtrip', 2, { level: 'error', message: '', attributes: {} }),
    entry('roundtrip', 3, { message: 'x'.repeat(10 * 1024), attributes: Object.fromEntries(Array.from({ length: 128 }, (_, k) => [`k${k}`, `v${k}\n`])) }),
  ]
  await store.insert(sent, 'roundtrip')
  const got = await store.sql<Entry & { ts: string }>(
    "SELECT toString(timestamp) AS ts, level, service, message, attributes, trace_id, span_id FROM oglogstream.logs WHERE service = 'roundtrip' ORDER BY timestamp",
  )
  assert.equal(got.length, 3)
  sent.forEach((e, i) => {
    const g = got[i]
    assert.ok(g)
    assert.equal(g.ts, `2026-01-01 00:00:0${i + 1}.00000000${i + 1}`)
    assert.equal(g.level, e.level)
    assert.equal(g.message, e.message)
    assert.deepEqual(g.attributes, e.attributes)
    assert.equal(g.trace_id, e.trace_id)
    assert.equal(g.span_id, e.span_id)
  })
})

test('the same batch inserted again under its token is stored once, whole or split in parts', async () => {
  const batch = Array.from({ length: 500 }, (_, i) => entry('dedup', i))
  await store.insert(batch, 'dedup-1')
  await store.insert(batch, 'dedup-1')
  assert.equal(await count('dedup'), 500)
  // Split in parts of at most 64 entries: each part under its own token, each deduplicated.
  const split = batch.map((e) => ({ ...e, service: 'dedup-split' }))
  await insertParts(store, split, 'dedup-2', { maxEntries: 64 })
  await insertParts(store, split, 'dedup-2', { maxEntries: 64 })
  assert.equal(await count('dedup-split'), 500)
  // Another token is another batch.
  await store.insert(split.slice(0, 10), 'dedup-3')
  assert.equal(await count('dedup-split'), 510)
})

test('a batch of 90 entries carrying 128 attributes of 8 KiB each goes in as byte-bounded inserts', async () => {
  const attributes = Object.fromEntries(Array.from({ length: 128 }, (_, k) => [`attr.${k}`, String.fromCharCode(97 + (k % 26)).repeat(8 * 1024)]))
  const batch = Array.from({ length: 90 }, (_, i) => entry('heavy', i, { attributes }))
  const bounds = { maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 }
  const parts = splitEntries(batch, bounds)
  assert.ok(parts.length >= 12, `${parts.length} parts`)
  for (const p of parts) assert.ok(p.reduce((n, e) => n + entryBytes(e), 0) <= bounds.maxBytes)
  await insertParts(store, batch, 'heavy', bounds)
  await insertParts(store, batch, 'heavy', bounds)
  const [r] = await store.sql<{ c: string; len: string }>(
    "SELECT count() AS c, sum(length(attributes['attr.5'])) AS len FROM oglogstream.logs WHERE service = 'heavy'",
  )
  assert.equal(Number(r?.c), 90)
  assert.equal(Number(r?.len), 90 * 8 * 1024)
})

test('a backfill of 101 days, and of ten years, is stored, once', async () => {
  const day = 86_400_000
  const days = Array.from({ length: 101 }, (_, i) => entry('backfill-days', i, { timestamp: new Date(Date.UTC(2025, 0, 1) + i * day).toISOString().replace('Z', '000000Z') }))
  await store.insert(days, 'backfill-days')
  await store.insert(days, 'backfill-days')
  assert.equal(await count('backfill-days'), 101)
  // Ten years, one entry every ten days: 365 day partitions in one batch.
  const years = Array.from({ length: 365 }, (_, i) => entry('backfill-years', i, { timestamp: new Date(Date.UTC(2015, 0, 1) + i * 10 * day).toISOString().replace('Z', '000000Z') }))
  await store.insert(years, 'backfill-years')
  await store.insert(years, 'backfill-years')
  assert.equal(await count('backfill-years'), 365)
})

test('a database name that is not a plain identifier goes through the client, and still stores every row', async () => {
  // chdb binds one data directory per process: this store shares the engine, in its own database.
  const s2 = await Store.open(loadConfig('all', { DATA_DIR: dir, CLICKHOUSE_DATABASE: 'ogls-other db' }))
  try {
    await s2.migrate(0)
    // The last rows end in empty fields, which a trimmed query text would cut off.
    const batch = Array.from({ length: 50 }, (_, i) => entry('other-db', i, { message: `m\t${i}` }))
    await insertParts(s2, batch, 'other-db', { maxEntries: 20 })
    await insertParts(s2, batch, 'other-db', { maxEntries: 20 })
    const [r] = await s2.sql<{ c: string }>("SELECT count() AS c FROM `ogls-other db`.logs WHERE service = 'other-db' AND position(message, '\t') > 0")
    assert.equal(Number(r?.c), 50)
  } finally {
    await s2.close()
  }
})

test('a batch whose second part fails: the first part stays, and the retried batch stores each entry once', async () => {
  const batch = Array.from({ length: 30 }, (_, i) => entry('partial', i))
  const broken = batch.map((e, i) => (i === 25 ? { ...e, timestamp: 'not a timestamp at all' } : e))
  const err = await insertParts(store, broken, 'partial', { maxEntries: 20 }).then(
    () => assert.fail('expected the second part to fail'),
    (e: unknown) => e,
  )
  assert.match(String(err), /Code: \d+/)
  assert.equal(await count('partial'), 20)
  await insertParts(store, batch, 'partial', { maxEntries: 20 })
  assert.equal(await count('partial'), 30)
})
