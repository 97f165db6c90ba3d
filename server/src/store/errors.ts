/**
 * What the store's errors carry. They reach us in three shapes: `ClickHouseError` from
 * `@clickhouse/client` (`code` the numeric code as a string, for a server and for chdb through
 * `chdb/connection`), chdb's own errors from the raw insert (`clickhouseCode` a number), and plain Node
 * errors. Codes are ClickHouse's `src/Common/ErrorCodes.cpp`. What a code means for a caller is the
 * caller's decision (process/failure.ts for inserts, query/ for reads).
 */

/** The ClickHouse error code `err` carries, if any. */
export function engineCode(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined
  const e = err as Error & { code?: unknown; clickhouseCode?: unknown; cause?: unknown }
  if (typeof e.clickhouseCode === 'number') return e.clickhouseCode
  if (typeof e.code === 'string' && /^\d+$/.test(e.code)) return Number(e.code)
  const m = /\bCode: (\d+)\./.exec(e.message)
  if (m) return Number(m[1])
  return e.cause instanceof Error && e.cause !== err ? engineCode(e.cause) : undefined
}
