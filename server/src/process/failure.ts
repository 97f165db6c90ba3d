/**
 * What to do with a batch whose insert failed (issue 11, "Deterministic failures end").
 *
 * - `retryable`: about the store's state (down, busy, out of memory, too many parts waiting for
 *   merges, a table not there yet). The same batch will go in later: back off, hand it back, never
 *   dead-letter (a long outage must not empty the pipeline into the dead-letter table).
 * - `deterministic`: about the batch itself (a value the engine cannot read, a wrong type, a
 *   constraint, a size, too many partitions in one block). Retrying fails the same way for ever, so
 *   the batch is split to isolate the offenders (deadletter.ts), the rest is stored, the offenders go
 *   to the dead-letter table.
 * - `unknown`: not an engine error and not a known network failure. Retried like `retryable`, but once
 *   a message of the batch has been delivered `maxDeliveries` times it is handled as `deterministic`,
 *   so nothing is redelivered for ever.
 *
 * Errors come as `ClickHouseError` from `@clickhouse/client` (`code` the numeric code as a string,
 * `type` its name; both for an HTTP server and for chdb through `chdb/connection`), or as plain Node
 * errors, or from chdb's raw insert (store/insert.ts) as `ChdbInsertError`/`ChdbQueryError` with
 * `clickhouseCode` a number. Codes are ClickHouse's `src/Common/ErrorCodes.cpp`; the cases we rely on
 * are produced by the real engine in failure.test.ts and deadletter.test.ts. This is the one
 * classifier of insert errors (the store has none).
 */
import type { DeadLetterReason } from '../errors.js'
import { engineCode } from '../store/index.js'

export type FailureKind = 'retryable' | 'deterministic' | 'unknown'

export interface InsertFailure {
  kind: FailureKind
  /** Why the entries are dead-lettered, when they are (`oglogstream_entries_dead_lettered_total{reason}`). */
  reason: DeadLetterReason
}

/** Codes about the store's state, not the data. */
const RETRYABLE_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE (connection cut mid-body)
  60, // UNKNOWN_TABLE (a replica not yet migrated; a table being renamed)
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
  252, // TOO_MANY_PARTS (but see TOO_MANY_PARTITIONS: same code)
  279, // ALL_CONNECTION_TRIES_FAILED
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  473, // DEADLOCK_AVOIDED
  999, // KEEPER_EXCEPTION
  1000, // POCO_EXCEPTION
  1001, // STD_EXCEPTION: the engine's I/O failures, e.g. a part directory it cannot create (chattr +i, test/distributed/store-failure)
  1002, // UNKNOWN_EXCEPTION
])

/** Deterministic codes with their reason; any other engine code not retryable is `store_refused`. */
const REASONS = new Map<number, DeadLetterReason>([
  [6, 'invalid_value'], // CANNOT_PARSE_TEXT
  [25, 'invalid_value'], // CANNOT_PARSE_ESCAPE_SEQUENCE (a lone UTF-16 surrogate in a string)
  [26, 'invalid_value'], // CANNOT_PARSE_QUOTED_STRING
  [27, 'invalid_value'], // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  [38, 'invalid_value'], // CANNOT_PARSE_DATE
  [41, 'invalid_value'], // CANNOT_PARSE_DATETIME
  [69, 'invalid_value'], // ARGUMENT_OUT_OF_BOUND
  [72, 'invalid_value'], // CANNOT_PARSE_NUMBER
  [117, 'invalid_value'], // INCORRECT_DATA
  [321, 'invalid_value'], // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  [53, 'type_mismatch'], // TYPE_MISMATCH
  [70, 'type_mismatch'], // CANNOT_CONVERT_TYPE
  [349, 'type_mismatch'], // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  [469, 'constraint_violated'], // VIOLATED_CONSTRAINT
  [128, 'too_large'], // TOO_LARGE_ARRAY_SIZE
  [131, 'too_large'], // TOO_LARGE_STRING_SIZE
])

/** The engine reports too many partitions in one insert under TOO_MANY_PARTS' code; only the text differs. */
const TOO_MANY_PARTITIONS = /too many partitions for (a )?single insert block/i

/** Node errors that mean the store could not be reached or did not answer in time. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'])
const NETWORK_TEXT = /socket hang up|timeout error|timed out|connection is closed|client is closed|stalled/i

/** chdb's own errors without an engine code: a timeout or an abort is the store's state; its insert checks (a row over its size limit, a bad format) are the payload's. */
const CHDB_RETRYABLE = new Set(['ChdbTimeoutError', 'ChdbAbortError'])
const CHDB_DETERMINISTIC = new Set(['ChdbInsertError', 'ChdbBindError'])

export function classifyInsertError(err: unknown): InsertFailure {
  // A body or a string over V8's limits: the batch is too big as it is.
  if (err instanceof RangeError) return { kind: 'deterministic', reason: 'too_large' }
  const message = err instanceof Error ? err.message : String(err)
  const code = engineCode(err)
  if (code !== undefined) {
    if (code === 252 && TOO_MANY_PARTITIONS.test(message)) return { kind: 'deterministic', reason: 'too_many_partitions' }
    if (RETRYABLE_CODES.has(code)) return { kind: 'retryable', reason: 'retries_exhausted' }
    // An engine error we do not list is about the insert, not the store: the store answered it.
    return { kind: 'deterministic', reason: REASONS.get(code) ?? 'store_refused' }
  }
  const name = err instanceof Error ? err.name : ''
  if (CHDB_RETRYABLE.has(name)) return { kind: 'retryable', reason: 'retries_exhausted' }
  if (CHDB_DETERMINISTIC.has(name)) return { kind: 'deterministic', reason: 'store_refused' }
  const sys = (err as { code?: unknown } | undefined)?.code
  if ((typeof sys === 'string' && NETWORK_CODES.has(sys)) || NETWORK_TEXT.test(message)) return { kind: 'retryable', reason: 'retries_exhausted' }
  return { kind: 'unknown', reason: 'retries_exhausted' }
}

/** The error text kept with a dead letter: the first line of the engine's message, bounded. */
export const ERROR_TEXT_MAX = 1_000

export function errorText(err: unknown): string {
  const e = err as { code?: unknown; type?: unknown; message?: unknown } | undefined
  const message = typeof e?.message === 'string' ? e.message : String(err)
  const head = [typeof e?.type === 'string' ? e.type : undefined, typeof e?.code === 'string' || typeof e?.code === 'number' ? `code ${e.code}` : undefined]
    .filter(Boolean)
    .join(', ')
  const text = `${head ? `${head}: ` : ''}${message.trim()}`
  return text.length > ERROR_TEXT_MAX ? `${text.slice(0, ERROR_TEXT_MAX - 1)}…` : text
}
