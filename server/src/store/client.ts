/**
 * The store is always ClickHouse through `@clickhouse/client`: over HTTP to a server or cluster
 * (`CLICKHOUSE_URL`), or in-process over `chdb/connection` (embedded, data under `DATA_DIR`).
 * One SQL dialect, one code path; only the insert body takes a shortcut on the embedded engine
 * (`rawInsert`, see insert.ts).
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
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

/**
 * The embedded engine's allocator (jemalloc inside libchdb) as this process runs it: freed pages go
 * back to the system after 1 s instead of the build's 5 s, and its heap-profile sampling (on in chdb's
 * build: `prof_active:true`) is off. Measured with `bench/wal-backlog.mts` (README, Performance).
 * `JE_MALLOC_CONF` set in the environment replaces it.
 */
export const ENGINE_MALLOC_CONF = 'dirty_decay_ms:1000,prof_active:false'

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
  // Read by the engine's allocator when it loads (below), unless the operator set it.
  process.env.JE_MALLOC_CONF ??= ENGINE_MALLOC_CONF
  // Loaded lazily: the 540 MB engine is not needed by ingest-only or HTTP-store processes.
  const { createChdbConnection } = await import('chdb/connection')
  let connection
  try {
    connection = createChdbConnection({ path: dir })
  } catch (err) {
    throw inUseBy(dir) ?? err
  }
  const client = createClient({ connection } as Parameters<typeof createClient>[0])
  const rawInsert = (params: RawInsertParams) => connection.chdb.rawInsert({ ...params, columns: params.columns && [...params.columns] })
  return { client, kind: 'embedded', database: opts.database, location: dir, rawInsert }
}

/**
 * A second process on an embedded store's DATA_DIR: the engine holds a lock on `DATA_DIR/status` for
 * the life of the process that opened it, and refuses a second one. That process's id is in the file.
 */
export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `DATA_DIR ${dir} is in use by another process (pid ${pid}, from ${join(dir, 'status')}): the embedded store and its write-ahead log belong to one process; stop that one or give this one its own DATA_DIR`,
    )
    this.name = 'DataDirInUseError'
  }
}

/** After the engine refused `dir`: the error naming the live process its status file names, if any. */
function inUseBy(dir: string): DataDirInUseError | undefined {
  let pid: number
  try {
    pid = Number(/^PID:\s*(\d+)/m.exec(readFileSync(join(dir, 'status'), 'utf8'))?.[1])
  } catch {
    return undefined
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined
  try {
    process.kill(pid, 0) // signal 0: does it exist
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined
  }
  return new DataDirInUseError(dir, pid)
}
