/**
 * The catalogue of errors a client can see: stable codes, HTTP statuses and messages that name the
 * field and the limit. README "Errors" documents every code; a test checks that it does.
 */
import createError from '@fastify/error'

export const Errors = {
  INVALID_JSON: createError('LOG_ERR_INVALID_JSON', 'malformed JSON: %s', 400),
  VALIDATION: createError('LOG_ERR_VALIDATION', '%s', 400),
  UNKNOWN_FIELD: createError('LOG_ERR_UNKNOWN_FIELD', "unknown field '%s'; allowed fields: %s", 400),
  BODY_TOO_LARGE: createError('LOG_ERR_BODY_TOO_LARGE', 'request body is larger than %d bytes', 413),
  BATCH_TOO_LARGE: createError('LOG_ERR_BATCH_TOO_LARGE', 'the request decodes to more than %s; the limit is %s. Send it in smaller requests', 413),
  UNSUPPORTED_MEDIA_TYPE: createError('LOG_ERR_UNSUPPORTED_MEDIA_TYPE', "unsupported content type '%s'; use %s", 415),
  UNSUPPORTED_ENCODING: createError('LOG_ERR_UNSUPPORTED_ENCODING', "unsupported content encoding '%s'; use gzip or none", 415),
  RATE_LIMITED: createError('LOG_ERR_RATE_LIMITED', 'rate limit of %d requests per %s exceeded; retry after %d s', 429),
  QUEUE_FULL: createError('LOG_ERR_QUEUE_FULL', 'the ingestion queue is full (%d entries waiting); retry later', 429),
  BUS_UNAVAILABLE: createError('LOG_ERR_BUS_UNAVAILABLE', 'the log bus is unavailable (%s); nothing was accepted, retry later', 503),
  STORE_UNAVAILABLE: createError('LOG_ERR_STORE_UNAVAILABLE', 'the log store is unavailable: %s', 503),
  LIVE_FULL: createError('LOG_ERR_LIVE_FULL', 'the live tail is full: LIVE_MAX_CLIENTS (%d) clients are connected; try again later', 503),
  SHUTTING_DOWN: createError('LOG_ERR_SHUTTING_DOWN', 'the server is shutting down; retry on another instance', 503),
  UNAUTHORIZED: createError('LOG_ERR_UNAUTHORIZED', 'a valid API key with the %s scope is required (Authorization: Bearer <key> or X-API-Key)', 401),
  ORIGIN_FORBIDDEN: createError('LOG_ERR_ORIGIN_FORBIDDEN', "origin '%s' may not open %s: only the server's own origin and CORS_ORIGINS may", 403),
  /** A request authenticated by the dashboard's session cookie, from a page of another origin (auth/session.ts). */
  SESSION_ORIGIN_FORBIDDEN: createError('LOG_ERR_ORIGIN_FORBIDDEN', "the session cookie is accepted only from the dashboard's own origin, not '%s' (%s)", 403),
  TENANT_FORBIDDEN: createError('LOG_ERR_TENANT_FORBIDDEN', "this key may not use tenant '%s' (X-Scope-OrgID or tenant); use a key of that tenant", 403),
  TENANT_RATE_LIMITED: createError('LOG_ERR_TENANT_RATE_LIMITED', "tenant '%s' is over its ingest_rate of %d entries per second; nothing was accepted, retry after %d s", 429),
  TENANT_QUOTA_EXCEEDED: createError('LOG_ERR_TENANT_QUOTA_EXCEEDED', "tenant '%s' would pass its daily_bytes of %d bytes today (UTC) with this request; nothing was accepted, retry after %d s", 429),
  TENANT_QUERIES_LIMITED: createError('LOG_ERR_TENANT_QUERIES_LIMITED', "tenant '%s' has max_concurrent_queries (%d) running and none ended within %d ms; retry later", 429),
  DELETE_NOT_FOUND: createError('LOG_ERR_DELETE_NOT_FOUND', "no delete request '%s' in this tenant (ids come from POST /api/delete)", 404),
  BAD_PARAMETER: createError('LOG_ERR_BAD_PARAMETER', "invalid parameter '%s': %s", 400),
  BAD_QUERY: createError('LOG_ERR_BAD_QUERY', 'invalid q: %s', 400),
  /** A LogQL query Loki would refuse, in Loki's own words (Grafana shows them verbatim). */
  BAD_LOGQL: createError('LOG_ERR_BAD_QUERY', '%s', 400),
  QUERY_TOO_LARGE: createError('LOG_ERR_QUERY_TOO_LARGE', 'the query needs more than %s of memory in the store; narrow the time range or the filters, or group by fewer fields', 400),
  QUERY_TIMEOUT: createError('LOG_ERR_QUERY_TIMEOUT', 'the query ran longer than %d ms; narrow the time range or the filters', 504),
  NOT_FOUND: createError('LOG_ERR_NOT_FOUND', 'no route %s %s', 404),
  REQUEST_TIMEOUT: createError('LOG_ERR_REQUEST_TIMEOUT', 'the request took longer than %d ms', 408),
  DASHBOARD_NOT_BUILT: createError('LOG_ERR_DASHBOARD_NOT_BUILT', 'the dashboard is not built (no %s/index.html); run make build', 503),
  INTERNAL: createError('LOG_ERR_INTERNAL', 'internal error: %s', 500),
  BAD_RULE: createError('LOG_ERR_BAD_RULE', 'invalid rule group: %s', 400),
  RULE_NOT_FOUND: createError('LOG_ERR_RULE_NOT_FOUND', "no rule group '%s' in namespace '%s'", 404),
  RULE_EXISTS: createError('LOG_ERR_RULE_EXISTS', "rule group '%s' already exists in namespace '%s'; PUT /api/rules/<namespace>/<name> replaces it", 409),
  SAVED_SEARCH_NOT_FOUND: createError('LOG_ERR_SAVED_SEARCH_NOT_FOUND', "no saved search named '%s'", 404),
  ENTRY_NOT_FOUND: createError('LOG_ERR_ENTRY_NOT_FOUND', "no entry with id '%s'", 404),
  ENTRY_TOO_LARGE: createError('LOG_ERR_ENTRY_TOO_LARGE', '%s; nothing was accepted', 413),
} as const

