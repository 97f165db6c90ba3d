/**
 * Versioned, idempotent migrations, applied at start-up by the process that owns the store.
 * Each runs once (recorded in `schema_migrations`) and is written so that running it again is
 * harmless. With `CLICKHOUSE_CLUSTER` the tables are replicated on every node and `logs` is a
 * Distributed table over the local `logs_local`.
 */
import type { ClickHouseClient } from '@clickhouse/client'

export interface SchemaContext {
  database: string
  cluster: string | undefined
}

export interface Migration {
  version: number
  name: string
  statements(ctx: SchemaContext): string[]
  /** A migration that must look at the store before it acts (a rebuild); runs after `statements`. */
  run?(client: ClickHouseClient, ctx: SchemaContext): Promise<void>
}

const q = (name: string) => `\`${name.replace(/`/g, '``')}\``

/** The table rows are written to (the local replicated table on a cluster). */
export function writeTable(ctx: SchemaContext): string {
  return `${q(ctx.database)}.${ctx.cluster ? 'logs_local' : 'logs'}`
}
/** The table queries read (Distributed over the cluster, or the table itself). */
export function readTable(ctx: SchemaContext): string {
  return `${q(ctx.database)}.logs`
}

function onCluster(ctx: SchemaContext): string {
  return ctx.cluster ? ` ON CLUSTER ${q(ctx.cluster)}` : ''
}

function logsColumns(): string {
  // Close to the OpenTelemetry exporter's otel_logs where that costs nothing: nanosecond
  // timestamps with Delta+ZSTD, LowCardinality level/service, ZSTD message, a string map of attributes.
  // The tenant leads the sort key (migration 3), so one tenant's reads skip every other tenant's granules.
  return `
    tenant LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),
    timestamp DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    level LowCardinality(String) CODEC(ZSTD(1)),
    service LowCardinality(String) CODEC(ZSTD(1)),
    message String CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    pattern_id LowCardinality(String) DEFAULT '' CODEC(ZSTD(1)),
    INDEX idx_message_tokens lower(message) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_attr_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_pattern_id pattern_id TYPE bloom_filter(0.01) GRANULARITY 1`
}

/** The aggregate projection of the logs table counting entries per (tenant, service, pattern_id, hour). */
export const PATTERN_HOURS = 'pattern_hours'

/** The aggregate projection of the logs table counting entries per (tenant, minute, service, level). */
export const LEVEL_MINUTES = 'level_minutes'
/**
 * The minute of an entry as `level_minutes` keys it, and as a query must spell it for the engine to read
 * the projection. A DateTime64(3) (millisecond step): toStartOfMinute and a step in seconds give a
 * DateTime, which wraps outside 1970–2106, so a minute of 2261 would be counted as one of 1988.
 */
export const MINUTE_KEY = 'toStartOfInterval(timestamp, INTERVAL 60000 MILLISECOND)'

