// Patterns through a real server (embedded engine): every stored entry carries pattern_id, GET
// /api/patterns counts them by template in the range and q, `pattern:<id>` filters by it, the export
// has it, and a restart keeps the ids (templates reloaded from the store).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { getJson, postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

const BASE = Date.parse('2026-04-01T00:00:00Z')
const users = ['alice', 'bob', 'carol', 'dave']
// 60 logins, 30 failures, 10 disk messages, 1 of a kind; spread over an hour.
const entries = [
  ...Array.from({ length: 60 }, (_, i) => ({ service: 'sshd', message: `Accepted password for ${users[i % 4]} from 10.0.${i}.1 port ${40000 + i} ssh2`, t: i * 60 })),
  ...Array.from({ length: 30 }, (_, i) => ({ service: 'sshd', message: `Failed password for invalid user ${users[i % 4]}x from 192.168.1.${i} port ${50000 + i} ssh2`, t: i * 120 + 30 })),
  ...Array.from({ length: 10 }, (_, i) => ({ service: 'disk', message: `disk /dev/sd${'abc'[i % 3]} is ${80 + i}% full`, t: i * 300 })),
  { service: 'sshd', message: 'Server listening on 0.0.0.0 port 22.', t: 3590 },
].map((e) => ({ level: 'info', service: e.service, message: e.message, timestamp: new Date(BASE + e.t * 1000).toISOString() }))

const dataDir = tempDir()
let srv: RunningServer

before(async () => {
  srv = await startServer({ dataDir, env: { RATE_LIMIT_MAX: '0' } })
  assert.equal((await postJson(`${srv.url}/logs`, entries)).status, 202)
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === entries.length, 20_000)
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

const range = `from=${new Date(BASE).toISOString()}&to=${new Date(BASE + 3_600_000).toISOString()}`

test('GET /api/patterns: templates most frequent first, with counts, sample, first/last seen and buckets', async () => {
  const r = await getJson(`${srv.url}/api/patterns?service=sshd&${range}`)
  assert.equal(r.status, 200)
  const [login, failed, listening, ...rest] = r.body
  assert.equal(rest.length, 0)
  assert.equal(login.template, 'Accepted password for <*> from <*> port <*> ssh2')
  assert.equal(login.count, 60)
  assert.equal(login.service, 'sshd')
  assert.equal(login.sample, entries[0]?.message)
  assert.equal(login.first_seen, new Date(BASE).toISOString())
  assert.equal(login.last_seen, new Date(BASE + 59 * 60_000).toISOString())
  assert.equal(login.buckets.reduce((a: number, b: { count: number }) => a + b.count, 0), 60)
  assert.ok(login.buckets.length > 1, 'a sparkline over the hour')
  assert.equal(failed.template, 'Failed password for invalid user <*> from <*> port <*> ssh2')
  assert.equal(failed.count, 30)
  assert.equal(listening.count, 1)
  assert.match(login.pattern_id, /^[0-9a-f]{16}$/)
  // limit, q and a narrower range count only what matches
  assert.equal((await getJson(`${srv.url}/api/patterns?service=sshd&${range}&limit=1`)).body.length, 1)
  const bob = (await getJson(`${srv.url}/api/patterns?service=sshd&${range}&q=bob`)).body
  assert.deepEqual(bob.map((p: { count: number }) => p.count), [15])
  const firstHalf = (await getJson(`${srv.url}/api/patterns?service=sshd&from=${new Date(BASE).toISOString()}&to=${new Date(BASE + 1_800_000).toISOString()}`)).body
  assert.deepEqual(firstHalf.map((p: { count: number }) => p.count), [30, 15])
  // Without a range: the matching entries' span.
  assert.equal((await getJson(`${srv.url}/api/patterns?service=disk`)).body[0].count, 10)
})

test('new=true: only the templates first seen within the range', async () => {
  const half = `from=${new Date(BASE + 1_800_000).toISOString()}&to=${new Date(BASE + 3_600_000).toISOString()}`
  const all = (await getJson(`${srv.url}/api/patterns?service=sshd&${half}`)).body
  assert.equal(all.length, 3)
  const fresh = await getJson(`${srv.url}/api/patterns?service=sshd&${half}&new=true`)
  assert.equal(fresh.status, 200)
  assert.deepEqual(
    fresh.body.map((p: { template: string; count: number }) => [p.template, p.count]),
    [['Server listening on <*> port <*>.', 1]],
  )
  // Over the whole hour every template is new; new needs a start.
  assert.equal((await getJson(`${srv.url}/api/patterns?service=sshd&${range}&new=true`)).body.length, 3)
  const bad = await getJson(`${srv.url}/api/patterns?new=true`)
  assert.equal(bad.status, 400)
  assert.equal(bad.body.code, 'LOG_ERR_BAD_PARAMETER')
})

test('pattern_id in /api/logs and /api/export; q accepts pattern:<id>', async () => {
  const [failed] = (await getJson(`${srv.url}/api/patterns?service=sshd&${range}&q=Failed`)).body
  const logs = (await getJson(`${srv.url}/api/logs?q=pattern:${failed.pattern_id}&limit=1000`)).body
  assert.equal(logs.length, 30)
  assert.ok(logs.every((e: { pattern_id: string; message: string }) => e.pattern_id === failed.pattern_id && e.message.startsWith('Failed password')))
  assert.equal((await getJson(`${srv.url}/api/logs?q=-pattern:${failed.pattern_id}&service=sshd&limit=1000`)).body.length, 61)
  const nd = await (await fetch(`${srv.url}/api/export?service=disk`)).text()
  const lines = nd.trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(lines.length, 10)
  assert.equal(new Set(lines.map((l) => l.pattern_id)).size, 1)
})

test('a restart keeps the ids: new entries join the stored templates', async () => {
  const before = (await getJson(`${srv.url}/api/patterns?service=sshd&${range}`)).body
  await srv.stop()
  srv = await startServer({ dataDir, env: { RATE_LIMIT_MAX: '0' } })
  const later = new Date(BASE + 3_000_000).toISOString()
  assert.equal((await postJson(`${srv.url}/log`, { level: 'info', service: 'sshd', message: 'Failed password for invalid user zed from 8.8.8.8 port 1 ssh2', timestamp: later })).status, 202)
  const after = await waitFor(async () => {
    const b = (await getJson(`${srv.url}/api/patterns?service=sshd&${range}`)).body
    return b[1]?.count === 31 && b
  }, 20_000)
  assert.deepEqual(after.map((p: { pattern_id: string }) => p.pattern_id), before.map((p: { pattern_id: string }) => p.pattern_id))
})
