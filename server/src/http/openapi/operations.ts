/**
 * What the OpenAPI document says about each route: summary, parameters, bodies and responses, by
 * Fastify URL (`/api/rules/:namespace/:name`), optionally prefixed with the method when the methods
 * of one URL differ. Documentation only: the routes validate with their own code. A route missing
 * here has no summary in the document, which test/e2e/openapi.test.ts refuses.
 */

type Schema = Record<string, unknown>
export interface OperationDoc {
  tags: string[]
  summary: string
  description?: string
  querystring?: Schema
  body?: Schema
  consumes?: string[]
  produces?: string[]
  response?: Record<string, Schema>
  security?: Record<string, string[]>[]
}

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra })
const int = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', description, ...extra })
const obj = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({ type: 'object', properties, ...extra })
const ok = (description: string, schema: Schema = {}): Schema => ({ description, ...schema })

const ERROR = obj(
  {
    status: { type: 'string', enum: ['error'] },
    error: str('what is wrong, naming the field and the limit'),
    code: str('LOG_ERR_..., README "Errors"'),
  },
  { description: 'An error of the catalogue (README "Errors"): 400, 401, 403, 404, 413, 415, 429 (Retry-After), 503 (Retry-After)' },
)
const errors = { default: ERROR }
/** The three ways to present a key; a route takes any of them (auth/keys.ts). */
const KEY: Record<string, string[]>[] = [{ bearer: [] }, { apiKeyHeader: [] }, { basic: [] }]

const SESSION_INFO = obj({
  auth_required: { type: 'boolean', description: 'the query scope needs a key: log in first' },
  authenticated: { type: 'boolean' },
  via: str('session (the cookie), key (a key header) or open (no keys)'),
  name: str("the key's name (never the key)"),
  scopes: { type: 'array', items: { type: 'string' } },
  tenants: { type: 'array', items: { type: 'string' }, description: 'tenants it may pick (X-Scope-OrgID, or tenant= on /ws/live), the default first' },
  all_tenants: { type: 'boolean', description: "a key of every tenant ('*'); tenants lists those the keys file names" },
  expires: str('RFC 3339, when the session ends'),
})

const ENTRY_IN = obj(
  {
    message: str('the log line, 1 byte to 10 KiB of UTF-8'),
    service: str('1 to 100 characters'),
    level: str('debug, info, warn, error or fatal (default info)'),
    timestamp: str('RFC 3339; default the time of receipt'),
    attributes: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'flat, at most 128 keys, values ≤ 8 KiB (numbers and booleans kept as text)',
    },
    trace_id: str('W3C trace id (hex)'),
    span_id: str('W3C span id (hex)'),
  },
  { required: ['message', 'service'] },
)
const ENTRY_OUT = obj({
  id: str('stable id (a UUID) given at ingest; absent on entries stored before ids'),
  timestamp: str('RFC 3339 with up to nanoseconds'),
  level: str('level'),
  service: str('service'),
  message: str('message'),
  attributes: { type: 'object', additionalProperties: { type: 'string' } },
  trace_id: str('when present'),
  span_id: str('when present'),
  pattern_id: str('the template of the message (GET /api/patterns)'),
})
const BATCH_OK = obj({ status: { type: 'string', enum: ['accepted'] }, accepted: int('entries accepted') })
const PARTIAL = obj({
  status: { type: 'string', enum: ['error'] },
  error: str('how many were rejected'),
  accepted: int('entries accepted all the same'),
  rejected: int('entries rejected'),
  errors: { type: 'array', items: obj({ index: int('position in the request'), error: str('why') }) },
})