const LOGS_ORDER = `PARTITION BY toDate(timestamp)
    ORDER BY (tenant, service, timestamp)`

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'logs table',
    statements: (ctx) => {
      if (!ctx.cluster) {
        return [
          `CREATE TABLE IF NOT EXISTS ${q(ctx.database)}.logs (${logsColumns()}
          ) ENGINE = MergeTree
          ${LOGS_ORDER}
          SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000`,
        ]
      }
      return [
        `CREATE TABLE IF NOT EXISTS ${q(ctx.database)}.logs_local${onCluster(ctx)} (${logsColumns()}
        ) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/${ctx.database}/logs_local', '{replica}')
        ${LOGS_ORDER}
        SETTINGS index_granularity = 8192`,
        `CREATE TABLE IF NOT EXISTS ${q(ctx.database)}.logs${onCluster(ctx)}
          AS ${q(ctx.database)}.logs_local
          ENGINE = Distributed(${q(ctx.cluster)}, ${q(ctx.database)}, logs_local, rand())`,
      ]
    },
  },
  {
    version: 2,
    name: 'dead_letters table',
    statements: (ctx) => {
      // Entries the store refused for good (process/deadletter.ts). ReplacingMergeTree on `id`: a
      // dead letter written twice (a replay after a crash) is one row, and a replay marks its rows by
      // writing them again with `replayed = 1` (no mutation, works through a Distributed table too);
      // reads use FINAL. Partitioned by month: dead letters are few.
      const columns = `
        id String,
        time DateTime64(3, 'UTC'),
        reason LowCardinality(String),
        error String CODEC(ZSTD(1)),
        service LowCardinality(String),
        entry String CODEC(ZSTD(1)),
        replayed UInt8 DEFAULT 0`
      const layout = `PARTITION BY toYYYYMM(time)
        ORDER BY id`
      if (!ctx.cluster) {
        return [
          `CREATE TABLE IF NOT EXISTS ${q(ctx.database)}.dead_letters (${columns}
          ) ENGINE = ReplacingMergeTree(replayed)
          ${layout}
          SETTINGS non_replicated_deduplication_window = 1000`,
        ]
      }
      return [
        `CREATE TABLE IF NOT EXISTS ${q(ctx.database)}.dead_letters_local${onCluster(ctx)} (${columns}
        ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${ctx.database}/dead_letters_local', '{replica}', replayed)
        ${layout}`,
        // Sharded by id, so a row and its `replayed` marker land on the same shard.
        `CREATE TABLE IF NOT EXISTS ${q(ctx.database)}.dead_letters${onCluster(ctx)}
          AS ${q(ctx.database)}.dead_letters_local
          ENGINE = Distributed(${q(ctx.cluster)}, ${q(ctx.database)}, dead_letters_local, cityHash64(id))`,
      ]
    },
  },
  {
    version: 3,
    name: 'tenant first in the logs sort key; tenant of dead letters',
    statements: (ctx) => {
      const local = ctx.cluster ? '_local' : ''
      return [
        `ALTER TABLE ${q(ctx.database)}.dead_letters${local}${onCluster(ctx)} ADD COLUMN IF NOT EXISTS tenant LowCardinality(String) DEFAULT 'default'`,
        ...(ctx.cluster
          ? [`ALTER TABLE ${q(ctx.database)}.dead_letters${onCluster(ctx)} ADD COLUMN IF NOT EXISTS tenant LowCardinality(String) DEFAULT 'default'`]
          : []),
      ]
    },
    run: (client, ctx) => rebuildTenantFirst(client, ctx),
  },
  {
    version: 4,
    name: 'entry id',
    statements: (ctx) => {
      // The stable id given at ingest (model/entry.ts). Rows stored before it have '' (the API leaves the
      // id out for them). A bloom filter finds one id without reading every part's ids in full.
      const add = `ADD COLUMN IF NOT EXISTS id String DEFAULT '' CODEC(ZSTD(1)) AFTER span_id`
      const index = `ADD INDEX IF NOT EXISTS idx_id id TYPE bloom_filter(0.001) GRANULARITY 1`
      const db = q(ctx.database)
      if (!ctx.cluster) return [`ALTER TABLE ${db}.logs ${add}`, `ALTER TABLE ${db}.logs ${index}`]
      return [`ALTER TABLE ${db}.logs_local${onCluster(ctx)} ${add}`, `ALTER TABLE ${db}.logs_local${onCluster(ctx)} ${index}`, `ALTER TABLE ${db}.logs${onCluster(ctx)} ${add}`]
    },
  },
  {
    version: 5,
    name: 'pattern_id of entries; patterns table',
    statements: (ctx) => {
      // The template each entry belongs to (patterns/), mined by the process role before insert. A
      // logs table made before patterns gets the column and its index; a new one has them already.
      const local = ctx.cluster ? '_local' : ''
      const logs = (t: string) => `${q(ctx.database)}.${t}${onCluster(ctx)}`
      const addColumn = (t: string) => `ALTER TABLE ${logs(t)} ADD COLUMN IF NOT EXISTS pattern_id LowCardinality(String) DEFAULT '' CODEC(ZSTD(1))`
      // Templates as the miners last wrote them: one row per template and write, the newest (by
      // `last_seen`) kept by ReplacingMergeTree; reads aggregate, so rows of several workers agree.
      const columns = `
        tenant LowCardinality(String) DEFAULT 'default',
        service LowCardinality(String),
        pattern_id String,
        template String CODEC(ZSTD(1)),
        first_seen DateTime64(9, 'UTC'),
        last_seen DateTime64(9, 'UTC'),
        sample String CODEC(ZSTD(1))`
      const layout = 'ORDER BY (tenant, service, pattern_id)'
      return [
        addColumn(`logs${local}`),
        ...(ctx.cluster ? [addColumn('logs')] : []),
        `ALTER TABLE ${logs(`logs${local}`)} ADD INDEX IF NOT EXISTS idx_pattern_id pattern_id TYPE bloom_filter(0.01) GRANULARITY 1`,
        ...(ctx.cluster
          ? [
              `CREATE TABLE IF NOT EXISTS ${q(ctx.database)}.patterns_local${onCluster(ctx)} (${columns}
              ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${ctx.database}/patterns_local', '{replica}', last_seen)
              ${layout}`,
              `CREATE TABLE IF NOT EXISTS ${q(ctx.database)}.patterns${onCluster(ctx)}
                AS ${q(ctx.database)}.patterns_local
                ENGINE = Distributed(${q(ctx.cluster)}, ${q(ctx.database)}, patterns_local, cityHash64(pattern_id))`,
            ]
          : [`CREATE TABLE IF NOT EXISTS ${q(ctx.database)}.patterns (${columns}
              ) ENGINE = ReplacingMergeTree(last_seen)
              ${layout}`]),
      ]
    },
  },
  {
    version: 6,
    name: 'entries per pattern and hour (projection of the logs table)',
    statements: (ctx) => {
      // GET /api/patterns without `q` counts from this aggregate projection instead of the entries
      // (store/patterns.ts). A projection lives inside each part of the logs table: written in the same
      // insert (a block dropped by insert dedup drops its counts too, so a replayed batch is not counted
      // twice), merged with the part, and rebuilt when rows go: by TTL in merges, and by a lightweight
      // DELETE (POST /api/delete), which would refuse to run on a table with projections without the
      // `rebuild` setting. Hours, not minutes: on the 10 M-entry bench store, with ~8,000 templates
      // spread evenly, a minute holds ~0.8 entries per template, so per-minute counts were nearly as many
      // rows as the entries; per hour they are 64x fewer (155,675 rows for 10,000,001 entries).
      return addCountProjection(ctx, PATTERN_HOURS, 'tenant, service, pattern_id, toStartOfHour(timestamp)')
    },
    run: (client, ctx) => materializeProjection(client, ctx, PATTERN_HOURS, 6),
  },
  {
    version: 7,
    name: 'entries per minute, service and level (projection of the logs table)',
    statements: (ctx) => {
      // GET /api/stats and /api/histogram without `q` count whole minutes from this aggregate projection
      // and the partial minutes at either end from the entries (store/queries.ts), kept exact as
      // pattern_hours is (migration 6: written by the insert that writes the part, merged with it,
      // rebuilt by TTL merges and lightweight DELETEs). Minutes, not hours: every histogram step of a
      // minute or more is whole minutes. The minute comes before service and level in the key, so that
      // a short range of a long retention reads a few granules of the projection; on the 10 M-entry
      // bench store (80 services, 5 levels, 26 h) it has 536,969 rows, 19x fewer than the entries.
      return addCountProjection(ctx, LEVEL_MINUTES, `tenant, ${MINUTE_KEY}, service, level`)
    },
    run: (client, ctx) => materializeProjection(client, ctx, LEVEL_MINUTES, 7),
  },
]

