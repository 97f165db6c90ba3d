// Issue 13: delete by query. POST /api/delete (admin scope) deletes the tenant's entries matching q and
// a range, in the background; GET /api/delete/{id} follows it to done; GET /api/audit says who asked
// what and when; another tenant's entries, and the tenant's other entries, stay. No key is written out.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

const ADMIN_A = 'admin-key-of-tenant-a'
const READER_A = 'reader-key-of-tenant-a'
const KEY_B = 'ingest-query-key-of-b'
let srv: RunningServer
const dir = tempDir('ogls-delete-')
const FROM = new Date(Date.now() - 3_600_000).toISOString()
const TO = new Date(Date.now() + 60_000).toISOString()
const N = 500

before(async () => {
  const file = join(dir, 'keys.yaml')
  writeFileSync(
    file,
    `keys:
  - { name: ops-a, key: ${ADMIN_A}, tenant: team-a, scopes: [admin, query, ingest] }
  - { name: reader-a, key: ${READER_A}, tenant: team-a, scopes: [query] }
  - { name: b, key: ${KEY_B}, tenant: team-b, scopes: [ingest, query] }
`,
  )
  srv = await startServer({ env: { API_KEYS_FILE: file, RATE_LIMIT_MAX: '0' } })
  const entries = (who: string) => Array.from({ length: N }, (_, i) => ({ level: 'info', service: 'del', message: `${i % 2 ? 'remove' : 'keep'} ${who} ${i}` }))
  assert.equal((await postJson(`${srv.url}/logs`, entries('a'), { authorization: `Bearer ${ADMIN_A}` })).status, 202)
  assert.equal((await postJson(`${srv.url}/logs`, entries('b'), { authorization: `Bearer ${KEY_B}` })).status, 202)
  for (const key of [ADMIN_A, KEY_B]) {
    await waitFor(async () => ((await (await fetch(`${srv.url}/api/stats`, { headers: { authorization: `Bearer ${key}` } })).json()) as { total_logs: number }).total_logs === N, 20_000)
  }
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

const auth = (key: string) => ({ authorization: `Bearer ${key}` })
const count = async (key: string, q: string) =>
  ((await (await fetch(`${srv.url}/api/stats?q=${encodeURIComponent(q)}`, { headers: auth(key) })).json()) as { total_logs: number }).total_logs

test('only an admin-scope key may delete or read the audit log', async () => {
  const body = { q: 'remove', from: FROM, to: TO }
  assert.equal((await postJson(`${srv.url}/api/delete`, body)).status, 401)
  const r = await postJson(`${srv.url}/api/delete`, body, auth(READER_A))
  assert.equal(r.status, 401)
  assert.match(r.body.error, /admin scope/)
  assert.equal((await fetch(`${srv.url}/api/audit`, { headers: auth(KEY_B) })).status, 401)
})

test('a delete needs q and a range, and takes a filter only', async () => {
  const r = await postJson(`${srv.url}/api/delete`, { q: 'remove' }, auth(ADMIN_A))
  assert.equal(r.status, 400)
  assert.equal(r.body.code, 'LOG_ERR_BAD_PARAMETER')
  const pipes = await postJson(`${srv.url}/api/delete`, { q: 'remove | stats count()', from: FROM, to: TO }, auth(ADMIN_A))
  assert.equal(pipes.status, 400)
  assert.equal(pipes.body.code, 'LOG_ERR_BAD_QUERY')
  const unknown = await fetch(`${srv.url}/api/delete/00000000-0000-0000-0000-000000000000`, { headers: auth(ADMIN_A) })
  assert.equal(unknown.status, 404)
  assert.equal(((await unknown.json()) as { code: string }).code, 'LOG_ERR_DELETE_NOT_FOUND')
})

test('delete by query: progress to done, the matching entries of the tenant gone, the rest kept, the audit log tells', async () => {
  const r = await postJson(`${srv.url}/api/delete`, { q: 'remove', from: FROM, to: TO }, auth(ADMIN_A))
  assert.equal(r.status, 202, JSON.stringify(r.body))
  assert.equal(r.body.rows_matched, N / 2)
  const id = r.body.id as string
  const done = await waitFor(async () => {
    const p = (await (await fetch(`${srv.url}/api/delete/${id}`, { headers: auth(ADMIN_A) })).json()) as { state: string; progress: number; rows_remaining: number }
    return p.state === 'done' ? p : undefined
  }, 30_000)
  assert.equal(done.progress, 1)
  assert.equal(done.rows_remaining, 0)
  assert.equal(await count(ADMIN_A, 'remove'), 0)
  assert.equal(await count(ADMIN_A, 'keep'), N / 2)
  assert.equal(await count(KEY_B, 'remove'), N / 2, "tenant b's entries are not touched")
  // Another tenant cannot follow it.
  assert.equal((await fetch(`${srv.url}/api/delete/${id}`, { headers: { ...auth(ADMIN_A), 'x-scope-orgid': 'team-b' } })).status, 403)
  const auditRes = await fetch(`${srv.url}/api/audit`, { headers: auth(ADMIN_A) })
  const text = await auditRes.text()
  const audit = JSON.parse(text) as { actor: string; action: string; time: string; detail: { id: string; q: string; rows_matched: number } }[]
  const mine = audit.find((a) => a.detail.id === id)
  assert.ok(mine, text)
  assert.equal(mine.actor, 'ops-a')
  assert.equal(mine.action, 'delete')
  assert.equal(mine.detail.q, 'remove')
  assert.equal(mine.detail.rows_matched, N / 2)
  assert.ok(Math.abs(Date.parse(mine.time) - Date.now()) < 120_000)
  for (const k of [ADMIN_A, READER_A, KEY_B]) assert.ok(!text.includes(k) && !srv.output().includes(k), 'a key was written out')
})
