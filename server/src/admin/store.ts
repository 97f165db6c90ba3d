/**
 * What the admin actions keep in the store (issue 13): `audit_log`, one row per admin action (who, by
 * key name; what; when; from where), and `delete_requests`, the state of each delete by query
 * (ReplacingMergeTree rows with a version, read with FINAL). Both are per tenant, tenant first in the
 * key. Made with CREATE TABLE IF NOT EXISTS at start-up, like alerting's tables. A key is never
 * written here: actors are key names.
 */
import type { ClickHouseClient } from '@clickhouse/client'

const q = (name: string) => `\`${name.replace(/`/g, '``')}\``

export interface AuditEntry {
  tenant: string
  time: string
  actor: string
  via: string
  action: string
  /** What the action was about, as JSON. */
  detail: string
  request_id: string
  ip: string
}

export interface DeleteRequest {
  tenant: string
  id: string
  actor: string
  /** The request's filter as given: q, from, to, level, service (JSON). */
  filter: string
  state: 'running' | 'done' | 'failed'
  rows_matched: number
  error: string
  requested_at: string
  finished_at: string
}

const now = () => new Date().toISOString().replace('T', ' ').replace('Z', '')

export class AdminStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  private t(name: string): string {
    return `${q(this.database)}.${q(name)}`
  }

  private ready: Promise<void> | undefined

  /** Makes the tables on first use (a query process may start while the store is down); tried again after a failure. */
  private ensure(): Promise<void> {
    this.ready ??= this.init().catch((err: unknown) => {
      this.ready = undefined
      throw err
    })
    return this.ready
  }

  async init(): Promise<void> {
    for (const query of [
      `CREATE TABLE IF NOT EXISTS ${this.t('audit_log')} (
        tenant LowCardinality(String), time DateTime64(3, 'UTC'), actor String, via LowCardinality(String), action LowCardinality(String),
        detail String CODEC(ZSTD(1)), request_id String, ip String
      ) ENGINE = MergeTree ORDER BY (tenant, time)`,
      `CREATE TABLE IF NOT EXISTS ${this.t('delete_requests')} (
        tenant LowCardinality(String), id String, actor String, filter String, state LowCardinality(String), rows_matched UInt64,
        error String, requested_at DateTime64(3, 'UTC'), finished_at DateTime64(3, 'UTC'), version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, id)`,
    ])
      await this.client.command({ query })
  }

  async audit(e: Omit<AuditEntry, 'time'>): Promise<void> {
    await this.ensure()
    await this.client.insert({ table: this.t('audit_log'), values: [{ ...e, time: now() }], format: 'JSONEachRow', clickhouse_settings: { max_execution_time: 0, insert_deduplicate: 0 } })
  }

  async auditLog(tenant: string, limit: number): Promise<AuditEntry[]> {
    await this.ensure()
    const rs = await this.client.query({
      query: `SELECT tenant, toString(time) AS time, actor, via, action, detail, request_id, ip FROM ${this.t('audit_log')}
        WHERE tenant = {tenant:String} ORDER BY time DESC LIMIT {limit:UInt32}`,
      query_params: { tenant, limit },
      format: 'JSONEachRow',
    })
    return (await rs.json<AuditEntry>()).map((r) => ({ ...r, time: `${r.time.replace(' ', 'T')}Z` }))
  }

  async putDelete(d: DeleteRequest): Promise<void> {
    await this.ensure()
    await this.client.insert({
      table: this.t('delete_requests'),
      values: [{ ...d, version: Date.now() * 1000 + (d.state === 'running' ? 0 : 1) }],
      format: 'JSONEachRow',
      clickhouse_settings: { max_execution_time: 0, insert_deduplicate: 0 },
    })
  }

  async getDelete(tenant: string, id: string): Promise<DeleteRequest | undefined> {
    await this.ensure()
    const rs = await this.client.query({
      query: `SELECT tenant, id, actor, filter, state, rows_matched, error, toString(requested_at) AS requested_at, toString(finished_at) AS finished_at
        FROM ${this.t('delete_requests')} FINAL WHERE tenant = {tenant:String} AND id = {id:String}`,
      query_params: { tenant, id },
      format: 'JSONEachRow',
    })
    const r = (await rs.json<DeleteRequest>())[0]
    return r && { ...r, rows_matched: Number(r.rows_matched) }
  }
}

export const stamp = now
