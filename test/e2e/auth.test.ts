// API keys per scope: every scheme a client or shipper sends, the wrong scope refused, health open.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { postJson, startServer, type RunningServer } from '../helpers/server.ts'

let srv: RunningServer
before(async () => {
  srv = await startServer({ env: { API_KEYS_INGEST: 'ingest-key-1,ingest-key-2', API_KEYS_QUERY: 'query-key' } })
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

const entry = { level: 'info', service: 'auth', message: 'hello' }
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`

test('ingest requires an ingest key, in any of the accepted forms', async () => {
  const none = await postJson(`${srv.url}/log`, entry)
  assert.equal(none.status, 401)
  assert.equal(none.body.code, 'LOG_ERR_UNAUTHORIZED')
  assert.match(none.body.error, /ingest scope/)
  assert.equal((await postJson(`${srv.url}/log`, entry, { authorization: 'Bearer wrong' })).status, 401)
  assert.equal(
    (await postJson(`${srv.url}/log`, entry, { authorization: 'Bearer query-key' })).status,
    401,
    'a query key is not an ingest key',
  )
  const forms: Record<string, string>[] = [
    { authorization: 'Bearer ingest-key-1' },
    { 'x-api-key': 'ingest-key-2' },
    { authorization: 'ApiKey ingest-key-1' },
    { authorization: basic('filebeat', 'ingest-key-2') },
  ]
  for (const headers of forms) {
    const r = await postJson(`${srv.url}/log`, entry, headers)
    assert.equal(r.status, 202, `${JSON.stringify(headers)}: ${JSON.stringify(r.body)}`)
  }
})

test('queries require a query key; health and metrics stay open', async () => {
  assert.equal((await fetch(`${srv.url}/api/logs`)).status, 401)
  assert.equal((await fetch(`${srv.url}/api/logs`, { headers: { authorization: 'Bearer ingest-key-1' } })).status, 401)
  assert.equal((await fetch(`${srv.url}/api/logs`, { headers: { authorization: 'Bearer query-key' } })).status, 200)
  assert.equal((await fetch(`${srv.url}/api/stats`, { headers: { 'x-api-key': 'query-key' } })).status, 200)
  assert.equal((await fetch(`${srv.url}/health`)).status, 200)
  assert.equal((await fetch(`${srv.url}/metrics`)).status, 200)
})
