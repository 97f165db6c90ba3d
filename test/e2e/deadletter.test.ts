// Dead letters end to end, embedded mode (issue 11): a batch with a poisoned entry among innocents —
// the innocents are stored, the poison is listed at /api/rejected with its reason and counted, entries
// posted afterwards flow on, and after a fix a replay stores it once (a second replay repeats nothing).
// The poison is a real refusal of the engine: a CHECK constraint added to the logs table before the
// server starts (and dropped, as "the fix", while it is stopped).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { loadConfig } from '../../server/src/config.ts'
import { Store } from '../../server/src/store/index.ts'
import { getJson, postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

/** Runs `sql` on the (stopped) server's embedded store. */
async function onStore(dataDir: string, ...sql: string[]): Promise<void> {
  const store = await Store.open(loadConfig('all', { DATA_DIR: join(dataDir, 'store') }))
  try {
    await store.migrate(0)
    for (const s of sql) await store.sql(s)
  } finally {
    await store.close()
  }
}

const entry = (service: string, message: string) => ({ level: 'error', service, message, timestamp: '2026-02-03T04:05:06.789Z', attributes: { k: 'v' } })

async function stored(url: string, service: string): Promise<number> {
  const r = await getJson(`${url}/api/stats?service=${service}`)
  return r.body.total_logs as number
}

async function deadLettered(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const m = new RegExp(`^oglogstream_entries_dead_lettered_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}

test('a poisoned entry among innocents: innocents stored, poison in /api/rejected, later entries flow, replay after a fix stores it once', async () => {
  const dataDir = tempDir('ogls-deadletter-')
  await onStore(dataDir, "ALTER TABLE oglogstream.logs ADD CONSTRAINT e2e_poison CHECK message NOT LIKE '%POISON%'")
  let server: RunningServer | undefined
  try {
    server = await startServer({ dataDir })
    const url = server.url
    const batch = Array.from({ length: 30 }, (_, i) => entry('dl-innocent', `innocent ${i}`))
    batch.splice(11, 0, entry('dl-poison', 'this one is POISON'))
    const posted = await postJson(`${url}/logs`, batch)
    assert.equal(posted.status, 202, JSON.stringify(posted.body))

    await waitFor(async () => (await stored(url, 'dl-innocent')) === 30, 30_000)
    const rejected = await waitFor(async () => {
      const r = await getJson(`${url}/api/rejected`)
      return r.status === 200 && r.body.length > 0 && r.body
    }, 30_000)
    assert.equal(rejected.length, 1)
    const [letter] = rejected
    assert.equal(letter.reason, 'constraint_violated')
    assert.match(letter.error, /VIOLATED_CONSTRAINT|e2e_poison/)
    assert.equal(letter.service, 'dl-poison')
    assert.equal(letter.entry.message, 'this one is POISON')
    assert.deepEqual(letter.entry.attributes, { k: 'v' })
    assert.match(letter.id, /^[0-9a-f]{32}$/)
    assert.match(letter.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    assert.equal(await deadLettered(url, 'constraint_violated'), 1)
    assert.equal(await stored(url, 'dl-poison'), 0)

    // Nothing waits behind it.
    assert.equal((await postJson(`${url}/logs`, [entry('dl-after', 'a'), entry('dl-after', 'b')])).status, 202)
    await waitFor(async () => (await stored(url, 'dl-after')) === 2, 30_000)

    // Filters and their validation.
    assert.equal((await getJson(`${url}/api/rejected?reason=too_large`)).body.length, 0)
    assert.equal((await getJson(`${url}/api/rejected?reason=constraint_violated&from=now-1h&to=now%2B1m&limit=5`)).body.length, 1)
    const bad = await getJson(`${url}/api/rejected?reason=nope`)
    assert.equal(bad.status, 400)
    assert.match(bad.body.error, /reason/)
    assert.equal((await getJson(`${url}/api/rejected?limit=0`)).status, 400)

    // A replay before the fix: refused again, listed once (the replayed row is hidden, a new one written).
    const again = await postJson(`${url}/api/rejected/replay`, {})
    assert.equal(again.status, 202, JSON.stringify(again.body))
    assert.equal(again.body.replayed, 1)
    await waitFor(async () => (await deadLettered(url, 'constraint_violated')) === 2, 30_000)
    const still = (await getJson(`${url}/api/rejected`)).body
    assert.equal(still.length, 1)
    assert.notEqual(still[0].id, letter.id)

    // The fix, while the server is stopped.
    assert.equal(await server.stop(), 0)
    await onStore(dataDir, 'ALTER TABLE oglogstream.logs DROP CONSTRAINT e2e_poison')
    server = await startServer({ dataDir })
    const url2 = server.url
    assert.equal((await getJson(`${url2}/api/rejected`)).body.length, 1, 'dead letters survive a restart')
    const replay = await postJson(`${url2}/api/rejected/replay`, { ids: [still[0].id] })
    assert.equal(replay.status, 202, JSON.stringify(replay.body))
    assert.equal(replay.body.replayed, 1)
    await waitFor(async () => (await stored(url2, 'dl-poison')) === 1, 30_000)
    assert.deepEqual((await getJson(`${url2}/api/rejected`)).body, [])
    // A second replay repeats nothing: once a sentinel posted after it is stored, so would a repeat be.
    // (A bare POST, no body at all, is "replay everything".)
    const second = await fetch(`${url2}/api/rejected/replay`, { method: 'POST' })
    const secondBody = (await second.json()) as { replayed: number }
    assert.equal(second.status, 202, JSON.stringify(secondBody))
    assert.equal(secondBody.replayed, 0)
    assert.equal((await postJson(`${url2}/logs`, [entry('dl-sentinel', 's')])).status, 202)
    await waitFor(async () => (await stored(url2, 'dl-sentinel')) === 1, 30_000)
    assert.equal(await stored(url2, 'dl-poison'), 1)
    assert.equal(await stored(url2, 'dl-innocent'), 30)
    const badIds = await postJson(`${url2}/api/rejected/replay`, { ids: ['not-an-id'] })
    assert.equal(badIds.status, 400)
    assert.match(badIds.body.error, /ids/)
  } catch (err) {
    throw new Error(`${String(err)}\n--- server output ---\n${server?.output().slice(-4000)}`, { cause: err })
  } finally {
    await server?.stop()
    server?.cleanup()
  }
})

test('API keys: listing needs a query key, a replay an ingest key (it writes)', async () => {
  const server = await startServer({ env: { API_KEYS_QUERY: 'qkey', API_KEYS_INGEST: 'ikey' } })
  try {
    const get = (key?: string) => fetch(`${server.url}/api/rejected`, { headers: key ? { authorization: `Bearer ${key}` } : {} })
    const replay = (key?: string) => fetch(`${server.url}/api/rejected/replay`, { method: 'POST', headers: key ? { 'x-api-key': key } : {} })
    assert.equal((await get()).status, 401)
    assert.equal((await get('ikey')).status, 401)
    assert.equal((await get('qkey')).status, 200)
    assert.equal((await replay()).status, 401)
    assert.equal((await replay('qkey')).status, 401)
    const ok = await replay('ikey')
    assert.equal(ok.status, 202)
    assert.deepEqual(await ok.json(), { status: 'accepted', replayed: 0 })
  } finally {
    await server.stop()
    server.cleanup()
  }
})
