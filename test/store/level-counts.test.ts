// GET /api/stats and /api/histogram without q count whole minutes from the `level_minutes` projection
// of the logs table (migration 7) and the partial minutes at the range's ends from the entries. What
// must hold: for any range in nanoseconds (or open, for stats), any services and levels, any bucket width,
// the answer equals the count of the entries themselves (random requests against a plain scan with
// projections off: buckets, their alignment, level counts, totals), per tenant, before and after merges,
// after an insert replayed under its dedup token, after a DELETE and after a TTL, also with entries
// outside 1970–2106 (where the engine's DateTime buckets wrap) and with a level the API does not know;
// and the per-minute counts are what is read (force_optimize_projection), also for entries stored
// before the migration.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LEVELS, type Level } from '@oglogstream/shared'
import { partsWithout, tempStore, upgradeWith } from '../helpers/store.ts'
import { fromClickHouse, toApi, type Entry, type Tenant } from '../../server/src/model/index.ts'
import { queries, type Conditions } from '../../server/src/store/index.ts'

const temp = tempStore('level-counts')
const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 24 * HOUR
// Three days ending at the current hour (the TTL test below needs rows older and younger than a day).
const END = Math.floor(Date.now() / HOUR) * HOUR + HOUR
const START = END - 3 * DAY
const TENANTS = ['default', 'team-a'] as const
const SERVICES = ['api', 'db', 'web']
// Entries far from the others: before 1970 and after 2106, where toStartOfInterval in seconds wraps.
const FAR = [Date.UTC(1965, 3, 1, 12, 0, 30), Date.UTC(1969, 11, 31, 23, 59, 59), Date.UTC(2200, 0, 1, 0, 0, 30), Date.UTC(2261, 5, 1)]

/** A canonical timestamp (nanoseconds) `ms` + `ns` after the epoch. */
const ts = (ms: number, ns = 0) => `${new Date(ms).toISOString().slice(0, 23)}${String(ns).padStart(6, '0')}Z`

let seed = 7
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T

function entries(n: number, tag: string): Entry[] {
  return Array.from({ length: n }, (_, i) => {
    // Some on exact minute and hour boundaries and one nanosecond before them; a few far away.
    const minute = START + Math.floor(rnd() * 72 * 60) * MINUTE
    const at =
      i % 200 === 0
        ? ts(pick(FAR), Math.floor(rnd() * 1e6))
        : i % 40 === 0
          ? ts(minute)
          : i % 40 === 1
            ? ts(minute - 1, 999_999)
            : i % 40 === 2
              ? ts(Math.floor(minute / HOUR) * HOUR)
              : ts(START + Math.floor(rnd() * 72 * HOUR), Math.floor(rnd() * 1e6))
    return {
      tenant: pick(TENANTS) as Tenant,
      timestamp: at,
      // Skewed levels, as logs are.
      level: LEVELS[Math.floor(rnd() ** 2 * LEVELS.length)] as Level,
      service: pick(SERVICES),
      message: `${tag} ${i} ${rnd() < 0.3 ? 'remove' : 'keep'}`,
      attributes: {},
      trace_id: '',
      span_id: '',
    }
  })
}

interface Case {
  tenant: Tenant
  services?: string[]
  levels?: Level[]
  from?: string
  to?: string
  intervalMs: number
}

/** A random point: anywhere (to the nanosecond), on a minute or an hour, just before one, or far away. */
function point(): string {
  const r = rnd()
  const ms = START - HOUR + Math.floor(rnd() * 74 * HOUR)
  if (r < 0.2) return ts(Math.floor(ms / MINUTE) * MINUTE)
  if (r < 0.3) return ts(Math.floor(ms / HOUR) * HOUR)
  if (r < 0.4) return ts(Math.floor(ms / MINUTE) * MINUTE - 1, 999_999)
  if (r < 0.45) return ts(pick([Date.UTC(1960, 0, 1), Date.UTC(1969, 11, 31, 23, 59), Date.UTC(2106, 1, 7, 6, 28), Date.UTC(2262, 0, 1)]))
  return ts(ms, Math.floor(rnd() * 1e6))
}