const FILTERS: Record<string, Schema> = {
  level: str('comma-separated levels, e.g. error,fatal'),
  service: str('comma-separated services'),
  q: str('search (README "Search syntax")'),
  from: str('RFC 3339, epoch milliseconds or relative (now-15m); inclusive'),
  to: str('as from; exclusive'),
}
const filters = (extra: Record<string, Schema> = {}): Schema => obj({ ...FILTERS, ...extra })
const LOKI_RANGE: Record<string, Schema> = {
  query: str('LogQL'),
  start: str('nanoseconds, seconds or RFC 3339'),
  end: str('as start'),
  limit: int('at most this many entries'),
  direction: str('backward (default) or forward'),
  step: str('for metric queries: a duration or seconds'),
}
const ES = (summary: string): OperationDoc => ({
  tags: ['elasticsearch'],
  summary,
  description:
    'Answered as Elasticsearch 8 does, enough for shippers that probe the cluster before sending bulk requests; nothing is changed.',
  security: KEY,
})
const LOKI_META = (summary: string, extra: Record<string, Schema> = {}): OperationDoc => ({
  tags: ['loki'],
  summary,
  querystring: obj({
    start: str('nanoseconds, seconds or RFC 3339'),
    end: str('as start'),
    query: str('a LogQL stream selector'),
    ...extra,
  }),
  response: { 200: ok('Loki\'s JSON: {"status":"success","data":...}'), ...errors },
  security: KEY,
})

