/**
 * Which insert errors are worth retrying (issue 11). A retryable error is about the store's state
 * (down, busy, out of memory, too many parts waiting for merges): the same batch will go in later. A
 * non-retryable one is about the batch itself (bad data, wrong types, sizes, too many partitions): it
 * fails the same way for ever, so the caller must split it and dead-letter the offenders instead.
 *
 * Errors reach us in three shapes: `ClickHouseError` from `@clickhouse/client` (`code` is the numeric
 * code as a string, `type` its name), chdb's `ChdbInsertError`/`ChdbQueryError` from the raw insert
 * (`clickhouseCode` a number), and plain Node errors (network, `RangeError`). Codes are ClickHouse's
 * `src/Common/ErrorCodes.cpp`.
 */

/** Codes about the store's state, not the data. */
const RETRYABLE_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE (connection cut mid-body)
  60, // UNKNOWN_TABLE (a replica not yet migrated)
  75, // CANNOT_WRITE_TO_FILE_DESCRIPTOR
  76, // CANNOT_OPEN_FILE
  81, // UNKNOWN_DATABASE
  159, // TIMEOUT_EXCEEDED
  164, // READONLY
  173, // CANNOT_ALLOCATE_MEMORY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  225, // NO_ZOOKEEPER
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  243, // NOT_ENOUGH_SPACE
  252, // TOO_MANY_PARTS (but see TOO_MANY_PARTITIONS below)
  279, // ALL_CONNECTION_TRIES_FAILED
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  473, // DEADLOCK_AVOIDED
  999, // KEEPER_EXCEPTION
])

/** The engine reports too many partitions in one insert under TOO_MANY_PARTS' code; only the text differs. */
const TOO_MANY_PARTITIONS = /too many partitions for (a )?single insert block/i

/** Node and client errors that mean the store could not be reached or did not answer in time. */
const RETRYABLE_SYSTEM = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'])
const RETRYABLE_TEXT = /socket hang up|timeout error|timed out|connection is closed|client is closed|stalled/i

/** The ClickHouse error code carried by `err`, if any. */
export function clickhouseCode(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined
  const e = err as Error & { clickhouseCode?: unknown; code?: unknown; cause?: unknown }
  if (typeof e.clickhouseCode === 'number') return e.clickhouseCode
  if (typeof e.code === 'string' && /^\d+$/.test(e.code)) return Number(e.code)
  const m = /\bCode: (\d+)\./.exec(e.message)
  if (m) return Number(m[1])
  return e.cause !== undefined && e.cause !== err ? clickhouseCode(e.cause) : undefined
}

/**
 * Whether retrying the same insert later may succeed. Unknown engine errors are not retryable (a
 * dead-lettered entry can be replayed; a batch retried for ever wedges the pipeline); unknown errors
 * with no engine code (a network failure we did not list) are.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RangeError) return false // a body or string over V8's limits: a size problem
  if (!(err instanceof Error)) return true
  const code = clickhouseCode(err)
  if (code !== undefined) {
    if (code === 252 && TOO_MANY_PARTITIONS.test(err.message)) return false
    return RETRYABLE_CODES.has(code)
  }
  const e = err as Error & { code?: unknown; reason?: unknown; name: string; cause?: unknown }
  if (e.name === 'ChdbTimeoutError' || e.name === 'ChdbAbortError') return true
  // chdb's own insert checks (a row over its size limit, a bad format) are about the payload.
  if (e.name === 'ChdbInsertError' || e.name === 'ChdbBindError') return false
  if (typeof e.code === 'string' && RETRYABLE_SYSTEM.has(e.code)) return true
  if (e.cause instanceof Error && e.cause !== err) return isRetryable(e.cause)
  return RETRYABLE_TEXT.test(e.message) || !(err instanceof TypeError)
}
