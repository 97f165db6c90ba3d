/**
 * Types shared by the server and the dashboard. One place for the entry shape, the query
 * parameters and the responses of the HTTP API (SPEC §3, §4).
 */

export const LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const
export type Level = (typeof LEVELS)[number]

export type AttributeValue = string | number | boolean

/**
 * The pipes of the query language (`q`, SPEC §8) and the functions of `| stats`: the parser
 * (server/src/query/search) accepts exactly these, and the dashboard completes and documents them.
 */
export const QUERY_PIPES = ['json', 'logfmt', 'extract', 'fields', 'sort', 'limit', 'stats', 'top', 'uniq', 'filter'] as const
export type QueryPipe = (typeof QUERY_PIPES)[number]
export const STATS_FUNCTIONS = ['count', 'count_uniq', 'sum', 'avg', 'min', 'max', 'quantile'] as const
export type StatsFunction = (typeof STATS_FUNCTIONS)[number]

/** One log entry as the API returns it (`GET /api/logs`, `WS /ws/live`, export). */
export interface LogEntry {
  /** Stable unique id (a UUID) given at ingest: `GET /api/logs/{id}`, `GET /api/context?id=`. Absent on entries stored before ids. */
  id?: string
  /** RFC 3339 in UTC, milliseconds always, micro/nanoseconds when the source had them. */
  timestamp: string
  level: Level
  service: string
  message: string
  attributes?: Record<string, string>
  trace_id?: string
  span_id?: string
  /** The template of the message (`GET /api/patterns`); set once the entry is stored, so absent on the live tail. */
  pattern_id?: string
}

/** A template's variable part (`connect to <*> failed`), as the miner writes it and the dashboard marks it. */
export const PATTERN_WILDCARD = '<*>'

/** One template of `GET /api/patterns`: the entries in the range that carry it, most frequent first. */
export interface PatternSummary {
  pattern_id: string
  service: string
  /** The message with its variable parts as `<*>` (tokens joined by one space). */
  template: string
  /** Matching entries in the range. */
  count: number
  /** When the template was first and last seen at all (not only in the range); RFC 3339. */
  first_seen: string
  last_seen: string
  /** The first message seen with it. */
  sample: string
  /** Matching entries per interval over the range (intervals without entries left out). */
  buckets: { time: string; count: number }[]
}

/** Body of `POST /log`, and each entry of `POST /logs`. */
export interface LogInput {
  level: string
  message: string
  service: string
  timestamp?: string
  attributes?: Record<string, AttributeValue>
  trace_id?: string
  span_id?: string
}

export interface AcceptedResponse {
  status: 'accepted'
  timestamp: string
}

export interface BatchAcceptedResponse {
  status: 'accepted'
  accepted: number
}

export interface BatchPartialResponse {
  status: 'error'
  error: string
  accepted: number
  rejected: number
  errors: { index: number; error: string }[]
}

export interface ErrorResponse {
  status: 'error'
  error: string
  /** Stable code from the error catalogue, e.g. `LOG_ERR_MESSAGE_TOO_LONG`. */
  code?: string
}

/** Query parameters shared by `/api/logs`, `/api/stats`, `/api/histogram`, `/api/export`, `/ws/live`. */
export interface LogFilter {
  level?: string
  service?: string
  q?: string
  from?: string
  to?: string
}

export interface StatsResponse {
  total_logs: number
  logs_by_level: Record<string, number>
  logs_by_service: Record<string, number>
}

export interface HistogramBucket {
  /** Bucket start, RFC 3339. */
  time: string
  counts: Partial<Record<Level, number>>
  total: number
}

export interface HistogramResponse {
  interval_ms: number
  from: string
  to: string
  buckets: HistogramBucket[]
}

export interface ServiceInfo {
  service: string
  count: number
  last_seen: string
}

export interface HealthResponse {
  status: 'ok' | 'degraded'
  service: string
  nats_status: string
  store_status?: string
  timestamp: string
}

/** A column of a `GET /api/query` result (a `q` with pipes). */
export interface QueryColumn {
  name: string
  type: 'string' | 'number' | 'time'
}

/** `GET /api/query` for a `q` with pipes: one row per result, values in column order. */
export interface QueryResponse {
  columns: QueryColumn[]
  rows: unknown[][]
  /** More rows than `limit` matched; only the first `limit` are here. */
  truncated?: boolean
  stats: { rows_read: number; elapsed_ms: number }
}

/** `GET /api/context?id=`: the entries of the same service around one entry, by time. */
export interface ContextResponse {
  entry: LogEntry
  /** Oldest first, up to `before`. */
  before: LogEntry[]
  /** Oldest first, up to `after`. */
  after: LogEntry[]
}

/** `GET /api/field_summary`: the attributes of the newest `sampled` matching entries, most frequent first. */
export interface FieldSummaryResponse {
  /** Entries examined (at most `sample`, the newest matching ones). */
  sampled: number
  fields: {
    name: string
    /** Entries of the sample that have the field. */
    hits: number
    /** Distinct values in the sample. */
    distinct: number
    /** The most frequent values (at most `values`), with their counts in the sample. */
    values: { value: string; hits: number }[]
  }[]
}

/** `GET|POST /api/session`: who the dashboard is, and whether it must log in (issue 13). */
export interface SessionInfo {
  /** Whether the query scope needs a key (the dashboard then shows its login screen until authenticated). */
  auth_required: boolean
  authenticated: boolean
  /** How: `session` (the cookie), `key` (a key header), `open` (no keys for the query scope). */
  via?: 'session' | 'key' | 'open'
  /** The key's name (never the key). */
  name?: string
  scopes?: string[]
  /** Tenants the dashboard may pick, the default first. */
  tenants?: string[]
  /** The key may use every tenant (`tenants: ['*']`); `tenants` then lists those the keys file names. */
  all_tenants?: boolean
  /** When the session ends (RFC 3339), for `via: session`. */
  expires?: string
}
