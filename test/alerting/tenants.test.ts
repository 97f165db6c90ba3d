// Rules belong to a tenant (issue 13 + 16): a rule written with a tenant's key is evaluated over that
// tenant's entries only, and each tenant sees its own rules and alerts. A deleted group's alerts go.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

let srv: RunningServer
const dir = tempDir('ogls-alert-tenants-')
const KEY = { a: 'key-of-team-a-for-alerts', b: 'key-of-team-b-for-alerts' }
const auth = (k: string) => ({ authorization: `Bearer ${k}` })
before(async () => {
  const file = join(dir, 'keys.yaml')
  writeFileSync(
    file,
    `keys:\n  - name: a\n    key: ${KEY.a}\n    tenant: team-a\n    scopes: [ingest, query]\n  - name: b\n    key: ${KEY.b}\n    tenant: team-b\n    scopes: [ingest, query]\n`,
  )
  srv = await startServer({ dataDir: dir, env: { API_KEYS_FILE: file, ALERTING_EVALUATION_INTERVAL: '1s' } })
})
after(async () => {
  await srv?.stop()
  srv?.cleanup()
})

const get = async (path: string, key: string) => (await fetch(`${srv.url}${path}`, { headers: auth(key) })).json() as Promise<any>

test("each tenant's rule counts its own entries; rules and alerts are per tenant; a deleted group's alerts go", async () => {
  const boom = (n: number) => Array.from({ length: n }, (_, i) => ({ level: 'error', service: 'api', message: `boom ${i}` }))
  assert.equal((await postJson(`${srv.url}/logs`, boom(3), auth(KEY.a))).status, 202)
  assert.equal((await postJson(`${srv.url}/logs`, boom(1), auth(KEY.b))).status, 202)
  const group = {
    name: 'booms',
    interval: '1s',
    rules: [{ alert: 'Booms', expr: 'sum(count_over_time({service="api"} |= "boom" [10m])) > 0' }],
  }
  for (const k of [KEY.a, KEY.b]) assert.equal((await postJson(`${srv.url}/api/rules`, group, auth(k))).status, 201)
  const firing = (k: string) => waitFor(async () => (await get('/api/alerts', k)).find((a: any) => a.state === 'firing'), 20_000)
  assert.equal((await firing(KEY.a)).value, 3)
  assert.equal((await firing(KEY.b)).value, 1)
  assert.equal((await get('/api/alerts', KEY.a)).length, 1)
  assert.equal((await get('/api/rules', KEY.b)).groups.length, 1)
  // team-b deletes its group: its alert is forgotten, team-a's stays
  const del = await fetch(`${srv.url}/api/rules/default/booms`, { method: 'DELETE', headers: auth(KEY.b) })
  assert.equal(del.status, 204)
  await waitFor(async () => (await get('/api/alerts', KEY.b)).length === 0, 20_000)
  assert.equal((await get('/api/alerts', KEY.a))[0]?.state, 'firing')
})
