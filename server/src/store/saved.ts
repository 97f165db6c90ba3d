/**
 * Saved searches: a name and a dashboard view (its URL query string: q, levels, services, range,
 * columns), shared by every user of a tenant. A small ReplacingMergeTree table made on first use
 * (as alerting/store.ts makes its tables): a save writes a new version, a delete writes a tombstone;
 * reads use FINAL. Scoped by tenant like every other read.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Tenant } from '../model/index.js'

const q = (name: string) => `\`${name.replace(/`/g, '``')}\``

export interface SavedSearch {
  name: string
  /** The dashboard view as a URL query string (`q=error&range=24h`). */
  view: string
  /** RFC 3339, when it was last saved. */
  updated: string
}

let lastVersion = 0
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000)
  return lastVersion
}

export class SavedSearches {
  private ready: Promise<void> | undefined

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  private get table(): string {
    return `${q(this.database)}.saved_searches`
  }

  /** The table, made once; a failure (store down) is tried again by the next call. */
  private init(): Promise<void> {
    this.ready ??= this.client
      .command({
        query: `CREATE TABLE IF NOT EXISTS ${this.table} (
          tenant String, name String, view String, updated DateTime64(3, 'UTC'), version UInt64, deleted UInt8
        ) ENGINE = ReplacingMergeTree(version) ORDER BY (tenant, name)`,
      })
      .then(
        () => undefined,
        (err: unknown) => {
          this.ready = undefined
          throw err
        },
      )
    return this.ready
  }

  async list(tenant: Tenant): Promise<SavedSearch[]> {
    await this.init()
    const rs = await this.client.query({
      query: `SELECT name, view, formatDateTime(updated, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS updated FROM ${this.table} FINAL
        WHERE tenant = {tenant:String} AND deleted = 0 ORDER BY lower(name), name`,
      query_params: { tenant },
      format: 'JSONEachRow',
    })
    return (await rs.json<SavedSearch>()).map((r) => ({ ...r, updated: r.updated.replace(/\.(\d{3})\d*Z$/, '.$1Z') }))
  }

  async save(tenant: Tenant, name: string, view: string): Promise<SavedSearch> {
    await this.init()
    const updated = new Date().toISOString()
    await this.client.insert({
      table: this.table,
      values: [{ tenant, name, view, updated: updated.replace('T', ' ').replace('Z', ''), version: nextVersion(), deleted: 0 }],
      format: 'JSONEachRow',
    })
    return { name, view, updated }
  }

  /** False when there was no such saved search. */
  async remove(tenant: Tenant, name: string): Promise<boolean> {
    const found = (await this.list(tenant)).some((s) => s.name === name)
    if (!found) return false
    await this.client.insert({
      table: this.table,
      values: [{ tenant, name, view: '', updated: new Date().toISOString().replace('T', ' ').replace('Z', ''), version: nextVersion(), deleted: 1 }],
      format: 'JSONEachRow',
    })
    return true
  }
}
