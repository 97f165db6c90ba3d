import type { ClickHouseClient } from '@clickhouse/client'
import { toClickHouse, type Entry } from '../model/index.js'

/**
 * Inserts one batch as one block. The dedup token makes a retry of the same batch (after a
 * timeout whose insert did land, or a redelivery of the same bus messages) a no-op in ClickHouse.
 */
export async function insertEntries(client: ClickHouseClient, table: string, entries: Entry[], dedupToken: string): Promise<void> {
  const rows = entries.map((e) => ({
    timestamp: toClickHouse(e.timestamp),
    level: e.level,
    service: e.service,
    message: e.message,
    attributes: e.attributes,
    trace_id: e.trace_id,
    span_id: e.span_id,
  }))
  await client.insert({
    table,
    values: rows,
    format: 'JSONEachRow',
    clickhouse_settings: {
      async_insert: 0,
      // chdb keeps per-query settings on its one session: without this, a query's QUERY_TIMEOUT
      // (max_execution_time) would also bound the next insert.
      max_execution_time: 0,
      insert_deduplicate: 1,
      insert_deduplication_token: dedupToken,
      // One block per insert, so the dedup token covers the whole batch.
      max_insert_block_size: String(Math.max(entries.length, 1_048_576)),
      min_insert_block_size_rows: '0',
      min_insert_block_size_bytes: '0',
    },
  })
}