/**
 * An aggregate projection of the logs table counting entries per `keys` (migrations 6 and 7), with the
 * table setting that lets a lightweight DELETE rebuild it.
 */
function addCountProjection(ctx: SchemaContext, name: string, keys: string): string[] {
  const table = `${q(ctx.database)}.${ctx.cluster ? 'logs_local' : 'logs'}${onCluster(ctx)}`
  return [
    `ALTER TABLE ${table} MODIFY SETTING lightweight_mutation_projection_mode = 'rebuild'`,
    `ALTER TABLE ${table} ADD PROJECTION IF NOT EXISTS ${name} (
          SELECT ${keys}, count()
          GROUP BY ${keys})`,
  ]
}

/**
 * Migrations 6 and 7 on a store with entries: the projection is built for the parts written before it, one
 * day partition at a time (a mutation per partition, waited for), so that memory and the time before
 * the first partition is done stay those of one day. A part not yet built is still counted right (the
 * engine reads its entries instead), only slower. On a cluster one mutation per node covers the table
 * (a mutation works part by part).
 */
async function materializeProjection(client: ClickHouseClient, ctx: SchemaContext, projection: string, version: number): Promise<void> {
  const db = q(ctx.database)
  const settings = { mutations_sync: '2', max_execution_time: 0 }
  if (ctx.cluster) {
    await client.command({ query: `ALTER TABLE ${db}.logs_local${onCluster(ctx)} MATERIALIZE PROJECTION ${projection}`, clickhouse_settings: settings })
    return
  }
  const rs = await client.query({
    query: "SELECT DISTINCT partition_id AS id FROM system.parts WHERE database = {db:String} AND table = 'logs' AND active ORDER BY id",
    query_params: { db: ctx.database },
    format: 'JSONEachRow',
  })
  try {
    for (const { id } of await rs.json<{ id: string }>()) {
      // A day partition's id is its date's digits (toDate(timestamp)); ALTER takes no query parameters.
      if (!/^\w+$/.test(id)) throw new Error(`migration ${version}: unexpected partition id ${id}`)
      await client.command({ query: `ALTER TABLE ${db}.logs MATERIALIZE PROJECTION ${projection} IN PARTITION ID '${id}'`, clickhouse_settings: settings })
    }
  } finally {
    // The embedded engine keeps a query's settings on its one session: without this, every later
    // mutation of the process would wait for its end too (a retention change's MODIFY TTL, which
    // rewrites every part, would hold the start-up).
    await client.command({ query: 'SELECT 1', clickhouse_settings: { mutations_sync: '0' } })
  }
}

