/**
 * The insert path: one insert of one block. The entries are encoded as TabSeparated chunks
 * (`encode.ts`) and handed to the engine without ever becoming one string: streamed as the HTTP
 * request body to a ClickHouse server, or given as one `Buffer` to the embedded engine through chdb's
 * raw insert.
 *
 * The insert carries the caller's dedup token, so a retry of the same block (after a timeout whose
 * insert did land, or a redelivery) is a no-op in ClickHouse. Cutting a batch into blocks within the
 * bounds of `split.ts`, and naming their tokens, is process/'s (it also decides what is retried).
 */
import { Readable } from 'node:stream'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Entry } from '../model/index.js'
import type { RawInsertParams } from './client.js'
import { COLUMNS, bodyFromRows, encodeBody, encodeRows, type EncodedRows } from './encode.js'
import { DEFAULT_MAX_INSERT_BYTES, DEFAULT_MAX_INSERT_ENTRIES, type InsertBounds } from './split.js'

export interface InsertTarget {
  client: ClickHouseClient
  /** The table, as SQL (quoted where needed). */
  table: string
  /** The same table as `db.table` in plain identifiers, for the raw insert (which accepts no quoting). */
  plainTable?: string | undefined
  rawInsert?: ((params: RawInsertParams) => Promise<unknown>) | undefined
}

export const DEFAULT_BOUNDS: InsertBounds = { maxEntries: DEFAULT_MAX_INSERT_ENTRIES, maxBytes: DEFAULT_MAX_INSERT_BYTES }

/**
 * The settings of every insert.
 * - `max_partitions_per_insert_block: 0`: a backfill spanning years of day partitions is one insert
 *   (issue 11: 101 days failed for ever). The engine splits it into one part per day itself, which
 *   measured cheaper than one insert per day from here (10k rows over 365 days: 4.2 s against 5.7 s;
 *   over 3,650 days: 24 s against 101 s, bench/insert-formats.mts), and the engine derives each day's
 *   dedup id from the one token. Partitions by month would make such a backfill ~25x cheaper, but cost
 *   retention by whole days and pruning by day, and the table stays partitioned by day like otel_logs.
 * - `max_execution_time: 0`: chdb keeps per-query settings on its one session, so a query's
 *   QUERY_TIMEOUT would otherwise also bound the next insert.
 * - Block sizes: no squashing and no cut by rows, so an insert is one block per partition and the dedup
 *   token covers the whole part.
 */
function settings(entries: number, token: string): Record<string, string | number> {
  return {
    async_insert: 0,
    max_execution_time: 0,
    // Not a query's max_memory_usage left on chdb's one session (store/queries.ts table()).
    max_memory_usage: 0,
    max_partitions_per_insert_block: 0,
    insert_deduplicate: 1,
    insert_deduplication_token: token,
    max_insert_block_size: Math.max(entries, 1_048_576),
    min_insert_block_size_rows: 0,
    min_insert_block_size_bytes: 0,
  }
}

/**
 * Inserts `entries` as one block under `token` (no split: see `split.ts` and process/). `rows`: the same
 * entries in the same order as `encodeBody` wrote them before (the write-ahead log's records): the
 * embedded engine takes those bytes, with only the pattern ids put in (`bodyFromRows`).
 */
export async function insertBlock(target: InsertTarget, entries: readonly Entry[], token: string, rows?: EncodedRows): Promise<void> {
  if (entries.length === 0) return
  const s = settings(entries.length, token)
  if (target.rawInsert && target.plainTable) {
    const values = (rows && bodyFromRows(rows, entries.length)) ?? encodeBody(entries)
    await target.rawInsert({ table: target.plainTable, values, format: 'TabSeparated', columns: COLUMNS, settings: s })
    return
  }
  await target.client.insert({
    table: target.table,
    // Not in object mode: the client sends the chunks as they come, one at a time.
    values: Readable.from(encodeRows(entries), { objectMode: false }),
    format: 'TabSeparated',
    columns: [...COLUMNS],
    clickhouse_settings: s,
  })
}
