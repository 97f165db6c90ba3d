// Issue 13: retention_days per tenant (API_KEYS_FILE) is one TTL on the logs table whose days depend on
// the row's tenant; tenants without one keep RETENTION_DAYS (here 0: for ever).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { tempStore } from '../helpers/store.ts'
import type { Entry } from '../../server/src/model/index.ts'

const temp = tempStore('tenant-retention')
const old = new Date(Date.now() - 3 * 86_400_000).toISOString().replace('Z', '000000Z')
const fresh = new Date(Date.now() - 60_000).toISOString().replace('Z', '000000Z')
const e = (tenant: string | undefined, timestamp: string, message: string): Entry => ({
  timestamp,
  level: 'info',
  service: 'retention',
  message,
  attributes: {},
  trace_id: '',
  span_id: '',
  ...(tenant ? { tenant } : {}),
})

test('a tenant with retention_days loses its old rows; the others keep theirs', async () => {
  const store = temp.store
  await store.migrate(0, { 'team-a': 1 })
  const [t] = await store.sql<{ ddl: string }>("SELECT create_table_query AS ddl FROM system.tables WHERE database = 'oglogstream' AND name = 'logs'")
  assert.match(t?.ddl ?? '', /TTL toDateTime\(timestamp\) \+ toIntervalDay\(multiIf\(tenant = 'team-a', 1, 0\)\) WHERE tenant IN \('team-a'\)/)
  assert.deepEqual(await store.migrate(0, { 'team-a': 1 }), [], 'a restart with the same settings applies nothing')
  await store.command('SYSTEM STOP TTL MERGES oglogstream.logs')
  await store.insert([e('team-a', old, 'a old'), e('team-a', fresh, 'a fresh'), e('team-b', old, 'b old'), e(undefined, old, 'default old')], 'retention-1')
  await store.command('SYSTEM START TTL MERGES oglogstream.logs')
  await store.command('OPTIMIZE TABLE oglogstream.logs FINAL')
  const rows = await store.sql<{ tenant: string; message: string }>('SELECT tenant, message FROM oglogstream.logs ORDER BY message')
  assert.deepEqual(rows, [
    { tenant: 'team-a', message: 'a fresh' },
    { tenant: 'team-b', message: 'b old' },
    { tenant: 'default', message: 'default old' },
  ])
})

test('with RETENTION_DAYS set, the other tenants get it; removing the per-tenant retention goes back to one TTL', async () => {
  const store = temp.store
  await store.migrate(30, { 'team-a': 1 })
  const ddl = async () => (await store.sql<{ ddl: string }>("SELECT create_table_query AS ddl FROM system.tables WHERE database = 'oglogstream' AND name = 'logs'"))[0]?.ddl ?? ''
  assert.match(await ddl(), /toIntervalDay\(multiIf\(tenant = 'team-a', 1, 30\)\)/)
  await store.migrate(30)
  assert.match(await ddl(), /TTL toDateTime\(timestamp\) \+ toIntervalDay\(30\)/)
  assert.doesNotMatch(await ddl(), /COMMENT 'retention/)
})
