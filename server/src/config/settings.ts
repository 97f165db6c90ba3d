/**
 * Every setting of OgLogStream, once: its environment variable, default (with its unit), reader
 * and meaning, grouped in one section per component. A section's values are that component's
 * options (config.ts derives `HttpOptions`, `StoreOptions`, ... from this table), and the README
 * test checks every variable here is documented. Settings without `env` are fixed: constants kept
 * here so that no default hides in the code that uses it.
 */
import * as p from './parse.js'
import type { Parser, Role } from './parse.js'
import { readKeysFile, type KeysFile } from '../auth/file.js'

/** What a default may depend on: the process's roles, and (for fixed settings) the values read so far. */
export interface DefaultContext {
  roles: ReadonlySet<Role>
  values: Readonly<Record<string, unknown>>
}

export interface Setting<T> {
  /** Environment variable; absent for a fixed setting. */
  env?: string
  /** Other names read when `env` is unset (the seed's names). */
  aliases?: readonly string[]
  default: T | ((ctx: DefaultContext) => T)
  /** Unit of the value in the code (`ms`, `bytes`, ...); the variable itself may carry its own unit. */
  unit?: string
  parse?: Parser<T>
  /** Read only by processes with one of these roles; others keep the default. */
  roles?: readonly Role[]
  doc: string
}

const setting = <T>(s: Setting<T>): Setting<T> => s
const optional = <T>(s: Omit<Setting<T | undefined>, 'default'>): Setting<T | undefined> => ({ ...s, default: undefined })

export const DEFAULT_HTTP_PORT = 8080
export const DEFAULT_QUERY_PORT = 8081 // a query-only process, so ingest and query can share a host
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000 // 30 s
export const DEFAULT_BATCH_SIZE = 10_000 // entries per insert at most (ClickHouse favours inserts of 10k+ rows)
export const DEFAULT_FLUSH_TIMEOUT_MS = 2_000 // 2 s maximum hold
export const DEFAULT_MAX_RETRIES = 3
export const DEFAULT_RETRY_BASE_MS = 200 // 200 ms, doubled each retry
export const DEFAULT_MAX_BATCH_BYTES = 10 * 1024 * 1024 // 10 MiB
// Above a full batch (BATCH_SIZE entries of the largest size), else batches wait for FLUSH_TIMEOUT.
export const DEFAULT_MAX_QUEUE_BYTES = 256 * 1024 ** 2 // 256 MiB of the log read ahead into memory
export const DEFAULT_WAL_MAX_BYTES = 1024 ** 3 // 1 GiB of write-ahead log, then 429
export const DEFAULT_MIN_FREE_DISK_BYTES = 512 * 1024 ** 2 // 512 MiB free under DATA_DIR, else 503
export const DEFAULT_RATE_LIMIT_MAX = 10_000 // requests per window per client IP
export const DEFAULT_RATE_LIMIT_WINDOW_MS = 1_000 // 1 s
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000 // 30 s
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000 // 65 s: longer than the 60 s idle timeout of load balancers in front
export const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000 // 12 h: a working day at the dashboard
export const MIN_SESSION_SECRET_LENGTH = 32
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000 // 10 s
export const DEFAULT_COMMIT_DELAY_MS = 2 // group-commit window at ingest
export const DEFAULT_COMMIT_MAX_ENTRIES = 1_000 // entries per bus message at most
export const DEFAULT_MAX_FUTURE_SKEW_MS = 24 * 3_600_000 // 24 h
export const DEFAULT_MAX_BATCH_ENTRIES = 100_000 // entries one request may map to
export const DEFAULT_LIVE_BUFFER_BYTES = 1024 * 1024 // 1 MiB unsent per WebSocket client, then drop
export const DEFAULT_LIVE_MAX_CLIENTS = 1_000
export const DEFAULT_LIVE_MAX_PAYLOAD_BYTES = 64 * 1024 // 64 KiB per WebSocket message from a client
export const DEFAULT_LIVE_PENDING_BYTES = 16 * 1024 * 1024 // 16 MiB waiting for the live fan-out: one full MAX_BATCH_BYTES request fits
export const DEFAULT_SYSLOG_IDLE_TIMEOUT_MS = 5 * 60_000 // 5 min
export const DEFAULT_SYSLOG_MAX_CONNECTIONS = 1_000
export const DEFAULT_SYSLOG_MAX_CONNECTIONS_PER_IP = 100
// JetStream (distributed mode). The ack wait must outlast the longest gap between two working()
// calls of a worker: FLUSH_TIMEOUT + one insert attempt (HTTP request timeout, 30 s) + a backoff.
export const DEFAULT_NATS_ACK_WAIT_MS = 60_000 // 60 s
export const DEFAULT_NATS_MAX_BYTES = 1024 ** 3 // 1 GiB of stream backlog, then 429
export const DEFAULT_NATS_MAX_ACK_PENDING = 4_096 // messages handed out and not yet acked, all workers together
export const DEFAULT_NATS_DUPLICATE_WINDOW_MS = 120_000 // 2 min of Nats-Msg-Id dedup