/** A random request: ends anywhere, on minutes, or open (stats); bucket widths of the route's ladder and others. */
function randomCase(open: boolean): Case {
  let from: string | undefined = open && rnd() < 0.15 ? undefined : point()
  let to: string | undefined = open && rnd() < 0.15 ? undefined : point()
  if (from && to && from > to) [from, to] = [to, from]
  // Some short ranges: a few minutes, under a minute.
  if (from && rnd() < 0.15) to = ts(Date.parse(from.slice(0, 23) + 'Z') + Math.floor(rnd() * 5 * MINUTE), Math.floor(rnd() * 1e6))
  const services = rnd() < 0.6 ? undefined : SERVICES.filter(() => rnd() < 0.5)
  const levels = rnd() < 0.6 ? undefined : LEVELS.filter(() => rnd() < 0.5)
  return {
    tenant: pick(TENANTS) as Tenant,
    ...(services?.length ? { services } : {}),
    ...(levels?.length ? { levels } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    intervalMs: pick([MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, DAY, 7 * DAY, 30_000, 90_000, 1_500, 366 * DAY]),
  }
}

const ON = { optimize_use_projections: 1, force_optimize_projection: 0 }
const ctx = (c: Case, engineSettings: Record<string, number> = ON) => ({ ...temp.store.queryContext(c.tenant), engineSettings })
const conditions = (c: Case): Conditions => ({ services: c.services, levels: c.levels, from: c.from, to: c.to })

/** What the histogram route answers for a range (it always has one: the entries' span otherwise). */
function histogram(c: Case, settings = ON) {
  const from = c.from ?? ts(START - DAY)
  const to = c.to ?? ts(END + DAY)
  return queries.histogram(ctx(c, settings), { ...conditions(c), from, to }, c.intervalMs)
}

const params = (c: Case) => ({
  tenant: c.tenant,
  services: c.services ?? [],
  levels: c.levels ?? [],
  from: c.from?.slice(0, 29).replace('T', ' '),
  to: c.to?.slice(0, 29).replace('T', ' '),
})
const where = (c: Case) =>
  [
    'tenant = {tenant:String}',
    ...(c.services ? ['service IN {services:Array(String)}'] : []),
    ...(c.levels ? ['level IN {levels:Array(String)}'] : []),
    ...(c.from ? ["timestamp >= toDateTime64({from:String}, 9, 'UTC')"] : []),
    ...(c.to ? ["timestamp < toDateTime64({to:String}, 9, 'UTC')"] : []),
  ].join(' AND ')
const OFF = 'SETTINGS optimize_use_projections = 0, force_optimize_projection = 0'

/** The histogram from the entries alone: the bucket expression the route has always used, projections off. */
async function histogramReference(c: Case) {
  const h = { ...c, from: c.from ?? ts(START - DAY), to: c.to ?? ts(END + DAY) }
  const step = c.intervalMs % 1000 === 0 ? `INTERVAL ${c.intervalMs / 1000} SECOND` : `INTERVAL ${c.intervalMs} MILLISECOND`
  const rows = await temp.store.sql<{ b: string; level: string; c: string }>(
    `SELECT toString(toStartOfInterval(timestamp, ${step})) AS b, level, count() AS c FROM oglogstream.logs WHERE ${where(h)} GROUP BY b, level ORDER BY b, level ${OFF}`,
    params(h),
  )
  const out: { time: string; counts: Record<string, number>; total: number }[] = []
  for (const r of rows) {
    const time = toApi(fromClickHouse(r.b))
    let b = out[out.length - 1]
    if (b?.time !== time) out.push((b = { time, counts: {}, total: 0 }))
    if ((LEVELS as readonly string[]).includes(r.level)) b.counts[r.level] = Number(r.c)
    b.total += Number(r.c)
  }
  // The route's counts list the levels in LEVELS order.
  return out.map((b) => ({ ...b, counts: Object.fromEntries(LEVELS.filter((l) => b.counts[l]).map((l) => [l, b.counts[l]])) }))
}

async function statsReference(c: Case) {
  const rows = await temp.store.sql<{ level: string; service: string; c: string }>(
    `SELECT level, service, count() AS c FROM oglogstream.logs WHERE ${where(c)} GROUP BY level, service ${OFF}`,
    params(c),
  )
  const out = { total_logs: 0, logs_by_level: {} as Record<string, number>, logs_by_service: {} as Record<string, number> }
  for (const r of rows) {
    out.total_logs += Number(r.c)
    out.logs_by_level[r.level] = (out.logs_by_level[r.level] ?? 0) + Number(r.c)
    out.logs_by_service[r.service] = (out.logs_by_service[r.service] ?? 0) + Number(r.c)
  }
  return out
}

const compared = { buckets: 0, counted: 0 }

async function checkRandom(n: number, label: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const h = randomCase(false)
    const got = await histogram(h)
    assert.deepEqual(got, await histogramReference(h), `${label}, histogram case ${i}: ${JSON.stringify(h)}`)
    compared.buckets += got.length
    const s = randomCase(true)
    const stats = await queries.stats(ctx(s), conditions(s))
    assert.deepEqual(stats, await statsReference(s), `${label}, stats case ${i}: ${JSON.stringify(s)}`)
    compared.counted += stats.total_logs
  }
}

