// Issue 17: GET /api/patterns without q counts whole hours from the `pattern_hours` projection of the
// logs table (migration 6) and the partial hours at the range's ends from the entries. What must hold:
// for any range in nanoseconds, any services, any bucket width, the answer equals the count of the
// entries themselves (random ranges against a plain scan with projections off), before and after
// merges, after an insert replayed under its dedup token, after a DELETE and after a TTL; and the
// per-hour counts are what is read (force_optimize_projection), also for entries stored before the migration.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { partsWithout, tempStore, upgradeWith } from '../helpers/store.ts'
import type { Entry } from '../../server/src/model/index.ts'
import type { Tenant } from '../../server/src/model/index.ts'
import type { PatternListOptions } from '../../server/src/store/index.ts'

const temp = tempStore('pattern-counts')
const HOUR = 3_600_000
// Three days ending at the current hour (the TTL test below needs rows older and younger than a day).
const END = Math.floor(Date.now() / HOUR) * HOUR + HOUR
const START = END - 3 * 24 * HOUR
const TENANTS = ['default', 'team-a'] as const
const SERVICES = ['api', 'db', 'web']
const PATTERNS = ['', 'p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']

/** A canonical timestamp (nanoseconds) `ms` + `ns` after the epoch. */
const ts = (ms: number, ns = 0) => `${new Date(ms).toISOString().slice(0, 23)}${String(ns).padStart(6, '0')}Z`

let seed = 17
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T

function entries(n: number, tag: string): Entry[] {
  return Array.from({ length: n }, (_, i) => {
    // Skewed templates, some on exact hour boundaries and one nanosecond before them.
    const k = Math.floor(rnd() ** 2 * PATTERNS.length)
    const edge = i % 50 === 0
    const hour = START + Math.floor(rnd() * 72) * HOUR
    const at = edge ? (i % 100 === 0 ? ts(hour) : ts(hour - 1, 999_999)) : ts(START + Math.floor(rnd() * 72 * HOUR), Math.floor(rnd() * 1e6))
    return {
      tenant: pick(TENANTS) as Tenant,
      timestamp: at,
      level: pick(['info', 'warn', 'error'] as const),
      service: pick(SERVICES),
      message: `${tag} ${i} ${rnd() < 0.3 ? 'remove' : 'keep'}`,
      attributes: {},
      trace_id: '',
      span_id: '',
      pattern_id: PATTERNS[k] as string,
    }
  })
}

interface Case {
  tenant: Tenant
  services?: string[]
  from?: string
  to?: string
  intervalMs: number
  limit: number
  /** new=true: only the templates first seen at or after this. */
  firstSeenFrom?: string
}

