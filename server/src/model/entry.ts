import type { Level } from './levels.js'

/**
 * One entry as it moves through the pipeline (bus, process, store, live). Every ingestion
 * protocol produces this shape through `validate.ts`, so the rules live in one place.
 */
export interface Entry {
  /**
   * Stable unique id (a UUID), given once at ingest (validate.ts) and carried on the bus, so a redelivered
   * or replayed entry keeps it: links, context and the cursor name one entry even among identical ones.
   * Absent only in entries written before ids existed.
   */
  id?: string
  /** Canonical timestamp, see `time.ts`: `2025-01-01T12:00:00.123456789Z`. */
  timestamp: string
  level: Level
  service: string
  message: string
  /** Flat map of string values; numbers and booleans are stored as their text. */
  attributes: Record<string, string>
  trace_id: string
  span_id: string
  /** The tenant (model/tenant.ts); absent means `default`, so entries of the default tenant cost nothing on the bus. */
  tenant?: string
  /** The template the message belongs to (patterns/), set by the process role before insert. */
  pattern_id?: string
}

export const LIMITS = {
  MESSAGE_BYTES: 10 * 1024, // 10 KiB of UTF-8
  SERVICE_CHARS: 100,
  ATTRIBUTES: 128, // keys per entry
  ATTRIBUTE_KEY_CHARS: 256,
  ATTRIBUTE_VALUE_BYTES: 8 * 1024, // 8 KiB
  TRACE_ID_CHARS: 64,
  SPAN_ID_CHARS: 32,
  SINGLE_BODY_BYTES: 50 * 1024, // POST /log
} as const
