// Dead letters in distributed mode (issue 11): through HAProxy, a real nats-server and the
// store-owning worker, a batch with a poisoned entry among innocents ends — the innocents are stored,
// the poison is listed at /api/rejected and counted, the JetStream message is settled (entries posted
// afterwards flow on), and after a fix a replay (published again by the query role) stores it once.
// The poison is a real refusal of the engine: a CHECK constraint on the logs table, added before the
// worker starts and dropped, as "the fix", while it is stopped.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../server/src/config.ts'
import { Store } from '../../server/src/store/index.ts'
import { faultFailure, sleep, startTopology, type TestTopology } from './harness.ts'

async function onStore(dataDir: string, sql: string): Promise<void> {
  const store = await Store.open(loadConfig('all', { DATA_DIR: dataDir }))
  try {
    await store.migrate(0)
    await store.sql(sql)
  } finally {
    await store.close()
  }
}

const entry = (service: string, message: string) => ({ level: 'warn', service, message, attributes: { n: 1 } })

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init)
  const text = await res.text()
  try {
    return { status: res.status, body: JSON.parse(text) }
  } catch {
    return { status: res.status, body: text }
  }
}
const post = (url: string, body: unknown) => json(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const stored = async (url: string, service: string) => ((await json(`${url}/api/stats?service=${service}`)).body.total_logs as number) ?? -1

async function until<T>(what: string, f: () => Promise<T | false | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await f().catch(() => undefined)
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

test('distributed: a poisoned entry among innocents is dead-lettered, the rest stored, the pipeline flows on, a replay after the fix stores it once', async () => {
  const base = mkdtempSync(join(tmpdir(), 'ogls-dist-dl-'))
  const storeDir = join(base, 'store')
  let t: TestTopology | undefined
  try {
    await onStore(storeDir, "ALTER TABLE oglogstream.logs ADD CONSTRAINT dist_poison CHECK message NOT LIKE '%POISON%'")
    t = await startTopology({ storeDataDir: storeDir })
    const url = t.url
    const batch = Array.from({ length: 25 }, (_, i) => entry('dd-innocent', `innocent ${i}`))
    batch.splice(7, 0, entry('dd-poison', 'a POISON entry'))
    const posted = await post(`${url}/logs`, batch)
    assert.equal(posted.status, 202, JSON.stringify(posted.body))

    await until('the innocents', async () => (await stored(url, 'dd-innocent')) === 25)
    const rejected = await until('the dead letter', async () => {
      const r = await json(`${url}/api/rejected`)
      return r.status === 200 && r.body.length > 0 && r.body
    })
    assert.equal(rejected.length, 1)
    assert.equal(rejected[0].reason, 'constraint_violated')
    assert.equal(rejected[0].entry.message, 'a POISON entry')
    const metrics = await (await fetch(`${url}/metrics`)).text()
    assert.match(metrics, /^oglogstream_entries_dead_lettered_total\{reason="constraint_violated"\} 1$/m)

    // The message was settled, not redelivered: later entries flow, and the poison is not
    // dead-lettered again (a redelivery would re-form the batch and isolate it again).
    assert.equal((await post(`${url}/logs`, [entry('dd-after', 'x'), entry('dd-after', 'y')])).status, 202)
    await until('entries posted afterwards', async () => (await stored(url, 'dd-after')) === 2)
    assert.equal((await json(`${url}/api/rejected`)).body.length, 1)
    assert.equal(await stored(url, 'dd-poison'), 0)

    // The fix, while the worker is stopped; the dead letters stay in the store.
    await t.kill('store', 'SIGTERM')
    await onStore(storeDir, 'ALTER TABLE oglogstream.logs DROP CONSTRAINT dist_poison')
    await t.start('store')
    await t.waitBackendsUp()
    const replay = await until('a replay through the query role', async () => {
      const r = await post(`${url}/api/rejected/replay`, { reason: 'constraint_violated' })
      return r.status === 202 && r.body
    })
    assert.equal(replay.replayed, 1)
    await until('the replayed entry', async () => (await stored(url, 'dd-poison')) === 1)
    assert.deepEqual((await json(`${url}/api/rejected`)).body, [])
    const second = await post(`${url}/api/rejected/replay`, {})
    assert.equal(second.status, 202, JSON.stringify(second.body))
    assert.equal(second.body.replayed, 0)
    // A sentinel posted after the second replay is stored: a repeat would have been by then.
    assert.equal((await post(`${url}/logs`, [entry('dd-sentinel', 's')])).status, 202)
    await until('the sentinel', async () => (await stored(url, 'dd-sentinel')) === 1)
    assert.equal(await stored(url, 'dd-poison'), 1)
    assert.equal(await stored(url, 'dd-innocent'), 25)
  } catch (err) {
    throw faultFailure(err, t, undefined)
  } finally {
    await t?.cleanup()
    rmSync(base, { recursive: true, force: true })
  }
})