/** A random request: ends anywhere (to the nanosecond), on hours, or open; sub-hour and hour buckets. */
function randomCase(): Case {
  const point = () => {
    const r = rnd()
    const ms = START - HOUR + Math.floor(rnd() * 74 * HOUR)
    if (r < 0.3) return ts(Math.floor(ms / HOUR) * HOUR)
    if (r < 0.4) return ts(Math.floor(ms / HOUR) * HOUR - 1, 999_999)
    return ts(ms, Math.floor(rnd() * 1e6))
  }
  let from: string | undefined = rnd() < 0.1 ? undefined : point()
  let to: string | undefined = rnd() < 0.1 ? undefined : point()
  if (from && to && from > to) [from, to] = [to, from]
  const services = rnd() < 0.5 ? undefined : SERVICES.filter(() => rnd() < 0.5)
  return {
    tenant: pick(TENANTS) as Tenant,
    ...(services?.length ? { services } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    intervalMs: pick([HOUR, 3 * HOUR, 24 * HOUR, 30 * 60_000, 60_000]),
    limit: pick([3, 50]),
    ...(from && rnd() < 0.25 ? { firstSeenFrom: from } : {}),
  }
}

const options = (c: Case, engineSettings: PatternListOptions['engineSettings']): PatternListOptions => ({
  limit: c.limit,
  intervalMs: c.intervalMs,
  from: c.from ?? ts(START - 10 * HOUR),
  to: c.to ?? ts(END + 10 * HOUR),
  engineSettings,
  ...(c.firstSeenFrom ? { firstSeenFrom: c.firstSeenFrom } : {}),
})

const ON = { optimize_use_projections: 1, force_optimize_projection: 0 }

/** What the route answers: counts and buckets (templates aside), through the projection when it fits. */
async function answer(c: Case, settings = ON) {
  const store = temp.store
  const r = await store.listPatterns(store.queryContext(c.tenant), { services: c.services, from: c.from, to: c.to }, options(c, settings))
  return r.map((p) => ({ id: p.pattern_id, count: p.count, buckets: p.buckets.map((b) => [Date.parse(b.time), b.count]) }))
}

/** The same from the entries alone: a plain scan, projections off. */
async function reference(c: Case) {
  const store = temp.store
  const o = options(c, undefined)
  const cond = [
    'tenant = {tenant:String}',
    ...(c.services ? ['service IN {services:Array(String)}'] : []),
    ...(c.from ? ["timestamp >= toDateTime64({from:String}, 9, 'UTC')"] : []),
    ...(c.to ? ["timestamp < toDateTime64({to:String}, 9, 'UTC')"] : []),
    ...(c.firstSeenFrom
      ? [
          `pattern_id IN (SELECT pattern_id FROM oglogstream.patterns WHERE tenant = {tenant:String} GROUP BY pattern_id
           HAVING min(first_seen) >= toDateTime64({from:String}, 9, 'UTC'))`,
        ]
      : []),
  ].join(' AND ')
  const params = { tenant: c.tenant, services: c.services ?? [], from: c.from?.slice(0, 29).replace('T', ' '), to: c.to?.slice(0, 29).replace('T', ' ') }
  const off = 'SETTINGS optimize_use_projections = 0, force_optimize_projection = 0'
  const top = await store.sql<{ id: string; c: string }>(
    `SELECT pattern_id AS id, count() AS c FROM oglogstream.logs WHERE ${cond} AND pattern_id != '' GROUP BY id ORDER BY count() DESC, id LIMIT ${c.limit} ${off}`,
    params,
  )
  const step = c.intervalMs / 1000
  const buckets = await store.sql<{ id: string; b: string; c: string }>(
    `SELECT pattern_id AS id, toUnixTimestamp(toStartOfInterval(timestamp, INTERVAL ${step} SECOND)) * 1000 AS b, count() AS c FROM oglogstream.logs
     WHERE tenant = {tenant:String} ${c.services ? 'AND service IN {services:Array(String)}' : ''}
       AND timestamp >= toDateTime64({bf:String}, 9, 'UTC') AND timestamp < toDateTime64({bt:String}, 9, 'UTC') AND pattern_id IN {ids:Array(String)}
     GROUP BY id, b ORDER BY b ${off}`,
    { ...params, bf: o.from.slice(0, 29).replace('T', ' '), bt: o.to.slice(0, 29).replace('T', ' '), ids: top.map((t) => t.id) },
  )
  return top.map((t) => ({
    id: t.id,
    count: Number(t.c),
    buckets: buckets.filter((b) => b.id === t.id).map((b) => [Number(b.b), Number(b.c)]),
  }))
}

async function checkRandom(n: number, label: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const c = randomCase()
    assert.deepEqual(await answer(c), await reference(c), `${label}, case ${i}: ${JSON.stringify(c)}`)
  }
}

/** Per-hour counts read (the engine refuses the query otherwise), and equal to the entries' count. */
async function checkForced(): Promise<void> {
  const c: Case = { tenant: 'default' as Tenant, from: ts(START), to: ts(END), intervalMs: HOUR, limit: 50 }
  const forced = await answer(c, { optimize_use_projections: 1, force_optimize_projection: 1 })
  assert.deepEqual(forced, await reference(c))
  assert.ok(forced.length > 5)
  // Every part has its per-hour counts (a DELETE rebuilds them rather than dropping them).
  assert.deepEqual(await partsWithout(temp.store, 'pattern_hours'), [])
}

