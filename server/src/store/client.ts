/**
 * The store is always ClickHouse through `@clickhouse/client`: over HTTP to a server or cluster
 * (`CLICKHOUSE_URL`), or in-process over `chdb/connection` (embedded, data under `DATA_DIR`).
 * One SQL dialect, one code path; only the insert body takes a shortcut on the embedded engine
 * (`rawInsert`, see insert.ts).
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'

export interface StoreOptions {
  url: string | undefined
  dataDir: string
  database: string
  requestTimeoutMs: number
}

export interface StoreClient {
  client: ClickHouseClient
  kind: 'embedded' | 'http'
  database: string
  /** Where the data lives: the data directory, or the server's URL without credentials. */
  location: string
  /**
   * Embedded only: chdb's raw insert, which hands a `Buffer` to the engine as it is. The client's own
   * insert on the chdb connection turns the body into one string first (a UTF-8 string of the whole
   * batch, issue 11), so the insert path uses this instead.
   */
  rawInsert?: (params: RawInsertParams) => Promise<unknown>
}

/** The subset of chdb's `RawInsertParams` the insert path uses. */
export interface RawInsertParams {
  table: string
  values: Buffer
  format: 'TabSeparated' | 'JSONEachRow' | 'JSONCompactEachRow'
  columns?: readonly string[]
  settings?: Record<string, string | number | boolean>
}

export async function createStoreClient(opts: StoreOptions): Promise<StoreClient> {
  if (opts.url) {
    const u = new URL(opts.url)
    const client = createClient({
      url: opts.url,
      request_timeout: opts.requestTimeoutMs,
      compression: { request: false, response: true },
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
    u.username = ''
    u.password = ''
    return { client, kind: 'http', database: opts.database, location: u.toString() }
  }
  const dir = resolve(opts.dataDir)
  mkdirSync(dir, { recursive: true })
  // Loaded lazily: the 540 MB engine is not needed by ingest-only or HTTP-store processes.
  const { createChdbConnection } = await import('chdb/connection')
  const connection = createChdbConnection({ path: dir })
  const client = createClient({ connection } as Parameters<typeof createClient>[0])
  const rawInsert = (params: RawInsertParams) => connection.chdb.rawInsert({ ...params, columns: params.columns && [...params.columns] })
  return { client, kind: 'embedded', database: opts.database, location: dir, rawInsert }
}
