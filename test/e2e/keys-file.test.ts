// Issue 13: API_KEYS_FILE keys carry tenants and scopes (plain or SHA-256), the environment lists keep
// working as tenant `default`, X-Scope-OrgID is honoured only for a tenant the key may use (else 403
// LOG_ERR_TENANT_FORBIDDEN), and no key ever reaches the server's log or an error body.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { postJson, startServer, tempDir, type RunningServer } from '../helpers/server.ts'

const KEYS = {
  a: 'tenant-a-ingest-and-query',
  b: 'tenant-b-query-key-plain',
  hashed: 'hashed-key-for-tenant-b',
  multi: 'multi-tenant-reader-key',
  adminKey: 'admin-key-every-tenant',
  envIngest: 'env-ingest-key-1',
}
const sha = (k: string) => createHash('sha256').update(k).digest('hex')

let srv: RunningServer
const dir = tempDir('ogls-keys-')
before(async () => {
  const file = join(dir, 'keys.yaml')
  writeFileSync(
    file,
    `keys:
  - name: shipper-a
    key: ${KEYS.a}
    tenant: team-a
    scopes: [ingest, query]
  - name: reader-b
    key: ${KEYS.b}
    tenant: team-b
    scopes: [query]
  - name: hashed-b
    sha256: ${sha(KEYS.hashed)}
    tenants: [team-b]
    scopes: [ingest]
  - name: multi
    key: ${KEYS.multi}
    tenants: [team-a, team-b]
    scopes: [query]
  - name: ops
    key: ${KEYS.adminKey}
    tenants: ['*']
    scopes: [admin, query]
tenants:
  team-a: { retention_days: 7 }
`,
  )
  srv = await startServer({ env: { API_KEYS_FILE: file, API_KEYS_INGEST: KEYS.envIngest } })
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

const entry = { level: 'info', service: 'keys', message: 'hello' }
const bearer = (k: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${k}`, ...extra })

test('file keys, hashed keys and environment keys authenticate in every form shippers send', async () => {
  const basic = (k: string) => `Basic ${Buffer.from(`user:${k}`).toString('base64')}`
  for (const headers of [bearer(KEYS.a), { 'x-api-key': KEYS.hashed }, { authorization: `ApiKey ${KEYS.envIngest}` }, { authorization: basic(KEYS.a) }]) {
    const r = await postJson(`${srv.url}/log`, entry, headers)
    assert.equal(r.status, 202, `${Object.keys(headers)[0]}: ${JSON.stringify(r.body)}`)
  }
  assert.equal((await postJson(`${srv.url}/log`, entry, bearer(KEYS.b))).status, 401, 'a query-only key cannot ingest')
  assert.equal((await postJson(`${srv.url}/log`, entry, bearer(sha(KEYS.hashed)))).status, 401, 'the stored hash is not itself a key')
  assert.equal((await fetch(`${srv.url}/api/logs`, { headers: bearer(KEYS.hashed) })).status, 401, 'an ingest-only key cannot query')
  assert.equal((await fetch(`${srv.url}/api/logs`, { headers: bearer(KEYS.b) })).status, 200)
})

test('X-Scope-OrgID is honoured only for a tenant the key may use', async () => {
  const get = (k: string, tenant?: string) => fetch(`${srv.url}/api/services`, { headers: bearer(k, tenant ? { 'x-scope-orgid': tenant } : {}) })
  assert.equal((await get(KEYS.a, 'team-a')).status, 200)
  const forbidden = await get(KEYS.a, 'team-b')
  assert.equal(forbidden.status, 403)
  const body = (await forbidden.json()) as { code: string; error: string }
  assert.equal(body.code, 'LOG_ERR_TENANT_FORBIDDEN')
  assert.match(body.error, /tenant 'team-b'/)
  assert.equal((await get(KEYS.multi, 'team-a')).status, 200)
  assert.equal((await get(KEYS.multi, 'team-b')).status, 200)
  assert.equal((await get(KEYS.multi, 'team-c')).status, 403)
  assert.equal((await get(KEYS.adminKey, 'anything-at-all')).status, 200, "a '*' key may use any tenant")
  assert.equal((await get(KEYS.adminKey, 'bad/name')).status, 403, 'not a tenant name')
  // Ingest too: an environment key is tenant `default`.
  assert.equal((await postJson(`${srv.url}/log`, entry, bearer(KEYS.envIngest, { 'x-scope-orgid': 'team-a' }))).status, 403)
  assert.equal((await postJson(`${srv.url}/log`, entry, bearer(KEYS.envIngest, { 'x-scope-orgid': 'default' }))).status, 202)
  // The Loki API (Grafana sends X-Scope-OrgID from the data source settings).
  const loki = await fetch(`${srv.url}/loki/api/v1/labels`, { headers: bearer(KEYS.b, { 'x-scope-orgid': 'team-a' }) })
  assert.equal(loki.status, 403)
})

test('no key appears in the server log or in an error body', async () => {
  const bodies: string[] = []
  for (const k of Object.values(KEYS)) {
    bodies.push(await (await fetch(`${srv.url}/api/logs`, { headers: bearer(k, { 'x-scope-orgid': 'nope' }) })).text())
    bodies.push(await (await fetch(`${srv.url}/api/logs`, { headers: bearer(`${k}x`) })).text())
  }
  const out = srv.output() + bodies.join('\n')
  for (const k of Object.values(KEYS)) assert.ok(!out.includes(k), 'a key was written out')
})

test('a bad keys file stops start-up naming the variable and the field', async () => {
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, 'keys:\n  - key: short\n    scopes: [ingest]\n')
  await assert.rejects(startServer({ env: { API_KEYS_FILE: file } }), /API_KEYS_FILE: .*keys\[0\]: key must be at least 8 characters/)
  writeFileSync(file, `keys:\n  - key: long-enough-key\n    scopes: [read]\n`)
  await assert.rejects(startServer({ env: { API_KEYS_FILE: file } }), /unknown scope 'read'/)
})
