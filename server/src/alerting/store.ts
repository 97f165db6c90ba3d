/**
 * What alerting keeps in the store, so that every query instance sees the same rules and a restart or
 * a hand-over neither re-fires nor forgets: rule groups written through the API, the state of every
 * alert, each rule's last evaluation, the history (state changes and notification attempts) and the
 * notification outbox. The tables are made here with CREATE TABLE IF NOT EXISTS (they are small and
 * change apart from the logs schema). Rows that change are ReplacingMergeTree rows with a version,
 * read with FINAL; nothing is mutated in place.
 */
import type { ClickHouseClient } from '@clickhouse/client'

const q = (name: string) => `\`${name.replace(/`/g, '``')}\``

export interface StoredGroup {
  tenant: string
  namespace: string
  name: string
  /** The group in the ruler format, as JSON. */
  body: string
  updated: string
}

export type AlertStateName = 'pending' | 'firing' | 'resolved'

export interface AlertState {
  tenant: string
  rule_key: string
  fingerprint: string
  rule: string
  labels: Record<string, string>
  annotations: Record<string, string>
  state: AlertStateName
  /** Milliseconds since the epoch; 0 = not set. */
  active_at: number
  fired_at: number
  resolved_at: number
  last_seen: number
  value: number
  deleted: number
}

export interface RuleStatus {
  tenant: string
  rule_key: string
  last_eval: number
  duration_ms: number
  health: 'ok' | 'err' | 'unknown'
  error: string
}

export interface HistoryRow {
  tenant: string
  time: number
  kind: 'state' | 'notification'
  rule: string
  fingerprint: string
  labels: Record<string, string>
  from_state: string
  to_state: string
  value: number
  receiver: string
  outcome: string
  detail: string
}

export interface OutboxRow {
  id: string
  tenant: string
  receiver: string
  kind: string
  target: string
  body: string
  created: number
  next_at: number
  attempts: number
  status: 'pending' | 'sent' | 'failed' | 'superseded'
  error: string
  fingerprint: string
  rule: string
  /** firing or resolved */
  event: string
}

let lastVersion = 0
/** Increasing versions for ReplacingMergeTree rows: milliseconds × 1000 plus a counter. */
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000)
  return lastVersion
}

const ms = (col: string) => `toUnixTimestamp64Milli(${col}) AS ${col}`
const dt = (n: number) => (n > 0 ? n : 0)

