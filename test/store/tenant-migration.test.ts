// Issue 13, migration 3: a logs table made before tenants (sort key (service, timestamp), no tenant
// column) is rebuilt tenant-first with every column, index and row kept; running it again is a no-op.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../server/src/config.ts'
import { Store } from '../../server/src/store/index.ts'
import { asTenant, DEFAULT_TENANT } from '../../server/src/model/index.ts'
import { queries } from '../../server/src/store/index.ts'

const ROWS = 200_000
const dir = mkdtempSync(join(tmpdir(), 'ogls-tenant-migration-'))
let store: Store
before(async () => {
  store = await Store.open(loadConfig('all', { DATA_DIR: dir }))
  // The schema as migrations 1 and 2 left it before tenants.
  await store.command('CREATE DATABASE IF NOT EXISTS oglogstream')
  await store.command(`CREATE TABLE oglogstream.schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY version`)
  await store.command(`CREATE TABLE oglogstream.logs (
    timestamp DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    level LowCardinality(String) CODEC(ZSTD(1)),
    service LowCardinality(String) CODEC(ZSTD(1)),
    message String CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    INDEX idx_message_tokens lower(message) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
  ) ENGINE = MergeTree PARTITION BY toDate(timestamp) ORDER BY (service, timestamp)
  SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000`)
  await store.command(`CREATE TABLE oglogstream.dead_letters (id String, time DateTime64(3, 'UTC'), reason LowCardinality(String), error String,
    service LowCardinality(String), entry String, replayed UInt8 DEFAULT 0) ENGINE = ReplacingMergeTree(replayed) PARTITION BY toYYYYMM(time) ORDER BY id`)
  await store.command(`INSERT INTO oglogstream.schema_migrations (version, name) VALUES (1, 'logs table'), (2, 'dead_letters table')`)
  await store.command(`INSERT INTO oglogstream.logs SELECT
      toDateTime64('2026-01-01 00:00:00', 9, 'UTC') + toIntervalSecond(number), ['info', 'error'][number % 2 + 1], concat('svc-', toString(number % 7)),
      concat('message ', toString(number)), map('k', toString(number % 10)), if(number % 3 = 0, hex(number), ''), '' FROM numbers(${ROWS})`)
})
after(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

test('the logs table is rebuilt tenant-first, every row and column kept', async () => {
  const before = await store.sql<{ h: string; c: string }>('SELECT toString(groupBitXor(cityHash64(timestamp, level, service, message, attributes, trace_id, span_id))) AS h, toString(count()) AS c FROM oglogstream.logs')
  const started = performance.now()
  const applied = await store.migrate(0)
  const ms = performance.now() - started
  assert.deepEqual(applied.includes(3), true)
  console.log(`migration 3 over ${ROWS} rows: ${Math.round(ms)} ms`)
  const [t] = await store.sql<{ key: string; ddl: string }>("SELECT sorting_key AS key, create_table_query AS ddl FROM system.tables WHERE database = 'oglogstream' AND name = 'logs'")
  assert.equal(t?.key, 'tenant, service, timestamp')
  assert.match(t?.ddl ?? '', /idx_message_tokens/)
  assert.match(t?.ddl ?? '', /idx_trace_id/)
  const afterRows = await store.sql<{ h: string; c: string }>('SELECT toString(groupBitXor(cityHash64(timestamp, level, service, message, attributes, trace_id, span_id))) AS h, toString(count()) AS c FROM oglogstream.logs')
  assert.deepEqual(afterRows, before)
  const tenants = await store.sql<{ tenant: string }>('SELECT DISTINCT tenant FROM oglogstream.logs')
  assert.deepEqual(tenants, [{ tenant: 'default' }])
  const leftovers = await store.sql<{ name: string }>("SELECT name FROM system.tables WHERE database = 'oglogstream' AND name LIKE '%rebuild%'")
  assert.deepEqual(leftovers, [])
  const dl = await store.sql<{ name: string }>("SELECT name FROM system.columns WHERE database = 'oglogstream' AND table = 'dead_letters' AND name = 'tenant'")
  assert.equal(dl.length, 1)
  // The old rows are the default tenant's, and no other's.
  const ctx = (tenant: string) => store.queryContext(asTenant(tenant))
  assert.equal((await queries.stats(ctx(DEFAULT_TENANT), {})).total_logs, ROWS)
  assert.equal((await queries.stats(ctx('other'), {})).total_logs, 0)
})

test('running the migrations again changes nothing', async () => {
  assert.deepEqual(await store.migrate(0), [])
  const [c] = await store.sql<{ c: string }>('SELECT toString(count()) AS c FROM oglogstream.logs')
  assert.equal(c?.c, String(ROWS))
})