/** The patterns table, for writes and reads alike (Distributed over the cluster). */
export function patternTable(ctx: SchemaContext): string {
  return `${q(ctx.database)}.patterns`
}

/**
 * Migration 3: a logs table made before tenants (sort key `(service, timestamp)`, no `tenant`) is
 * rebuilt with `tenant` first in the sort key, since a sort key can only be extended at its end. The
 * new table is the old one's own DDL (every column, index, codec, setting and TTL, including what
 * later migrations of other features added) with the tenant column and key in front; every column is
 * copied (`tenant` as 'default' when the old table has none), then the two tables are swapped and
 * the old one dropped. Safe to run again: a table already tenant-first is left alone, and a copy left
 * over from an interrupted run is dropped and made again. Runs at start-up in the process that owns
 * the store, before its worker inserts anything. On a cluster the copy goes through Distributed
 * tables, so each row lands on some shard again.
 */
async function rebuildTenantFirst(client: ClickHouseClient, ctx: SchemaContext): Promise<void> {
  const db = q(ctx.database)
  const name = ctx.cluster ? 'logs_local' : 'logs'
  const info = async (table: string) => {
    const rs = await client.query({
      query: 'SELECT create_table_query AS ddl, sorting_key AS key FROM system.tables WHERE database = {db:String} AND name = {t:String}',
      query_params: { db: ctx.database, t: table },
      format: 'JSONEachRow',
    })
    return (await rs.json<{ ddl: string; key: string }>())[0]
  }
  const current = await info(name)
  if (!current) throw new Error(`migration 3: table ${ctx.database}.${name} is missing`)
  const tmp = `${name}_tenant_rebuild`
  await client.command({ query: `DROP TABLE IF EXISTS ${db}.${tmp}${onCluster(ctx)} SYNC` })
  if (ctx.cluster) await client.command({ query: `DROP TABLE IF EXISTS ${db}.logs_tenant_rebuild_dist${onCluster(ctx)} SYNC` })
  if (/^tenant\b/.test(current.key)) return
  const cols = await client.query({
    query: "SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String} AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL') ORDER BY position",
    query_params: { db: ctx.database, t: name },
    format: 'JSONEachRow',
  })
  const names = (await cols.json<{ name: string }>()).map((c) => c.name)
  const hasTenant = names.includes('tenant')
  // The old DDL, renamed, with the tenant column (unless there) and the tenant-first key.
  let ddl = current.ddl.replace(/^CREATE TABLE (\S+)/, `CREATE TABLE ${db}.${tmp}${onCluster(ctx)}`)
  if (!hasTenant) ddl = ddl.replace('(', "(\n    `tenant` LowCardinality(String) DEFAULT 'default' CODEC(ZSTD(1)),")
  ddl = ddl.replace(/ORDER BY \(?([^)\n]*?)\)?(\s+(?:SETTINGS|TTL|SAMPLE|PRIMARY)|\s*$)/, (_m, key: string, rest: string) => `ORDER BY (tenant, ${key})${rest}`)
  if (ctx.cluster) ddl = ddl.replace(/(\/clickhouse\/tables\/\{shard\}\/[^']*\/)logs_local'/, `$1${tmp}'`)
  await client.command({ query: ddl })
  const list = names.map(q).join(', ')
  const select = hasTenant ? list : `'default', ${list}`
  const target = hasTenant ? list : `tenant, ${list}`
  if (ctx.cluster) {
    await client.command({
      query: `CREATE TABLE ${db}.logs_tenant_rebuild_dist${onCluster(ctx)} AS ${db}.${tmp} ENGINE = Distributed(${q(ctx.cluster)}, ${db}, ${tmp}, rand())`,
    })
    await client.command({ query: `INSERT INTO ${db}.logs_tenant_rebuild_dist (${target}) SELECT ${select} FROM ${db}.logs`, clickhouse_settings: { max_partitions_per_insert_block: '0', insert_distributed_sync: 1 } })
  } else {
    await client.command({ query: `INSERT INTO ${db}.${tmp} (${target}) SELECT ${select} FROM ${db}.logs`, clickhouse_settings: { max_partitions_per_insert_block: '0', max_execution_time: 0 } })
  }
  await client.command({ query: `EXCHANGE TABLES ${db}.${name} AND ${db}.${tmp}${onCluster(ctx)}` })
  await client.command({ query: `DROP TABLE ${db}.${tmp}${onCluster(ctx)} SYNC` })
  if (ctx.cluster) {
    // The Distributed table takes the new columns: made again over the swapped local table.
    await client.command({ query: `DROP TABLE IF EXISTS ${db}.logs_tenant_rebuild_dist${onCluster(ctx)} SYNC` })
    await client.command({ query: `DROP TABLE ${db}.logs${onCluster(ctx)} SYNC` })
    await client.command({
      query: `CREATE TABLE ${db}.logs${onCluster(ctx)} AS ${db}.logs_local ENGINE = Distributed(${q(ctx.cluster)}, ${db}, logs_local, rand())`,
    })
  }
}

/** The dead-letter table, for writes and reads alike (Distributed over the cluster, sharded by id). */
export function deadLetterTable(ctx: SchemaContext): string {
  return `${q(ctx.database)}.dead_letters`
}

/** Applies every migration not yet recorded, in order. Returns the versions applied now. */
export async function migrate(client: ClickHouseClient, ctx: SchemaContext): Promise<number[]> {
  const db = q(ctx.database)
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}${onCluster(ctx)}` })
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations${onCluster(ctx)} (
      version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ${ctx.cluster ? `ReplicatedMergeTree('/clickhouse/tables/{shard}/${ctx.database}/schema_migrations', '{replica}')` : 'MergeTree'} ORDER BY version`,
  })
  const rs = await client.query({ query: `SELECT DISTINCT version FROM ${db}.schema_migrations`, format: 'JSONEachRow' })
  const done = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)))
  const applied: number[] = []
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue
    for (const statement of m.statements(ctx)) await client.command({ query: statement })
    await m.run?.(client, ctx)
    await client.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    })
    applied.push(m.version)
  }
  return applied
}

