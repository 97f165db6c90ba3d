/**
 * The store is always ClickHouse through `@clickhouse/client`: over HTTP to a server or cluster
 * (`CLICKHOUSE_URL`), or in-process over `chdb/connection` (embedded, data under `DATA_DIR`).
 * One SQL dialect, one code path.
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
  const client = createClient({ connection: createChdbConnection({ path: dir }) } as Parameters<typeof createClient>[0])
  return { client, kind: 'embedded', database: opts.database, location: dir }
}