/** Every code in the catalogue (once: BAD_LOGQL shares BAD_QUERY's), for the documentation test. */
export const ERROR_CODES: string[] = [...new Set(Object.values(Errors).map((E) => new E('x', 'x', 'x').code))]

/**
 * Why an entry was rejected or dropped: a closed set of snake_case constants that double as the
 * `reason` label of `oglogstream_entries_rejected_total`.
 */
export const REJECT_REASONS = [
  'invalid_json',
  'not_an_object',
  'unknown_field',
  'missing_field',
  'invalid_type',
  'invalid_level',
  'empty_message',
  'message_too_long',
  'empty_service',
  'service_too_long',
  'invalid_timestamp',
  'invalid_attributes',
  'invalid_trace_id',
  'invalid_span_id',
  'body_too_large',
  'unsupported_media_type',
  'rate_limited',
  'queue_full',
  'bus_unavailable',
  'malformed_frame',
  // shipper protocols (server/src/ingest/{elastic,loki,otlp,syslog})
  'malformed_request',
  'unsupported_action',
  'invalid_labels',
  'frame_too_large',
  // hostile input (issue 11)
  'timestamp_in_future',
  'nesting_too_deep',
  'batch_too_large',
  'connection_refused',
  'entry_too_large',
  // per-tenant limits (issue 13)
  'tenant_rate_limited',
  'tenant_quota_exceeded',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

/**
 * Why an accepted entry went to the dead-letter table instead of the logs table (process/failure.ts):
 * the `reason` label of `oglogstream_entries_dead_lettered_total` and the `reason` of `GET /api/rejected`.
 */
export const DEAD_LETTER_REASONS = [
  'invalid_value',
  'type_mismatch',
  'constraint_violated',
  'too_large',
  'too_many_partitions',
  'store_refused',
  'retries_exhausted',
] as const
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number]