/** Per-minute counts read (the engine refuses the query otherwise), and equal to the entries' count. */
async function checkForced(): Promise<void> {
  const force = { optimize_use_projections: 1, force_optimize_projection: 1 }
  for (const c of [
    { tenant: 'default' as Tenant, from: ts(START), to: ts(END), intervalMs: 30 * MINUTE },
    { tenant: 'team-a' as Tenant, from: ts(START + 7 * MINUTE), to: ts(END - 3 * HOUR), intervalMs: HOUR, services: ['api', 'web'], levels: ['error', 'info'] as Level[] },
  ]) {
    const forced = await histogram(c, force)
    assert.deepEqual(forced, await histogramReference(c))
    assert.ok(forced.length > 10)
    const stats = await queries.stats(ctx(c, force), conditions(c))
    assert.deepEqual(stats, await statsReference(c))
    assert.ok(stats.total_logs > 100)
  }
  // Open at both ends (stats only): the whole of the tenant's per-minute counts.
  const all = { tenant: 'default' as Tenant, intervalMs: HOUR }
  assert.deepEqual(await queries.stats(ctx(all, force), {}), await statsReference(all))
  // Every part has its per-minute counts (a DELETE rebuilds them rather than dropping them).
  assert.deepEqual(await partsWithout(temp.store, 'level_minutes'), [])
}

test('stats and histogram equal the entries\' own count for random ranges, services, levels and bucket widths; an insert replayed under its token is counted once', async () => {
  const store = temp.store
  seed = 7
  const blocks = [entries(1500, 'a'), entries(1500, 'b'), entries(1000, 'c')]
  // The first two blocks are stored before migration 7 (a store upgraded with entries in it): the
  // migration builds their per-minute counts, one day partition at a time.
  await upgradeWith(store, 'level_minutes', 7, [
    [blocks[0] as Entry[], 'level-counts-0'],
    [blocks[1] as Entry[], 'level-counts-1'],
  ])
  await store.insert(blocks[2] as Entry[], 'level-counts-2')
  await store.insert(blocks[1] as Entry[], 'level-counts-1')
  // A level the API does not list (stored by another writer): in totals, not in a bucket's counts.
  await store.command(
    `INSERT INTO oglogstream.logs (tenant, timestamp, level, service, message) VALUES
     ('default', toDateTime64('${ts(START + 5 * HOUR + 17_123).slice(0, 29).replace('T', ' ')}', 9, 'UTC'), 'trace', 'api', 'odd level'),
     ('default', toDateTime64('${ts(START + 30 * HOUR).slice(0, 29).replace('T', ' ')}', 9, 'UTC'), 'trace', 'db', 'odd level')`,
  )
  const [stored] = await store.sql<{ n: string }>('SELECT count() AS n FROM oglogstream.logs')
  assert.equal(Number(stored?.n), 4002, 'the replayed block is stored once')
  await checkForced()
  await checkRandom(80, 'separate parts')
  await store.command('OPTIMIZE TABLE oglogstream.logs FINAL')
  await checkRandom(50, 'after merges')
  await checkForced()
  assert.ok(compared.buckets > 1000 && compared.counted > 10_000, `compared ${JSON.stringify(compared)}`)
})

test('after a DELETE (POST /api/delete) the counts follow: deleted entries are not counted', async () => {
  const store = temp.store
  const all = { tenant: 'default' as Tenant, from: ts(START), to: ts(END), intervalMs: HOUR }
  const before = await queries.stats(ctx(all), conditions(all))
  await store.deleteEntries('default' as Tenant, { from: ts(START + 5 * HOUR + 1234, 42), to: ts(END - 20 * HOUR), search: () => "message LIKE '% remove'" })
  const after = await queries.stats(ctx(all), conditions(all))
  assert.ok(after.total_logs < before.total_logs, `deleted entries are no longer counted (${before.total_logs} -> ${after.total_logs})`)
  await checkForced()
  await checkRandom(30, 'after a delete')
})

test('after a retention TTL removes rows (a tenant\'s retention_days), the counts follow', async () => {
  const store = temp.store
  const all = { tenant: 'team-a' as Tenant, from: ts(START), to: ts(END), intervalMs: HOUR }
  const before = await queries.stats(ctx(all), conditions(all))
  await store.migrate(0, { 'team-a': 1 })
  await store.command('OPTIMIZE TABLE oglogstream.logs FINAL')
  const [old] = await store.sql<{ n: string }>(
    "SELECT count() AS n FROM oglogstream.logs WHERE tenant = 'team-a' AND timestamp < now() - INTERVAL 1 DAY AND timestamp > '2000-01-01' SETTINGS optimize_use_projections = 0",
  )
  assert.equal(Number(old?.n), 0, 'the TTL removed team-a\'s rows older than a day')
  const after = await queries.stats(ctx(all), conditions(all))
  assert.ok(after.total_logs < before.total_logs / 2, `expired entries are no longer counted (${before.total_logs} -> ${after.total_logs})`)
  await checkRandom(30, 'after a TTL')
  await checkForced()
})