/**
 * Sets the tables' TTL from RETENTION_DAYS (0 keeps rows for ever): the logs by their timestamp, the
 * dead letters by when they were dead-lettered. Configuration rather than a migration, because it may
 * change between restarts.
 */
export async function applyRetention(client: ClickHouseClient, ctx: SchemaContext, days: number, byTenant: Readonly<Record<string, number>> = {}): Promise<void> {
  const local = ctx.cluster ? '_local' : ''
  const tenants = Object.entries(byTenant).filter(([, d]) => d > 0)
  if (tenants.length) await tenantRetention(client, ctx, `logs${local}`, days, tenants)
  else await retention(client, ctx, `logs${local}`, 'timestamp', days)
  await retention(client, ctx, `dead_letters${local}`, 'time', days)
}

/**
 * Retention per tenant (`retention_days` in API_KEYS_FILE): one TTL whose number of days depends on the
 * row's tenant, RETENTION_DAYS for the others (and, when that is 0, a TTL that deletes only the rows of
 * the tenants with a retention). Tenant names are checked letters, digits, `_`, `-`, `.` (model/tenant.ts),
 * so they are written as literals. What was applied is kept in the table's comment, so a restart with
 * the same settings does not rewrite the table's TTL (a MODIFY TTL recomputes it in every part).
 */
