/**
 * The store: ClickHouse reached through `@clickhouse/client` (embedded chdb or HTTP). Owns the
 * schema, the insert path and the read queries.
 */
import type { StoreOptions } from '../config.js'
import type { Entry, Tenant } from '../model/index.js'
import { createStoreClient, type StoreClient } from './client.js'
import { DEFAULT_BOUNDS, insertBlock, type InsertTarget } from './insert.js'
import { DeadLetters, type NewDeadLetter } from './deadletters.js'
import { SavedSearches } from './saved.js'
import { applyRetention, deadLetterTable, migrate, patternTable, readTable, writeTable, type SchemaContext } from './migrations.js'
import { PatternTable, listPatterns, patternsFirstSeen, type PatternListOptions } from './patterns.js'
import type { PatternSummary } from '@oglogstream/shared'
import type { PatternRecord } from '../patterns/index.js'
import type { InsertBounds } from './split.js'
import type { EncodedRows } from './encode.js'
import { whereClause, type Conditions, type QueryContext } from './queries.js'
import { Params } from './params.js'

export { Params } from './params.js'
export * as queries from './queries.js'
export type { Conditions, Filter, Cursor, ListOptions, QueryContext, SearchCompiler, Page, ScopedSql, ScopedWhere } from './queries.js'
export type { ApiEntry } from '../model/index.js'
export { MIGRATIONS } from './migrations.js'
export { engineCode } from './errors.js'
export { FieldTable, labelsOf, type EncodedRows, type RowLabels } from './encode.js'
export { splitEntries, partToken, DEFAULT_MAX_INSERT_BYTES, DEFAULT_MAX_INSERT_ENTRIES, type InsertBounds } from './split.js'

export interface StoreOpenOptions {
  /** Bounds on one insert (see `split.ts`); process/ cuts a larger batch into parts of at most these. */
  insertBounds?: Partial<InsertBounds>
}
export type { DeadLetter, DeadLetterFilter, NewDeadLetter } from './deadletters.js'
export type { PatternListOptions } from './patterns.js'
export type { SavedSearch } from './saved.js'

export class Store {
  private readonly target: InsertTarget

  private constructor(
    private readonly sc: StoreClient,
    private readonly schema: SchemaContext,
    private readonly queryTimeoutMs: number,
    readonly insertBounds: InsertBounds,
  ) {
    const plain = `${schema.database}.${schema.cluster ? 'logs_local' : 'logs'}`
    this.target = {
      client: sc.client,
      table: writeTable(schema),
      // chdb's raw insert takes plain identifiers only; another database name goes through the client.
      plainTable: /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(plain) ? plain : undefined,
      rawInsert: sc.rawInsert,
    }
  }

  static async open(config: StoreOptions, opts: StoreOpenOptions = {}): Promise<Store> {
    const sc = await createStoreClient({
      url: config.clickhouseUrl,
      dataDir: config.dataDir,
      database: config.clickhouseDatabase,
      requestTimeoutMs: config.storeRequestTimeoutMs,
    })
    const schema = { database: config.clickhouseDatabase, cluster: config.clickhouseCluster }
    return new Store(sc, schema, config.queryTimeoutMs, { ...DEFAULT_BOUNDS, ...opts.insertBounds })
  }

  get kind(): 'embedded' | 'http' {
    return this.sc.kind
  }
  get location(): string {
    return this.sc.location
  }

  /** Creates or upgrades the schema and applies the retention. Run by the store-owning roles. */
  async migrate(retentionDays: number, retentionByTenant: Readonly<Record<string, number>> = {}): Promise<number[]> {
    const applied = await migrate(this.sc.client, this.schema)
    await applyRetention(this.sc.client, this.schema, retentionDays, retentionByTenant)
    return applied
  }

  /**
   * Stores `entries` as one insert (one block) under `dedupToken`: inserting them again under the same
   * token stores nothing. No split here: process/ cuts a batch into parts within `insertBounds`
   * (`splitEntries`) and names each part's token (`partToken`), so that it alone decides what a retry
   * or a dead-letter isolation inserts again.
   */
  insert(entries: readonly Entry[], dedupToken: string, rows?: EncodedRows): Promise<void> {
    return insertBlock(this.target, entries, dedupToken, rows)
  }

  /** The dead-letter table (entries the store refused for good). */
  get deadLetters(): DeadLetters {
    return new DeadLetters(this.sc.client, deadLetterTable(this.schema), this.queryTimeoutMs)
  }

  /** Saved searches of the dashboard, per tenant (made on first use). */
  get savedSearches(): SavedSearches {
    return (this.saved ??= new SavedSearches(this.sc.client, this.schema.database))
  }
  private saved: SavedSearches | undefined

  /** Writes dead letters (process/deadletter.ts); the same ids written again are one row each. */
  deadLetter(letters: NewDeadLetter[], dedupToken: string): Promise<void> {
    return this.deadLetters.insert(letters, dedupToken)
  }

  /** The templates the process role mines (patterns/), as stored. */
  get patterns(): PatternTable {
    return new PatternTable(this.sc.client, patternTable(this.schema))
  }

  /** The templates of the entries matching `f`, most frequent first, with counts and buckets. */
  listPatterns(ctx: QueryContext, f: Conditions, o: PatternListOptions): Promise<PatternSummary[]> {
    return listPatterns(ctx, patternTable(this.schema), f, o)
  }

  /** The templates of the context's tenant first seen in [from, to), at most `limit`. */
  patternsFirstSeen(ctx: QueryContext, from: string, to: string, limit: number): Promise<PatternRecord[]> {
    return patternsFirstSeen(ctx, patternTable(this.schema), from, to, limit)
  }

  /** The client and database, for the tables other parts keep in the store (alerting/store.ts). */
  get system(): { client: StoreClient['client']; database: string } {
    return { client: this.sc.client, database: this.schema.database }
  }

  /** The context of reads of `tenant`'s entries (every read filters by it, store/queries.ts `whereClause`). */
  queryContext(tenant: Tenant, signal?: AbortSignal): QueryContext {
    return { client: this.sc.client, table: readTable(this.schema), tenant, timeoutMs: this.queryTimeoutMs, signal }
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

  /**
   * Deletes `tenant`'s entries that match `f` (POST /api/delete): a lightweight DELETE (the rows are
   * masked at once and removed by later merges), resolving when the engine has applied it. Scoped
   * like every read: the WHERE is whereClause's, tenant first.
   */
  async deleteEntries(tenant: Tenant, f: Conditions): Promise<void> {
    const p = new Params()
    const where = whereClause({ ...f, tenant }, p)
    const cluster = this.schema.cluster ? ` ON CLUSTER \`${this.schema.cluster.replace(/`/g, '``')}\`` : ''
    await this.sc.client.command({
      query: `DELETE FROM ${writeTable(this.schema)}${cluster} ${where}`,
      query_params: p.values,
      clickhouse_settings: { max_execution_time: 0, lightweight_deletes_sync: '2' },
    })
  }

  /** A raw statement (DDL) for tests and benchmarks. Not reachable from HTTP. */
  async command(query: string): Promise<void> {
    await this.sc.client.command({ query })
  }

  close(): Promise<void> {
    return this.sc.client.close()
  }
}
