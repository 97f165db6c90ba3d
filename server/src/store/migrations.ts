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
  return `
    timestamp DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    level LowCardinality(String) CODEC(ZSTD(1)),
    service LowCardinality(String) CODEC(ZSTD(1)),
    message String CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    INDEX idx_message_tokens lower(message) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_attr_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1`
}

const LOGS_ORDER = `PARTITION BY toDate(timestamp)
    ORDER BY (service, timestamp)`

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
]

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
 * Sets the table's TTL from RETENTION_DAYS (0 keeps entries for ever). Configuration rather than a
 * migration, because it may change between restarts.
 */
export async function applyRetention(client: ClickHouseClient, ctx: SchemaContext, days: number): Promise<void> {
  const table = ctx.cluster ? 'logs_local' : 'logs'
  const rs = await client.query({
    query: 'SELECT create_table_query AS ddl FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    query_params: { db: ctx.database, t: table },
    format: 'JSONEachRow',
  })
  const ddl = (await rs.json<{ ddl: string }>())[0]?.ddl ?? ''
  const current = /TTL toDateTime\(timestamp\) \+ toIntervalDay\((\d+)\)/.exec(ddl)
  const full = `${q(ctx.database)}.${table}${onCluster(ctx)}`
  if (days > 0 && Number(current?.[1]) !== days) {
    await client.command({ query: `ALTER TABLE ${full} MODIFY TTL toDateTime(timestamp) + INTERVAL ${Math.floor(days)} DAY` })
  } else if (days === 0 && /\bTTL\b/.test(ddl)) {
    await client.command({ query: `ALTER TABLE ${full} REMOVE TTL` })
  }
}