const DOCS: Record<string, OperationDoc> = {
  // ---- operations
  '/health': {
    tags: ['operations'],
    summary: 'Health of this process',
    description: 'Never rate limited or behind a key. 503 with "status":"degraded" when the bus or the store is down.',
    response: {
      200: ok(
        'healthy',
        obj({
          status: str('ok'),
          service: str('the roles'),
          nats_status: str('CONNECTED or EMBEDDED'),
          store_status: str('CONNECTED (roles with a store)'),
          timestamp: str('now'),
        }),
      ),
      503: ok(
        'degraded',
        obj({
          status: str('degraded'),
          service: str('the roles'),
          nats_status: str('the bus status'),
          store_status: str('UNAVAILABLE when the store is down'),
          timestamp: str('now'),
        }),
      ),
    },
  },
  '/metrics': {
    tags: ['operations'],
    summary: 'Prometheus metrics',
    description: 'Text exposition format; the metrics are listed in README "Query API" and used by deploy/prometheus/rules.yml.',
    produces: ['text/plain'],
    response: { 200: ok('Prometheus text', { type: 'string' }), ...errors },
    security: KEY,
  },
  '/api/openapi.json': {
    tags: ['operations'],
    summary: 'This OpenAPI document',
    response: { 200: ok('OpenAPI 3.0 document', { type: 'object' }) },
  },
  '/api/docs': {
    tags: ['operations'],
    summary: 'This document as a readable page',
    produces: ['text/html'],
    response: { 200: ok('HTML', { type: 'string' }) },
  },
  '/': {
    tags: ['operations'],
    summary: 'The dashboard',
    produces: ['text/html'],
    response: { 200: ok('the dashboard (web/dist)', { type: 'string' }) },
  },
  '/live': {
    tags: ['operations'],
    summary: 'The dashboard, live tail page',
    produces: ['text/html'],
    response: { 200: ok('index.html of the dashboard', { type: 'string' }) },
  },
  '/stats': {
    tags: ['operations'],
    summary: 'The dashboard, statistics page',
    produces: ['text/html'],
    response: { 200: ok('index.html of the dashboard', { type: 'string' }) },
  },
  '/alerts': {
    tags: ['operations'],
    summary: 'The dashboard, alerts page',
    produces: ['text/html'],
    response: { 200: ok('index.html of the dashboard', { type: 'string' }) },
  },

  // ---- ingest
  '/log': {
    tags: ['ingest'],
    summary: 'Ingest one entry',
    description: 'The seed contract. Body at most 50 KiB; unknown fields are refused (LOG_ERR_UNKNOWN_FIELD).',
    body: ENTRY_IN,
    response: {
      202: ok('accepted: the bus holds it', obj({ status: str('accepted'), timestamp: str('the stored timestamp') })),
      ...errors,
    },
    security: KEY,
  },
  '/logs': {
    tags: ['ingest'],
    summary: 'Ingest many entries',
    description:
      'A JSON array or NDJSON, gzip allowed, up to MAX_BATCH_BYTES. Invalid entries are reported by index; the valid ones are accepted.',
    body: { type: 'array', items: ENTRY_IN },
    consumes: ['application/json', 'application/x-ndjson'],
    response: { 202: ok('all accepted', BATCH_OK), 400: ok('some rejected, the others accepted', PARTIAL), ...errors },
    security: KEY,
  },
  '/loki/api/v1/push': {
    tags: ['ingest'],
    summary: 'Loki push API',
    description:
      'Protobuf + snappy or JSON (gzip), as Promtail, Alloy, Fluent Bit, Vector send it. Mapping: server/src/ingest/loki/README.md.',
    body: obj({
      streams: {
        type: 'array',
        items: obj({
          stream: { type: 'object', additionalProperties: { type: 'string' } },
          values: { type: 'array', items: { type: 'array', items: {} } },
        }),
      },
    }),
    consumes: ['application/json', 'application/x-protobuf'],
    response: { 204: ok('every entry taken'), 400: ok('some rejected, the others taken', PARTIAL), ...errors },
    security: KEY,
  },
  '/api/prom/push': {
    tags: ['ingest'],
    summary: 'Loki push API (pre-2.0 path)',
    description: 'Same as POST /loki/api/v1/push.',
    consumes: ['application/json', 'application/x-protobuf'],
    body: obj({ streams: { type: 'array', items: { type: 'object' } } }),
    response: { 204: ok('every entry taken'), 400: ok('some rejected', PARTIAL), ...errors },
    security: KEY,
  },
  '/v1/logs': {
    tags: ['ingest'],
    summary: 'OTLP/HTTP logs',
    description: 'ExportLogsServiceRequest as protobuf or JSON, gzip allowed. Mapping: server/src/ingest/otlp/README.md.',
    consumes: ['application/x-protobuf', 'application/json'],
    body: obj({ resourceLogs: { type: 'array', items: { type: 'object' } } }),
    response: {
      200: ok("ExportLogsServiceResponse (partialSuccess when some were rejected), in the request's encoding", { type: 'object' }),
      ...errors,
    },
    security: KEY,
  },
  '/journal/upload': {
    tags: ['ingest'],
    summary: 'journald: what systemd-journal-upload sends',
    description:
      'The journal export format, chunked, read as it arrives (a --follow upload may never end). Point systemd-journal-upload at --url=http://host:8080/journal. Mapping: server/src/ingest/journald/README.md.',
    consumes: ['application/vnd.fdo.journal'],
    body: { type: 'string', format: 'binary' },
    response: { 202: ok('all taken', BATCH_OK), 400: ok('some rejected (the others taken), or not the export format', PARTIAL), ...errors },
    security: KEY,
  },
  '/es/_bulk': {
    tags: ['ingest'],
    summary: 'Elasticsearch bulk API',
    description:
      'NDJSON action/document pairs (index and create), as Filebeat, Logstash, Vector, Fluent Bit and rsyslog send them. Per-item results as Elasticsearch answers. Mapping: server/src/ingest/elastic/README.md.',
    consumes: ['application/x-ndjson', 'application/json'],
    body: { type: 'string' },
    response: {
      200: ok(
        'Elasticsearch bulk response',
        obj({ took: int('ms'), errors: { type: 'boolean' }, items: { type: 'array', items: { type: 'object' } } }),
      ),
      ...errors,
    },
    security: KEY,
  },
  '/es/:index/_bulk': {
    tags: ['ingest'],
    summary: 'Elasticsearch bulk API into an index',
    description: 'As POST /es/_bulk; the index (or data stream logs-<dataset>-<namespace>) may give the service.',
    consumes: ['application/x-ndjson', 'application/json'],
    body: { type: 'string' },
    response: { 200: ok('Elasticsearch bulk response', { type: 'object' }), ...errors },
    security: KEY,
  },
  '/es/': ES('Elasticsearch handshake (cluster info)'),
  '/es/_license': ES('Elasticsearch license probe'),
  '/es/_xpack': ES('Elasticsearch X-Pack probe'),
  '/es/_cluster/health': ES('Elasticsearch cluster health'),
  '/es/_cluster/health/*': ES('Elasticsearch cluster health of indices'),
  '/es/_cat/health': ES('Elasticsearch cat health'),
  '/es/_nodes': ES('Elasticsearch nodes info'),
  '/es/_nodes/*': ES('Elasticsearch nodes info (filtered)'),
  '/es/_index_template/:name': ES('Elasticsearch index template (accepted, not applied)'),
  '/es/_component_template/:name': ES('Elasticsearch component template (accepted, not applied)'),
  '/es/_template/:name': ES('Elasticsearch legacy template (accepted, not applied)'),
  '/es/_ilm/policy/:name': ES('Elasticsearch ILM policy (accepted, not applied)'),
  '/es/_ilm/policy': ES('Elasticsearch ILM policies'),
  '/es/_ingest/pipeline/:name': ES('Elasticsearch ingest pipeline (accepted, not applied)'),
  '/es/_data_stream/:name': ES('Elasticsearch data stream (accepted, not applied)'),

  // ---- query
  '/api/logs': {
    tags: ['query'],
    summary: 'Entries, newest first',
    description: 'Deep paging: pass the X-Next-Cursor response header back as cursor.',
    querystring: filters({
      limit: int('default 100, at most 1000'),
      offset: int('at most 100,000'),
      order: str('desc (default) or asc'),
      cursor: str('X-Next-Cursor of the previous page'),
    }),
    response: { 200: ok('entries', { type: 'array', items: ENTRY_OUT }), ...errors },
    security: KEY,
  },
  'POST /api/delete': {
    tags: ['admin'],
    summary: "Delete the tenant's entries that match q in a range (admin scope; runs in the background)",
    body: obj({ q: str('filter (no pipes); * for all'), from: str('RFC 3339 or relative'), to: str('RFC 3339 or relative'), service: str('service'), level: str('level') }, { required: ['q', 'from', 'to'] }),
    response: { 202: ok('accepted', obj({ status: str('accepted'), id: str('delete id'), rows_matched: int('entries matched when asked'), progress: str('URL of the progress') })), ...errors },
    security: KEY,
  },
  'GET /api/delete/:id': {
    tags: ['admin'],
    summary: 'Progress of a delete by query',
    response: { 200: ok('state', obj({ id: str('id'), state: str('running, done or failed'), progress: { type: 'number', description: '0 to 1' }, rows_matched: int('matched when asked'), rows_remaining: int('still matching (null when failed)') })), ...errors },
    security: KEY,
  },
  'GET /api/audit': {
    tags: ['admin'],
    summary: "The tenant's admin actions, newest first (who, what, when)",
    querystring: obj({ limit: int('default 100, at most 1000') }),
    response: { 200: ok('audit entries', { type: 'array', items: obj({ time: str('time'), actor: str('key name'), via: str('how the key came'), action: str('action'), request_id: str('request id'), ip: str('client address') }) }), ...errors },
    security: KEY,
  },
  'GET /api/saved-searches': {
    tags: ['query'],
    summary: "The tenant's saved searches, by name",
    response: { 200: ok('saved searches', obj({ searches: { type: 'array', items: obj({ name: str('name'), view: str('dashboard view as a URL query string'), updated: str('RFC 3339') }) } })), ...errors },
    security: KEY,
  },
  'PUT /api/saved-searches/:name': {
    tags: ['query'],
    summary: 'Save a dashboard view under a name (replaces one of the same name)',
    body: obj({ view: str('the dashboard view as a URL query string, at most 4096 characters') }, { required: ['view'] }),
    response: { 200: ok('saved', obj({ name: str('name'), view: str('view'), updated: str('RFC 3339') })), ...errors },
    security: KEY,
  },
  'DELETE /api/saved-searches/:name': {
    tags: ['query'],
    summary: 'Delete a saved search',
    response: { 204: ok('deleted'), ...errors },
    security: KEY,
  },
  'GET /api/session': {
    tags: ['query'],
    summary: 'Who the dashboard is: whether a key is required, and the session or key’s name, scopes and tenants',
    description: 'Open. `auth_required` is true when the query scope needs a key; the dashboard then shows its login screen until `authenticated`.',
    response: { 200: ok('the session', SESSION_INFO) },
    security: [...KEY, { sessionCookie: [] }, {}],
  },
  'POST /api/session': {
    tags: ['query'],
    summary: 'Log the dashboard in: trades a key of the query scope for the session cookie',
    description:
      'Sets `ogls_session` (HttpOnly, SameSite=Strict, Secure over https, Max-Age SESSION_TTL), signed with SESSION_SECRET. The cookie then authenticates API calls and the /ws/live upgrade from the same origin. A wrong key is 401 and counts against the rate limit.',
    body: obj({ key: str('a key of the query scope') }, { required: ['key'] }),
    response: { 200: ok('logged in', SESSION_INFO), ...errors },
  },
  'DELETE /api/session': {
    tags: ['query'],
    summary: 'Log out: ends the session and clears the cookie',
    response: { 204: ok('logged out'), ...errors },
    security: [{ sessionCookie: [] }],
  },
  '/api/ui-settings': {
    tags: ['query'],
    summary: "The server's settings the dashboard uses",
    response: { 200: ok('settings', obj({ trace_url_template: str('TRACE_URL_TEMPLATE, or null') })), ...errors },
    security: KEY,
  },
  '/api/logs/:id': {
    tags: ['query'],
    summary: 'One entry by its id',
    response: { 200: ok('the entry', ENTRY_OUT), ...errors },
    security: KEY,
  },
  '/api/context': {
    tags: ['query'],
    summary: 'The entries of the same service before and after one entry, by time',
    querystring: obj({
      id: str('the entry id (from /api/logs)'),
      before: int('default 10, at most 500'),
      after: int('default 10, at most 500'),
    }),
    response: {
      200: ok('oldest first on each side', obj({ entry: ENTRY_OUT, before: { type: 'array', items: ENTRY_OUT }, after: { type: 'array', items: ENTRY_OUT } })),
      ...errors,
    },
    security: KEY,
  },
  '/api/stats': {
    tags: ['query'],
    summary: 'Counts by level and service',
    querystring: filters(),
    response: {
      200: ok(
        'counts',
        obj({
          total_logs: int('entries'),
          logs_by_level: { type: 'object', additionalProperties: { type: 'integer' } },
          logs_by_service: { type: 'object', additionalProperties: { type: 'integer' } },
        }),
      ),
      ...errors,
    },
    security: KEY,
  },
  '/api/patterns': {
    tags: ['query'],
    summary: 'Templates of the matching entries, most frequent first, with counts and buckets',
    querystring: filters({ limit: int('default 50, at most 1000'), new: { type: 'boolean', description: 'only templates first seen at or after from (needs from)' } }),
    response: {
      200: ok('patterns', {
        type: 'array',
        items: obj({
          pattern_id: str('id'),
          service: str('service'),
          template: str('message with <*> for variable parts'),
          count: int('matching entries in the range'),
          first_seen: str('RFC 3339, over all time'),
          last_seen: str('RFC 3339, over all time'),
          sample: str('first message seen'),
          buckets: { type: 'array', items: obj({ time: str('RFC 3339'), count: int('entries') }) },
        }),
      }),
      ...errors,
    },
    security: KEY,
  },
  '/api/services': {
    tags: ['query'],
    summary: 'Services with their counts and last entry',
    querystring: filters(),
    response: {
      200: ok('services', { type: 'array', items: obj({ service: str('name'), count: int('entries'), last_seen: str('RFC 3339') }) }),
      ...errors,
    },
    security: KEY,
  },
  '/api/histogram': {
    tags: ['query'],
    summary: 'Entries over time by level',
    querystring: filters({ interval: str('bucket size (1m, 5m, 1h...); default chosen from the range, at most 100 buckets') }),
    response: {
      200: ok(
        'buckets',
        obj({
          interval_ms: int('bucket size'),
          from: str('start'),
          to: str('end'),
          buckets: {
            type: 'array',
            items: obj({
              time: str('bucket start'),
              counts: { type: 'object', additionalProperties: { type: 'integer' } },
              total: int('entries'),
            }),
          },
        }),
      ),
      ...errors,
    },
    security: KEY,
  },
  '/api/export': {
    tags: ['query'],
    summary: 'Every matching entry, streamed',
    querystring: filters({ format: str('ndjson (default) or csv') }),
    produces: ['application/x-ndjson', 'text/csv'],
    response: { 200: ok('entries, one per line', { type: 'string' }), ...errors },
    security: KEY,
  },
  '/api/query': {
    tags: ['query'],
    summary: 'Search with pipes (analytics)',
    description: 'q with pipes returns a table; a plain filter returns entries as /api/logs.',
    querystring: filters({ limit: int('default 1000, at most 10,000') }),
    response: {
      200: ok(
        'a table, or entries',
        obj({
          columns: { type: 'array', items: obj({ name: str('column'), type: str('type') }) },
          rows: { type: 'array', items: { type: 'array', items: {} } },
          truncated: { type: 'boolean' },
          stats: { type: 'object' },
        }),
      ),
      ...errors,
    },
    security: KEY,
  },
  '/api/fields': {
    tags: ['query'],
    summary: 'Field names with the number of entries that have them',
    querystring: filters({ limit: int('default 1000') }),
    response: {
      200: ok('fields', obj({ fields: { type: 'array', items: obj({ name: str('field'), hits: int('entries') }) } })),
      ...errors,
    },
    security: KEY,
  },
  '/api/field_values': {
    tags: ['query'],
    summary: 'The most frequent values of a field',
    querystring: filters({ name: str('the field'), limit: int('default 10, at most 1000') }),
    response: {
      200: ok('values', obj({ name: str('field'), values: { type: 'array', items: obj({ value: str('value'), hits: int('entries') }) } })),
      ...errors,
    },
    security: KEY,
  },
  '/api/field_summary': {
    tags: ['query'],
    summary: "Explore's field list over a sample of the newest matching entries",
    querystring: filters({
      sample: int('default 10,000, at most 100,000'),
      fields: int('default 100, at most 500'),
      values: int('default 5, at most 50'),
    }),
    response: {
      200: ok('fields', obj({ sampled: int('entries sampled'), fields: { type: 'array', items: { type: 'object' } } })),
      ...errors,
    },
    security: KEY,
  },
  'GET /api/rejected': {
    tags: ['query'],
    summary: 'Dead letters: accepted entries the store refused for good',
    querystring: obj({
      from: str('on the time it was dead-lettered'),
      to: str('as from'),
      reason: str('comma-separated reasons'),
      limit: int('default 100, at most 1000'),
    }),
    response: {
      200: ok('newest first', {
        type: 'array',
        items: obj({
          id: str('id'),
          time: str('RFC 3339'),
          reason: str('reason'),
          error: str("the store's error"),
          service: str('service'),
          entry: { type: 'object' },
        }),
      }),
      ...errors,
    },
    security: KEY,
  },
  '/api/rejected/replay': {
    tags: ['query'],
    summary: 'Publish dead letters again through the bus',
    description: 'Needs an ingest-scope key.',
    body: obj({
      ids: { type: 'array', items: { type: 'string' } },
      from: str('as /api/rejected'),
      to: str('as /api/rejected'),
      reason: str('comma-separated'),
      limit: int('default and at most 10,000'),
    }),
    response: { 202: ok('replayed', obj({ status: str('accepted'), replayed: int('dead letters published') })), ...errors },
    security: KEY,
  },

  // ---- live
  '/ws/live': {
    tags: ['live'],
    summary: 'Live tail (WebSocket)',
    description:
      'Upgrade to a WebSocket; one JSON entry per message as they arrive, filtered by level, service and q. Closed with an error message on a bad filter.',
    querystring: obj({ level: FILTERS.level as Schema, service: FILTERS.service as Schema, q: FILTERS.q as Schema }),
    response: { 101: ok('Switching Protocols: the WebSocket'), ...errors },
    security: KEY,
  },
  '/loki/api/v1/tail': {
    tags: ['loki'],
    summary: "Loki's live tail (WebSocket)",
    description: 'As Grafana uses it: frames of {"streams":[...]}.',
    querystring: obj({
      query: str('LogQL'),
      start: str('history from this time first'),
      limit: int('history entries'),
      delay_for: int('seconds'),
    }),
    response: { 101: ok('Switching Protocols: the WebSocket'), ...errors },
    security: KEY,
  },

  // ---- Loki query API
  '/loki/api/v1/query_range': { ...LOKI_META('LogQL over a time range (logs or a matrix)', LOKI_RANGE) },
  '/loki/api/v1/query': { ...LOKI_META('LogQL at one time (logs or a vector)', { ...LOKI_RANGE, time: str('evaluation time') }) },
  '/loki/api/v1/labels': LOKI_META('Label names'),
  '/loki/api/v1/label/:name/values': LOKI_META('Values of a label'),
  '/loki/api/v1/series': LOKI_META('Streams matching selectors', { 'match[]': str('stream selector (repeatable)') }),
  '/loki/api/v1/detected_labels': LOKI_META('Labels detected in the streams (Grafana Explore)'),
  '/loki/api/v1/detected_fields': LOKI_META('Fields detected in the lines (Grafana Explore)'),
  '/loki/api/v1/index/stats': LOKI_META('Streams, chunks, entries and bytes of a selector'),
  '/loki/api/v1/index/volume': LOKI_META('Log volume by label (Grafana logs volume)'),
  '/loki/api/v1/index/volume_range': LOKI_META('Log volume by label over time'),
  '/loki/api/v1/patterns': {
    ...LOKI_META('Patterns of the matching entries (mined templates, variable parts as <_>) with counts per step', { step: str('a duration or seconds') }),
    response: {
      200: ok(
        'most frequent first',
        obj({
          status: str('success'),
          data: { type: 'array', items: obj({ pattern: str('template, <_> for a variable part'), samples: { type: 'array', items: { type: 'array', items: { type: 'integer' } } } }) },
        }),
      ),
      ...errors,
    },
  },
  '/loki/api/v1/status/buildinfo': {
    tags: ['loki'],
    summary: 'Build information, as Loki answers (Grafana data source check)',
    response: { 200: ok('version and revision', { type: 'object' }) },
  },

  // ---- alerting
  'GET /api/rules': {
    tags: ['alerting'],
    summary: 'Rule groups with their rules, state and alerts',
    response: { 200: ok('groups', obj({ groups: { type: 'array', items: { type: 'object' } } })), ...errors },
    security: KEY,
  },
  'POST /api/rules': {
    tags: ['alerting'],
    summary: 'Create a rule group',
    description: 'JSON, or YAML with Content-Type application/yaml. 409 LOG_ERR_RULE_EXISTS when the group is there.',
    querystring: obj({ namespace: str('default if not given') }),
    consumes: ['application/json', 'application/yaml'],
    body: obj({
      name: str('group name'),
      interval: str('duration'),
      rules: {
        type: 'array',
        items: obj({
          alert: str('alert name'),
          record: str('recording rule name'),
          expr: str("LogQL metric query, or a q stats query or '| new_patterns' filter after 'q:' (README Alerting)"),
          for: str('duration'),
          labels: { type: 'object' },
          annotations: { type: 'object' },
        }),
      },
    }),
    response: { 201: ok('created', { type: 'object' }), ...errors },
    security: KEY,
  },
  'GET /api/rules/:namespace/:name': {
    tags: ['alerting'],
    summary: 'One rule group',
    response: { 200: ok('the group', { type: 'object' }), ...errors },
    security: KEY,
  },
  'PUT /api/rules/:namespace/:name': {
    tags: ['alerting'],
    summary: 'Replace (or create) a rule group',
    consumes: ['application/json', 'application/yaml'],
    body: { type: 'object' },
    response: { 200: ok('replaced', { type: 'object' }), 201: ok('created', { type: 'object' }), ...errors },
    security: KEY,
  },
  'DELETE /api/rules/:namespace/:name': {
    tags: ['alerting'],
    summary: 'Delete a rule group',
    response: { 204: ok('deleted'), ...errors },
    security: KEY,
  },
  '/api/alerts': {
    tags: ['alerting'],
    summary: 'Every alerting rule with its alerts: firing, pending, inactive',
    response: {
      200: ok('a top-level array (SPEC §10), firing first, then pending, then inactive', {
        type: 'array',
        items: obj({
          name: str("the alerting rule's name (alias `rule`)"),
          state: str('inactive (a rule without alerts, or an alert resolved in the last 15 min), pending or firing', {
            enum: ['inactive', 'pending', 'firing'],
          }),
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          annotations: { type: 'object', additionalProperties: { type: 'string' } },
          value: { type: 'number', nullable: true, description: 'the last value; null for a rule without alerts' },
          since: str('when it entered this state (ISO 8601); null for a rule without alerts', { nullable: true }),
          activeAt: str('when it became active'),
          firedAt: str('when it fired'),
          resolvedAt: str('when it was resolved'),
          fingerprint: str('identity of the alert (its labels); absent for a rule without alerts'),
        }),
      }),
      ...errors,
    },
    security: KEY,
  },
  '/api/alerts/history': {
    tags: ['alerting'],
    summary: 'State changes and notification attempts, newest first',
    querystring: obj({ limit: int('default 200') }),
    response: { 200: ok('history', { type: 'object' }), ...errors },
    security: KEY,
  },
  'GET /loki/api/v1/rules': {
    tags: ['alerting'],
    summary: 'Loki ruler API: every group (YAML)',
    produces: ['application/yaml'],
    response: { 200: ok('YAML', { type: 'string' }), ...errors },
    security: KEY,
  },
  'GET /loki/api/v1/rules/:namespace': {
    tags: ['alerting'],
    summary: 'Loki ruler API: the groups of a namespace (YAML)',
    produces: ['application/yaml'],
    response: { 200: ok('YAML', { type: 'string' }), ...errors },
    security: KEY,
  },
  'GET /loki/api/v1/rules/:namespace/:group': {
    tags: ['alerting'],
    summary: 'Loki ruler API: one group (YAML)',
    produces: ['application/yaml'],
    response: { 200: ok('YAML', { type: 'string' }), ...errors },
    security: KEY,
  },
  'POST /loki/api/v1/rules/:namespace': {
    tags: ['alerting'],
    summary: 'Loki ruler API: create or replace a group (YAML), as lokitool does',
    consumes: ['application/yaml'],
    body: { type: 'string' },
    response: { 202: ok('stored', { type: 'object' }), ...errors },
    security: KEY,
  },
  'DELETE /loki/api/v1/rules/:namespace/:group': {
    tags: ['alerting'],
    summary: 'Loki ruler API: delete a group',
    response: { 202: ok('deleted', { type: 'object' }), ...errors },
    security: KEY,
  },
  '/prometheus/api/v1/rules': {
    tags: ['alerting'],
    summary: "Prometheus's rules API (Grafana alert list)",
    querystring: obj({ type: str('alert or record') }),
    response: { 200: ok('{"status":"success","data":{"groups":[...]}}', { type: 'object' }), ...errors },
    security: KEY,
  },
  '/prometheus/api/v1/alerts': {
    tags: ['alerting'],
    summary: "Prometheus's alerts API",
    response: { 200: ok('{"status":"success","data":{"alerts":[...]}}', { type: 'object' }), ...errors },
    security: KEY,
  },
}

/** The document's part for one route; empty when the table does not have it. */
export function operationDoc(method: string, url: string): Partial<OperationDoc> {
  return DOCS[`${method} ${url}`] ?? DOCS[url] ?? {}
}

/** Every URL (with its method when given) the table documents, for the tests. */
export const DOCUMENTED = Object.keys(DOCS)