test('counts and buckets equal the entries\' own count for random ranges, services and bucket widths; an insert replayed under its token is counted once', async () => {
  const store = temp.store
  seed = 17
  // Several parts, one block inserted twice under its token (what a WAL replay does), one with no template.
  const blocks = [entries(1500, 'a'), entries(1500, 'b'), entries(1000, 'c')]
  // The first two blocks are stored before migration 6 (a store upgraded with entries in it): the
  // migration builds their per-hour counts, one day partition at a time.
  await upgradeWith(store, 'pattern_hours', 6, [
    [blocks[0] as Entry[], 'pattern-counts-0'],
    [blocks[1] as Entry[], 'pattern-counts-1'],
  ])
  await store.insert(blocks[2] as Entry[], 'pattern-counts-2')
  await store.insert(blocks[1] as Entry[], 'pattern-counts-1')
  // Templates first seen at random times (new=true keeps those first seen at or after the range's start).
  await store.patterns.save(
    TENANTS.flatMap((tenant) =>
      PATTERNS.filter(Boolean).map((id) => {
        const first = ts(START + Math.floor(rnd() * 72 * HOUR))
        return { tenant, service: 'api', pattern_id: id, template: `t ${id}`, first_seen: first, last_seen: first, sample: id }
      }),
    ),
  )
  const [stored] = await store.sql<{ n: string }>('SELECT count() AS n FROM oglogstream.logs')
  assert.equal(Number(stored?.n), 4000, 'the replayed block is stored once')
  await checkForced()
  await checkRandom(60, 'separate parts')
  await store.command('OPTIMIZE TABLE oglogstream.logs FINAL')
  await checkRandom(40, 'after merges')
  await checkForced()
})

test('after a DELETE (POST /api/delete) the counts follow: deleted entries are not counted', async () => {
  const store = temp.store
  const before = await answer({ tenant: 'default' as Tenant, from: ts(START), to: ts(END), intervalMs: HOUR, limit: 50 })
  await store.deleteEntries('default' as Tenant, { from: ts(START + 5 * HOUR + 1234, 42), to: ts(END - 20 * HOUR), search: () => "message LIKE '% remove'" })
  const after = await answer({ tenant: 'default' as Tenant, from: ts(START), to: ts(END), intervalMs: HOUR, limit: 50 })
  const sum = (r: { count: number }[]) => r.reduce((a, p) => a + p.count, 0)
  assert.ok(sum(after) < sum(before), `deleted entries are no longer counted (${sum(before)} -> ${sum(after)})`)
  await checkForced()
  await checkRandom(30, 'after a delete')
})

test('after a retention TTL removes rows (a tenant\'s retention_days), the counts follow', async () => {
  const store = temp.store
  const all = { tenant: 'team-a' as Tenant, from: ts(START), to: ts(END), intervalMs: HOUR, limit: 50 }
  const before = await answer(all)
  await store.migrate(0, { 'team-a': 1 })
  await store.command('OPTIMIZE TABLE oglogstream.logs FINAL')
  const [old] = await store.sql<{ n: string }>(
    "SELECT count() AS n FROM oglogstream.logs WHERE tenant = 'team-a' AND timestamp < now() - INTERVAL 1 DAY SETTINGS optimize_use_projections = 0",
  )
  assert.equal(Number(old?.n), 0, 'the TTL removed team-a\'s rows older than a day')
  const after = await answer(all)
  const sum = (r: { count: number }[]) => r.reduce((a, p) => a + p.count, 0)
  assert.ok(sum(after) < sum(before) / 2, `expired entries are no longer counted (${sum(before)} -> ${sum(after)})`)
  await checkRandom(30, 'after a TTL')
  await checkForced()
})