export class AlertStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  private t(name: string): string {
    return `${q(this.database)}.${q(name)}`
  }

  async init(): Promise<void> {
    const stmts = [
      `CREATE DATABASE IF NOT EXISTS ${q(this.database)}`,
      `CREATE TABLE IF NOT EXISTS ${this.t('alert_rule_groups')} (
        tenant String, namespace String, name String, body String, updated DateTime64(3, 'UTC'), version UInt64, deleted UInt8
      ) ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, namespace, name)`,
      `CREATE TABLE IF NOT EXISTS ${this.t('alert_state')} (
        tenant String, rule_key String, fingerprint String, rule String,
        labels Map(String, String), annotations Map(String, String), state LowCardinality(String),
        active_at DateTime64(3, 'UTC'), fired_at DateTime64(3, 'UTC'), resolved_at DateTime64(3, 'UTC'), last_seen DateTime64(3, 'UTC'),
        value Float64, version UInt64, deleted UInt8
      ) ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, rule_key, fingerprint)`,
      `CREATE TABLE IF NOT EXISTS ${this.t('alert_rule_status')} (
        tenant String, rule_key String, last_eval DateTime64(3, 'UTC'), duration_ms Float64, health LowCardinality(String), error String, version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, rule_key)`,
      `CREATE TABLE IF NOT EXISTS ${this.t('alert_history')} (
        tenant String, time DateTime64(3, 'UTC'), kind LowCardinality(String), rule String, fingerprint String, labels Map(String, String),
        from_state LowCardinality(String), to_state LowCardinality(String), value Float64, receiver String, outcome LowCardinality(String), detail String
      ) ENGINE = MergeTree ORDER BY (tenant, time) TTL toDateTime(time) + INTERVAL 30 DAY`,
      `CREATE TABLE IF NOT EXISTS ${this.t('alert_outbox')} (
        id String, tenant String, receiver String, kind LowCardinality(String), target String, body String,
        created DateTime64(3, 'UTC'), next_at DateTime64(3, 'UTC'), attempts UInt32, status LowCardinality(String), error String,
        fingerprint String, rule String, event LowCardinality(String), version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY id TTL toDateTime(created) + INTERVAL 7 DAY`,
      // tables of the first version (no event column)
      `ALTER TABLE ${this.t('alert_outbox')} ADD COLUMN IF NOT EXISTS event LowCardinality(String) AFTER rule`,
    ]
    for (const query of stmts) await this.client.command({ query })
  }

  private async rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await this.client.query({
      query,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    })
    return rs.json<T>()
  }

  private async insert(table: string, values: object[]): Promise<void> {
    if (values.length === 0) return
    await this.client.insert({
      table: this.t(table),
      values,
      format: 'JSONEachRow',
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
  }

  // ---- rule groups -----------------------------------------------------------------------------

  async groups(tenant?: string): Promise<StoredGroup[]> {
    return this.rows<StoredGroup>(
      `SELECT tenant, namespace, name, body, toString(updated) AS updated FROM ${this.t('alert_rule_groups')} FINAL
       WHERE deleted = 0 ${tenant === undefined ? '' : 'AND tenant = {tenant:String}'} ORDER BY tenant, namespace, name`,
      { tenant },
    )
  }

  async putGroup(g: Omit<StoredGroup, 'updated'>, deleted = false): Promise<void> {
    await this.insert('alert_rule_groups', [{ ...g, updated: Date.now(), version: nextVersion(), deleted: deleted ? 1 : 0 }])
  }

  // ---- alert state -----------------------------------------------------------------------------

  async states(tenant?: string): Promise<AlertState[]> {
    return this.rows<AlertState>(
      `SELECT tenant, rule_key, fingerprint, rule, labels, annotations, state, ${ms('active_at')}, ${ms('fired_at')}, ${ms('resolved_at')}, ${ms('last_seen')}, value, deleted
       FROM ${this.t('alert_state')} FINAL WHERE deleted = 0 ${tenant === undefined ? '' : 'AND tenant = {tenant:String}'}`,
      { tenant },
    )
  }

  async writeStates(states: AlertState[]): Promise<void> {
    await this.insert(
      'alert_state',
      states.map((s) => ({
        ...s,
        active_at: dt(s.active_at),
        fired_at: dt(s.fired_at),
        resolved_at: dt(s.resolved_at),
        last_seen: dt(s.last_seen),
        version: nextVersion(),
      })),
    )
  }

  async statuses(tenant?: string): Promise<RuleStatus[]> {
    return this.rows<RuleStatus>(
      `SELECT tenant, rule_key, ${ms('last_eval')}, duration_ms, health, error FROM ${this.t('alert_rule_status')} FINAL ${tenant === undefined ? '' : 'WHERE tenant = {tenant:String}'}`,
      { tenant },
    )
  }

  async writeStatuses(s: RuleStatus[]): Promise<void> {
    await this.insert(
      'alert_rule_status',
      s.map((x) => ({ ...x, version: nextVersion() })),
    )
  }

  // ---- history ---------------------------------------------------------------------------------

  async addHistory(rows: HistoryRow[]): Promise<void> {
    await this.insert('alert_history', rows)
  }

  async history(tenant: string | undefined, limit: number): Promise<HistoryRow[]> {
    return this.rows<HistoryRow>(
      `SELECT tenant, ${ms('time')}, kind, rule, fingerprint, labels, from_state, to_state, value, receiver, outcome, detail FROM ${this.t('alert_history')}
       ${tenant === undefined ? '' : 'WHERE tenant = {tenant:String}'} ORDER BY time DESC LIMIT {limit:UInt32}`,
      { tenant, limit },
    )
  }

  // ---- outbox ----------------------------------------------------------------------------------

  /** Adds notifications; one already there (same id) is left as it is, whatever its status. */
  async enqueue(rows: OutboxRow[]): Promise<void> {
    // version 0: any attempt recorded later (version ≥ 1) wins over a repeated enqueue.
    await this.insert(
      'alert_outbox',
      rows.map((r) => ({ ...r, version: 0 })),
    )
  }

  /** Records an attempt: the version grows with the attempts, and a final status wins over any. */
  async updateOutbox(r: OutboxRow): Promise<void> {
    await this.insert('alert_outbox', [{ ...r, version: r.attempts + (r.status === 'pending' ? 0 : 1_000_000) }])
  }

  async due(now: number, limit: number): Promise<OutboxRow[]> {
    return this.rows<OutboxRow>(
      `SELECT id, tenant, receiver, kind, target, body, ${ms('created')}, ${ms('next_at')}, attempts, status, error, fingerprint, rule, event
       FROM (SELECT * FROM ${this.t('alert_outbox')} FINAL WHERE status = 'pending' AND next_at <= fromUnixTimestamp64Milli({now:Int64}))
       ORDER BY created LIMIT {limit:UInt32}`, // the WHERE inside: outside, next_at is the alias (milliseconds)
      { now, limit },
    )
  }

  /** Notifications waiting to be delivered (retries included) and the creation time (ms) of the oldest, 0 if none. */
  async backlog(): Promise<{ pending: number; oldest: number }> {
    const [r] = await this.rows<{ pending: number; oldest: number }>(
      `SELECT count() AS pending, if(pending = 0, 0, toUnixTimestamp64Milli(min(created))) AS oldest
       FROM (SELECT created FROM ${this.t('alert_outbox')} FINAL WHERE status = 'pending')`,
    )
    return { pending: Number(r?.pending ?? 0), oldest: Number(r?.oldest ?? 0) }
  }

  async outbox(): Promise<OutboxRow[]> {
    return this.rows<OutboxRow>(
      `SELECT id, tenant, receiver, kind, target, body, ${ms('created')}, ${ms('next_at')}, attempts, status, error, fingerprint, rule, event
       FROM ${this.t('alert_outbox')} FINAL ORDER BY created`,
    )
  }
}