export const DEFAULT_ALERTING_INTERVAL_MS = 60_000 // 1 min, as Prometheus's global evaluation_interval
export const DEFAULT_NOTIFY_TIMEOUT_MS = 10_000 // 10 s
export const DEFAULT_ALERTING_LEASE_TTL_MS = 15_000 // 15 s
export const DEFAULT_ALERTING_RESEND_DELAY_MS = 60_000 // 1 min, as Prometheus's --rules.alert.resend-delay

const queryOnly = (roles: ReadonlySet<Role>) => roles.size === 1 && roles.has('query')

export const SETTINGS = {
  /** The process as a whole (app.ts). */
  app: {
    logLevel: setting({
      env: 'LOG_LEVEL',
      default: 'info',
      parse: p.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
      doc: 'trace, debug, info, warn, error, fatal or silent (JSON logs on stdout)',
    }),
    shutdownTimeoutMs: setting({ env: 'SHUTDOWN_TIMEOUT', default: DEFAULT_SHUTDOWN_TIMEOUT_MS, unit: 'ms', parse: p.duration(), doc: 'bound on the graceful shutdown' }),
  },
  /** The HTTP shell (http/, auth/): listener, CORS, rate limit, timeouts, API keys. */
  http: {
    host: setting({ env: 'HOST', default: '0.0.0.0', parse: p.text, doc: 'listen address (HTTP and syslog)' }),
    httpPort: setting({
      env: 'HTTP_PORT',
      default: ({ roles }) => (queryOnly(roles) ? DEFAULT_QUERY_PORT : DEFAULT_HTTP_PORT),
      parse: p.port,
      doc: 'HTTP port (8081 for a query-only process); 0 picks a free one',
    }),
    corsOrigins: setting<string[] | '*'>({
      env: 'CORS_ORIGINS',
      default: [],
      parse: p.corsOrigins,
      doc: 'comma-separated origins allowed to call the API and open /ws/live from a browser; empty: same origin only; * allows any',
    }),
    trustedProxies: setting<string[]>({
      env: 'TRUSTED_PROXIES',
      default: [],
      parse: p.trustedProxies,
      doc: 'comma-separated IPs / CIDR ranges of proxies whose X-Forwarded-For is believed (rate limit, logs); empty: none',
    }),
    rateLimitMax: setting({ env: 'RATE_LIMIT_MAX', default: DEFAULT_RATE_LIMIT_MAX, unit: 'requests', parse: p.int(0, 100_000_000), doc: 'requests per window per client IP; 0 disables' }),
    rateLimitWindowMs: setting({ env: 'RATE_LIMIT_WINDOW', default: DEFAULT_RATE_LIMIT_WINDOW_MS, unit: 'ms', parse: p.duration(), doc: 'rate-limit window' }),
    requestTimeoutMs: setting({ env: 'REQUEST_TIMEOUT', default: DEFAULT_REQUEST_TIMEOUT_MS, unit: 'ms', parse: p.duration(), doc: 'HTTP request timeout' }),
    keepAliveTimeoutMs: setting({ default: DEFAULT_KEEP_ALIVE_TIMEOUT_MS, unit: 'ms', doc: 'an idle keep-alive connection is closed after this long' }),
    apiKeysIngest: setting<string[]>({ env: 'API_KEYS_INGEST', default: [], parse: p.list, doc: 'keys of the ingest scope; when set, ingestion requires one' }),
    apiKeysQuery: setting<string[]>({ env: 'API_KEYS_QUERY', default: [], parse: p.list, doc: 'keys of the query scope; when set, queries and the live tail require one' }),
    apiKeysMetrics: setting<string[]>({ env: 'API_KEYS_METRICS', default: [], parse: p.list, doc: 'keys of the metrics scope; when set, GET /metrics requires one' }),
    apiKeysFile: optional<KeysFile>({ env: 'API_KEYS_FILE', parse: readKeysFile, doc: 'YAML file of keys (each with tenants and scopes) and per-tenant limits' }),
    sessionSecret: optional<string>({
      env: 'SESSION_SECRET',
      parse: p.secret(MIN_SESSION_SECRET_LENGTH),
      doc: "signs the dashboard's session cookies (HMAC); unset: random per process, so sessions end with the process and are not shared by instances",
    }),
    sessionTtlMs: setting({ env: 'SESSION_TTL', default: DEFAULT_SESSION_TTL_MS, unit: 'ms', parse: p.duration(1_000, '1s'), doc: 'a dashboard session ends this long after its login' }),
  },
  /** The ingest role (ingest/): body limits, group commit, timestamp sanity. */
  ingest: {
    maxBatchBytes: setting({ env: 'MAX_BATCH_BYTES', default: DEFAULT_MAX_BATCH_BYTES, unit: 'bytes', parse: p.bytes, doc: 'body limit of POST /logs and the shipper endpoints' }),
    maxBatchEntries: setting({ env: 'MAX_BATCH_ENTRIES', default: DEFAULT_MAX_BATCH_ENTRIES, unit: 'entries', parse: p.int(1, 10_000_000), doc: 'entries one request may become once decoded and mapped; beyond, 413' }),
    commitDelayMs: setting({ env: 'COMMIT_DELAY', default: DEFAULT_COMMIT_DELAY_MS, unit: 'ms', parse: p.duration(), doc: 'group-commit window at ingest (distributed mode)' }),
    commitMaxEntries: setting({ default: DEFAULT_COMMIT_MAX_ENTRIES, unit: 'entries', doc: 'entries per bus message at most (group commit)' }),
    maxFutureSkewMs: setting({ env: 'MAX_FUTURE_SKEW', default: DEFAULT_MAX_FUTURE_SKEW_MS, unit: 'ms', parse: p.duration(), doc: 'a timestamp further ahead of the receive time is a 400' }),
  },
  /** The embedded bus (bus/wal): the write-ahead log under DATA_DIR. */
  bus: {
    maxQueueBytes: setting({ env: 'MAX_QUEUE_BYTES', default: DEFAULT_MAX_QUEUE_BYTES, unit: 'bytes', parse: p.bytes, doc: 'bytes of log records the worker holds in memory at most (read ahead, not yet stored)' }),
    walSync: setting<'always' | number>({ env: 'WAL_SYNC', default: 'always', unit: 'ms', parse: p.syncPolicy, doc: "'always' (fsync before each 202) or a group-commit fsync interval" }),
    walMaxBytes: setting({ env: 'WAL_MAX_BYTES', default: DEFAULT_WAL_MAX_BYTES, unit: 'bytes', parse: p.bytes, doc: 'write-ahead log size at most; beyond, ingest answers 429' }),
    minFreeDiskBytes: setting({ env: 'MIN_FREE_DISK', default: DEFAULT_MIN_FREE_DISK_BYTES, unit: 'bytes', parse: p.bytes, doc: 'free space under DATA_DIR at least; below, ingest answers 503' }),
  },
  /** The distributed bus (bus/nats): NATS JetStream. */
  nats: {
    natsUrl: optional<string>({ env: 'NATS_URL', parse: p.natsUrl, doc: 'NATS server(s), comma-separated; required for any role set other than all' }),
    natsStream: setting({ env: 'NATS_STREAM', default: 'LOGS', parse: p.text, doc: 'JetStream stream name' }),
    natsReplicas: setting({ env: 'NATS_REPLICAS', default: 1, parse: p.int(1, 5), doc: 'stream replicas' }),
    natsAckWaitMs: setting({ env: 'NATS_ACK_WAIT', default: DEFAULT_NATS_ACK_WAIT_MS, unit: 'ms', parse: p.duration(1_000, '1s'), doc: 'redelivery after a worker goes silent' }),
    natsMaxBytes: setting({ env: 'NATS_MAX_BYTES', default: DEFAULT_NATS_MAX_BYTES, unit: 'bytes', parse: p.bytes, doc: 'stream backlog limit; beyond, ingest answers 429' }),
    natsMaxAckPending: setting({ env: 'NATS_MAX_ACK_PENDING', default: DEFAULT_NATS_MAX_ACK_PENDING, unit: 'messages', parse: p.int(1, 1_000_000), doc: 'messages handed out and not yet acknowledged' }),
    natsDuplicateWindowMs: setting({ env: 'NATS_DUPLICATE_WINDOW', default: DEFAULT_NATS_DUPLICATE_WINDOW_MS, unit: 'ms', parse: p.duration(), doc: 'publish deduplication window (Nats-Msg-Id)' }),
  },
  /** The process role (process/): batching and retries. */
  process: {
    batchSize: setting({ env: 'BATCH_SIZE', default: DEFAULT_BATCH_SIZE, unit: 'entries', parse: p.int(1, 1_000_000), doc: 'entries per insert while the worker keeps up (while an insert runs, the next batch takes what is waiting, up to 5 × BATCH_SIZE)' }),
    flushTimeoutMs: setting({ env: 'FLUSH_TIMEOUT', default: DEFAULT_FLUSH_TIMEOUT_MS, unit: 'ms', parse: p.duration(1, '1ms'), doc: 'longest an entry waits for its batch to fill' }),
    maxRetries: setting({ env: 'MAX_RETRIES', default: DEFAULT_MAX_RETRIES, parse: p.int(0, 100), doc: 'insert retries before the batch goes back to the bus' }),
    retryBaseMs: setting({ env: 'RETRY_BASE', default: DEFAULT_RETRY_BASE_MS, unit: 'ms', parse: p.duration(), doc: 'first backoff, doubled each retry' }),
    patterns: setting({
      env: 'PATTERNS',
      default: 'on' as 'on' | 'off',
      parse: p.oneOf(['on', 'off'] as const),
      doc: 'mine the template of every entry before insert (pattern_id, GET /api/patterns); off stores entries without one',
    }),
    patternThread: setting({
      env: 'PATTERN_THREAD',
      default: 'on' as 'on' | 'off',
      parse: p.oneOf(['on', 'off'] as const),
      doc: 'with PATTERNS=on: mine on a thread of its own (the event loop stays free for requests); off: on the event loop, the same ids (README Performance: the same CPU in all within the noise, more of it on the event loop)',
    }),
  },
  /** The store (store/): ClickHouse, embedded or over HTTP. */
  store: {
    dataDir: setting({ env: 'DATA_DIR', default: './data', parse: p.text, doc: "the embedded store's directory" }),
    clickhouseUrl: optional<string>({
      env: 'CLICKHOUSE_URL',
      aliases: ['CLICKHOUSE_DSN'],
      parse: p.clickhouseUrl,
      roles: ['process', 'query'],
      doc: 'a ClickHouse server over HTTP; unset: the embedded engine',
    }),
    clickhouseDatabase: setting({ env: 'CLICKHOUSE_DATABASE', default: 'oglogstream', parse: p.text, doc: 'database of the logs table' }),
    clickhouseCluster: optional<string>({ env: 'CLICKHOUSE_CLUSTER', parse: p.text, doc: 'cluster name: replicated tables and a distributed table for reads' }),
    retentionDays: setting({ env: 'RETENTION_DAYS', default: 0, unit: 'days', parse: p.int(0, 100_000), doc: 'rows older than this are dropped; 0 keeps them' }),
    queryTimeoutMs: setting({ env: 'QUERY_TIMEOUT', default: DEFAULT_QUERY_TIMEOUT_MS, unit: 'ms', parse: p.duration(), doc: 'longest a query may run (enforced by the engine)' }),
    storeRequestTimeoutMs: setting({
      default: ({ values }) => Math.max((values.queryTimeoutMs as number) + 5_000, 30_000),
      unit: 'ms',
      doc: "HTTP timeout of the store client: past the engine's own query timeout, at least 30 s for inserts",
    }),
  },
  /** The query role (query/, http/web.ts). */
  query: {
    webDir: optional<string>({ env: 'WEB_DIR', parse: p.text, doc: 'the built dashboard to serve at / (default web/dist)' }),
    traceUrlTemplate: optional<string>({
      env: 'TRACE_URL_TEMPLATE',
      parse: p.urlTemplate('trace_id'),
      doc: 'a link from a trace id in the dashboard to a trace UI, {trace_id} replaced (e.g. https://tempo.example/trace/{trace_id}); none by default',
    }),
  },
  /** Alerting (alerting/): rules, evaluation, notifications. */
  alerting: {
    rulesDir: optional<string>({ env: 'RULES_DIR', parse: p.text, roles: ['query'], doc: 'a folder of rule files (Prometheus / Loki ruler YAML); a bad file stops start-up' }),
    evaluationIntervalMs: setting({ env: 'ALERTING_EVALUATION_INTERVAL', default: DEFAULT_ALERTING_INTERVAL_MS, unit: 'ms', parse: p.duration(1_000, '1s'), doc: 'interval of a rule group that sets none' }),
    alertmanagerUrls: setting<string[]>({ env: 'ALERTMANAGER_URL', default: [], parse: p.list, doc: 'comma-separated Alertmanager base URLs; alerts are posted to each /api/v2/alerts' }),
    alertingConfig: optional<string>({ env: 'ALERTING_CONFIG', parse: p.text, doc: 'YAML file of receivers (webhook, Slack, PagerDuty) and routes' }),
    notifyTimeoutMs: setting({ env: 'ALERTING_NOTIFY_TIMEOUT', default: DEFAULT_NOTIFY_TIMEOUT_MS, unit: 'ms', parse: p.duration(100, '100ms'), doc: 'timeout of one notification request' }),
    alertingLeaseTtlMs: setting({ env: 'ALERTING_LEASE_TTL', default: DEFAULT_ALERTING_LEASE_TTL_MS, unit: 'ms', parse: p.duration(1_000, '1s'), doc: 'distributed mode: the evaluator lease in NATS KV lapses this long after its holder stops renewing' }),
    resendDelayMs: setting({ env: 'ALERTING_RESEND_DELAY', default: DEFAULT_ALERTING_RESEND_DELAY_MS, unit: 'ms', parse: p.duration(1_000, '1s'), doc: 'a firing alert is sent to Alertmanager again this often' }),
    notifyRetryBaseMs: setting({ default: 1_000, unit: 'ms', doc: 'first retry of a failed notification, doubled each attempt' }),
    notifyRetryMaxMs: setting({ default: 30_000, unit: 'ms', doc: 'longest wait between two attempts of one notification' }),
    notifyGiveUpMs: setting({ default: 24 * 3_600_000, unit: 'ms', doc: 'a notification still failing this long after it was due is given up' }),
    externalUrl: setting({ env: 'EXTERNAL_URL', default: '', parse: p.text, doc: "the dashboard's public URL, for links in notifications (generatorURL)" }),
  },
  /** The live tail (live/). */
  live: {
    liveBufferBytes: setting({ env: 'LIVE_BUFFER_BYTES', default: DEFAULT_LIVE_BUFFER_BYTES, unit: 'bytes', parse: p.bytes, doc: 'unsent bytes a client may fall behind before it is dropped' }),
    liveMaxClients: setting({ env: 'LIVE_MAX_CLIENTS', default: DEFAULT_LIVE_MAX_CLIENTS, unit: 'clients', parse: p.int(1, 1_000_000), doc: 'live-tail WebSocket clients at most per process' }),
    liveMaxPayloadBytes: setting({ default: DEFAULT_LIVE_MAX_PAYLOAD_BYTES, unit: 'bytes', doc: 'largest WebSocket message a client may send' }),
    livePendingBytes: setting({ default: DEFAULT_LIVE_PENDING_BYTES, unit: 'bytes', doc: 'entries waiting for the live fan-out at most; beyond, new entries skip the live tail' }),
  },
  /** The syslog listeners (ingest/syslog). */
  syslog: {
    syslogTcpPort: optional<number>({ env: 'SYSLOG_TCP_PORT', parse: p.port, doc: 'syslog over TCP; off unless set' }),
    syslogUdpPort: optional<number>({ env: 'SYSLOG_UDP_PORT', parse: p.port, doc: 'syslog over UDP; off unless set' }),
    syslogIdleTimeoutMs: setting({ env: 'SYSLOG_IDLE_TIMEOUT', default: DEFAULT_SYSLOG_IDLE_TIMEOUT_MS, unit: 'ms', parse: p.duration(1, '1ms'), doc: 'a TCP connection silent this long is closed' }),
    syslogMaxConnections: setting({ env: 'SYSLOG_MAX_CONNECTIONS', default: DEFAULT_SYSLOG_MAX_CONNECTIONS, unit: 'connections', parse: p.int(1, 1_000_000), doc: 'TCP connections at most' }),
    syslogMaxConnectionsPerIp: setting({ env: 'SYSLOG_MAX_CONNECTIONS_PER_IP', default: DEFAULT_SYSLOG_MAX_CONNECTIONS_PER_IP, unit: 'connections', parse: p.int(1, 1_000_000), doc: 'TCP connections at most from one address' }),
  },
} as const

export type Settings = typeof SETTINGS
export type SectionName = keyof Settings
