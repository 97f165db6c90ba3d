/**
 * The store: ClickHouse reached through `@clickhouse/client` (embedded chdb or HTTP). Owns the
 * schema, the insert path and the read queries.
 */
import type { Config } from '../config.js'
import type { Entry } from '../model/index.js'
import { createStoreClient, type StoreClient } from './client.js'
import { insertEntries } from './insert.js'
import { DeadLetters, type NewDeadLetter } from './deadletters.js'
import { applyRetention, deadLetterTable, migrate, readTable, writeTable, type SchemaContext } from './migrations.js'
import type { QueryContext } from './queries.js'

export { Params } from './params.js'
export * as queries from './queries.js'
export type { Filter, Cursor, ListOptions, QueryContext, SearchCompiler, ApiEntry, Page } from './queries.js'
export { toApiEntry } from './queries.js'
export { MIGRATIONS } from './migrations.js'
export type { DeadLetter, DeadLetterFilter, NewDeadLetter } from './deadletters.js'

export class Store {
  private constructor(
    private readonly sc: StoreClient,
    private readonly schema: SchemaContext,
    private readonly queryTimeoutMs: number,
  ) {}

  static async open(config: Config): Promise<Store> {
    const sc = await createStoreClient({
      url: config.clickhouseUrl,
      dataDir: config.dataDir,
      database: config.clickhouseDatabase,
      requestTimeoutMs: Math.max(config.queryTimeoutMs + 5_000, 30_000),
    })
    const schema = { database: config.clickhouseDatabase, cluster: config.clickhouseCluster }
    return new Store(sc, schema, config.queryTimeoutMs)
  }

  get kind(): 'embedded' | 'http' {
    return this.sc.kind
  }
  get location(): string {
    return this.sc.location
  }

  /** Creates or upgrades the schema and applies the retention. Run by the store-owning roles. */
  async migrate(retentionDays: number): Promise<number[]> {
    const applied = await migrate(this.sc.client, this.schema)
    await applyRetention(this.sc.client, this.schema, retentionDays)
    return applied
  }

  insert(entries: Entry[], dedupToken: string): Promise<void> {
    return insertEntries(this.sc.client, writeTable(this.schema), entries, dedupToken)
  }

  /** The dead-letter table (entries the store refused for good). */
  get deadLetters(): DeadLetters {
    return new DeadLetters(this.sc.client, deadLetterTable(this.schema), this.queryTimeoutMs)
  }

  /** Writes dead letters (process/deadletter.ts); the same ids written again are one row each. */
  deadLetter(letters: NewDeadLetter[], dedupToken: string): Promise<void> {
    return this.deadLetters.insert(letters, dedupToken)
  }

  queryContext(signal?: AbortSignal): QueryContext {
    return { client: this.sc.client, table: readTable(this.schema), timeoutMs: this.queryTimeoutMs, signal }
  }

  async ping(): Promise<boolean> {
    try {
      const r = await this.sc.client.ping()
      return r.success
    } catch {
      return false
    }
  }

  /** Raw SQL for tests and benchmarks (the direct-engine reference). Not reachable from HTTP. */
  async sql<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await this.sc.client.query({ query, query_params: params, format: 'JSONEachRow' })
    return rs.json<T>()
  }

  close(): Promise<void> {
    return this.sc.client.close()
  }
}
