/**
 * The dead-letter table (migration 2): entries the store refused for good, with why, kept so that a
 * user sees them (`GET /api/rejected`) and can replay them after a fix (`POST /api/rejected/replay`).
 * A row's `id` is chosen by the writer and stable (process/deadletter.ts derives it from the batch's
 * token), so writing a dead letter twice is one row (ReplacingMergeTree + FINAL); a replayed row is
 * written again with `replayed = 1`, which hides it.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { DeadLetterReason } from '../errors.js'
import { tenantOfEntry, toClickHouse, type Entry, type Tenant } from '../model/index.js'
import { Params } from './params.js'

/** What the process role writes. */
export interface NewDeadLetter {
  id: string
  reason: DeadLetterReason
  /** The engine's error, already bounded (process/failure.ts `errorText`). */
  error: string
  entry: Entry
}

/** What the query role reads. */
export interface DeadLetter {
  id: string
  /** When it was dead-lettered, RFC 3339 UTC with milliseconds. */
  time: string
  reason: string
  error: string
  service: string
  entry: Entry
}

export interface DeadLetterFilter {
  /** Only this tenant's dead letters (migration 3 added the column; older rows are `default`'s). */
  tenant: Tenant
  /** Canonical timestamps: `from` inclusive, `to` exclusive, on the dead-letter time. */
  from?: string | undefined
  to?: string | undefined
  reasons?: string[] | undefined
  ids?: string[] | undefined
}

interface Row {
  tenant: string
  id: string
  t: string
  reason: string
  error: string
  service: string
  entry: string
}

/** A string ClickHouse can read back: lone UTF-16 surrogates (which it refuses) become U+FFFD. */
const wellFormed = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')

export class DeadLetters {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly table: string,
    private readonly timeoutMs: number,
  ) {}

  /** Writes `letters` under one dedup token. */
  async insert(letters: NewDeadLetter[], dedupToken: string): Promise<void> {
    if (letters.length === 0) return
    const time = new Date().toISOString().replace('T', ' ').replace('Z', '')
    await this.write(
      // JSON.stringify escapes lone surrogates, so the entry round-trips exactly.
      letters.map((l) => ({ tenant: tenantOfEntry(l.entry), id: l.id, t: time, reason: l.reason, error: wellFormed(l.error), service: wellFormed(l.entry.service), entry: JSON.stringify(l.entry) })),
      0,
      dedupToken,
    )
  }

  /** Not yet replayed, newest first. */
  async list(f: DeadLetterFilter, limit: number, signal?: AbortSignal): Promise<DeadLetter[]> {
    return (await this.rows(f, limit, signal)).map((r) => ({
      id: r.id,
      time: `${r.t.replace(' ', 'T')}Z`,
      reason: r.reason,
      error: r.error,
      service: r.service,
      entry: JSON.parse(r.entry) as Entry,
    }))
  }

  /** Hides `letters` from `list` (they were replayed). */
  async markReplayed(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return
    const rows = letters.map((l) => ({
      tenant: tenantOfEntry(l.entry),
      id: l.id,
      t: l.time.replace('T', ' ').replace('Z', ''),
      reason: l.reason,
      error: l.error,
      service: l.service,
      entry: JSON.stringify(l.entry),
    }))
    await this.write(rows, 1)
  }

  private async write(rows: Row[], replayed: 0 | 1, dedupToken?: string): Promise<void> {
    await this.client.insert({
      table: this.table,
      values: rows.map(({ t, ...r }) => ({ ...r, time: t, replayed })),
      format: 'JSONEachRow',
      clickhouse_settings: {
        // chdb keeps per-query settings on its one session (see insert.ts).
        max_execution_time: 0,
        // Both always set: chdb would otherwise keep the last insert's token, and a `replayed` marker
        // written under the token of the dead letters just written would be dropped as their duplicate.
        insert_deduplicate: dedupToken ? 1 : 0,
        insert_deduplication_token: dedupToken ?? '',
      },
    })
  }

  private async rows(f: DeadLetterFilter, limit: number, signal?: AbortSignal): Promise<Row[]> {
    const p = new Params()
    const conds = [`tenant = ${p.add('String', f.tenant)}`, 'replayed = 0']
    if (f.from) conds.push(`time >= ${p.add("DateTime64(9, 'UTC')", toClickHouse(f.from))}`)
    if (f.to) conds.push(`time < ${p.add("DateTime64(9, 'UTC')", toClickHouse(f.to))}`)
    if (f.reasons?.length) conds.push(`reason IN ${p.add('Array(String)', f.reasons)}`)
    if (f.ids?.length) conds.push(`id IN ${p.add('Array(String)', f.ids)}`)
    const rs = await this.client.query({
      query: `SELECT tenant, id, toString(time) AS t, reason, error, service, entry FROM ${this.table} FINAL
        WHERE ${conds.join(' AND ')} ORDER BY time DESC, id LIMIT ${p.add('UInt32', limit)}`,
      query_params: p.values,
      format: 'JSONEachRow',
      clickhouse_settings: { max_execution_time: Math.max(0.001, this.timeoutMs / 1000), timeout_overflow_mode: 'throw' },
      abort_signal: signal,
    })
    return rs.json<Row>()
  }
}