async function tenantRetention(client: ClickHouseClient, ctx: SchemaContext, table: string, days: number, tenants: [string, number][]): Promise<void> {
  const sorted = [...tenants].sort(([a], [b]) => (a < b ? -1 : 1))
  for (const [t] of sorted) if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/.test(t)) throw new Error(`invalid tenant name in retention: ${t}`)
  const signature = `retention ${JSON.stringify({ days, tenants: sorted })}`
  const rs = await client.query({
    query: 'SELECT comment FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    query_params: { db: ctx.database, t: table },
    format: 'JSONEachRow',
  })
  if ((await rs.json<{ comment: string }>())[0]?.comment === signature) return
  const expr = `multiIf(${sorted.map(([t, d]) => `tenant = '${t}', ${Math.floor(d)}`).join(', ')}, ${Math.floor(days)})`
  const where = days > 0 ? '' : ` DELETE WHERE tenant IN (${sorted.map(([t]) => `'${t}'`).join(', ')})`
  const full = `${q(ctx.database)}.${table}${onCluster(ctx)}`
  await client.command({ query: `ALTER TABLE ${full} MODIFY TTL toDateTime(timestamp) + toIntervalDay(${expr})${where}` })
  await client.command({ query: `ALTER TABLE ${full} MODIFY COMMENT '${signature.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` })
}

async function retention(client: ClickHouseClient, ctx: SchemaContext, table: string, column: string, days: number): Promise<void> {
  const rs = await client.query({
    query: 'SELECT create_table_query AS ddl FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    query_params: { db: ctx.database, t: table },
    format: 'JSONEachRow',
  })
  const ddl = (await rs.json<{ ddl: string }>())[0]?.ddl ?? ''
  const current = new RegExp(`TTL toDateTime\\(${column}\\) \\+ toIntervalDay\\((\\d+)\\)`).exec(ddl)
  const full = `${q(ctx.database)}.${table}${onCluster(ctx)}`
  if (days > 0 && Number(current?.[1]) !== days) {
    await client.command({ query: `ALTER TABLE ${full} MODIFY TTL toDateTime(${column}) + INTERVAL ${Math.floor(days)} DAY` })
  } else if (days === 0 && /\bTTL\b/.test(ddl)) {
    await client.command({ query: `ALTER TABLE ${full} REMOVE TTL` })
  }
  // A per-tenant retention applied before is gone now.
  if (/COMMENT 'retention /.test(ddl)) await client.command({ query: `ALTER TABLE ${full} MODIFY COMMENT ''` })
}
