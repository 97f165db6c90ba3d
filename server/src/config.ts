/**
 * Configuration from the environment (SPEC §6): one schema with every default in one place,
 * validated once at start-up, then frozen. An invalid value stops start-up naming the variable.
 */

export const DEFAULT_HTTP_PORT = 8080
export const DEFAULT_QUERY_PORT = 8081 // a query-only process, so ingest and query can share a host
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000 // 30 s
export const DEFAULT_BATCH_SIZE = 10_000 // entries per insert at most (ClickHouse favours inserts of 10k+ rows)
export const DEFAULT_FLUSH_TIMEOUT_MS = 2_000 // 2 s maximum hold
export const DEFAULT_MAX_RETRIES = 3
export const DEFAULT_RETRY_BASE_MS = 200 // 200 ms, doubled each retry
export const DEFAULT_MAX_BATCH_BYTES = 10 * 1024 * 1024 // 10 MiB
export const DEFAULT_MAX_QUEUE_ENTRIES = 1_000_000 // embedded in-process queue bound
export const DEFAULT_WAL_MAX_BYTES = 1024 ** 3 // 1 GiB of write-ahead log (embedded bus), then 429
export const DEFAULT_MIN_FREE_DISK_BYTES = 512 * 1024 ** 2 // 512 MiB free on DATA_DIR, else 503
export const DEFAULT_RATE_LIMIT_MAX = 10_000 // requests per window per client IP
export const DEFAULT_RATE_LIMIT_WINDOW_MS = 1_000 // 1 s
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000 // 30 s
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000 // 10 s
export const DEFAULT_COMMIT_DELAY_MS = 2 // group-commit window at ingest
export const DEFAULT_LIVE_BUFFER_BYTES = 1024 * 1024 // 1 MiB unsent per WebSocket client, then drop
// JetStream (distributed mode). The ack wait must outlast the longest gap between two working()
// calls of a worker: FLUSH_TIMEOUT + one insert attempt (HTTP request timeout, 30 s) + a backoff.
export const DEFAULT_NATS_ACK_WAIT_MS = 60_000 // 60 s
export const DEFAULT_NATS_MAX_BYTES = 1024 ** 3 // 1 GiB of stream backlog, then 429
export const DEFAULT_NATS_MAX_ACK_PENDING = 4_096 // messages handed out and not yet acked, all workers together
export const DEFAULT_NATS_DUPLICATE_WINDOW_MS = 120_000 // 2 min of Nats-Msg-Id dedup

export const ROLES = ['ingest', 'process', 'query'] as const
export type Role = (typeof ROLES)[number]

export interface Config {
  roles: ReadonlySet<Role>
  host: string
  httpPort: number
  logLevel: string
  shutdownTimeoutMs: number
  natsUrl: string | undefined
  natsStream: string
  natsReplicas: number
  natsAckWaitMs: number
  natsMaxBytes: number
  natsMaxAckPending: number
  natsDuplicateWindowMs: number
  clickhouseUrl: string | undefined
  clickhouseDatabase: string
  clickhouseCluster: string | undefined
  dataDir: string
  batchSize: number
  flushTimeoutMs: number
  maxRetries: number
  retryBaseMs: number
  retentionDays: number
  maxBatchBytes: number
  maxQueueEntries: number
  /** Write-ahead log of the embedded bus: fdatasync before each 202 ('always') or every N ms. */
  walSync: 'always' | number
  walMaxBytes: number
  minFreeDiskBytes: number
  commitDelayMs: number
  syslogTcpPort: number | undefined
  syslogUdpPort: number | undefined
  corsOrigins: string[] | '*'
  rateLimitMax: number
  rateLimitWindowMs: number
  requestTimeoutMs: number
  queryTimeoutMs: number
  apiKeysIngest: string[]
  apiKeysQuery: string[]
  liveBufferBytes: number
  webDir: string | undefined
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`)
    this.name = 'ConfigError'
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** Parses `500ms`, `2s`, `1m`, `1h` (also `1.5s`) into milliseconds. */
export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw.trim())
  if (!m) throw new ConfigError(name, `'${raw}' is not a duration; use a number with a unit: 500ms, 2s, 1m, 1h`)
  return Math.round(Number(m[1]) * (DURATION_UNITS[m[2] as string] as number))
}

function parseIntVar(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `'${raw}' is not a whole number`)
  const n = Number(raw)
  if (n < min || n > max) throw new ConfigError(name, `${n} is out of range; allowed ${min}..${max}`)
  return n
}

function parseBytes(name: string, raw: string): number {
  const m = /^(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(raw.trim())
  if (!m) throw new ConfigError(name, `'${raw}' is not a size; use bytes or a unit: 512KiB, 10MiB`)
  const unit = (m[2] ?? 'b').toLowerCase()
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1
  return Number(m[1]) * mult
}

function walSync(raw: string | undefined): 'always' | number {
  if (raw === undefined || raw.trim().toLowerCase() === 'always') return 'always'
  const ms = parseDuration('WAL_SYNC', raw.trim())
  if (ms < 1) throw new ConfigError('WAL_SYNC', 'must be always or an interval of at least 1ms')
  return ms
}

export function parseRoles(raw: string): Set<Role> {
  const roles = new Set<Role>()
  for (const part of raw.split(',').map((s) => s.trim().toLowerCase())) {
    if (part === 'all') ROLES.forEach((r) => roles.add(r))
    else if ((ROLES as readonly string[]).includes(part)) roles.add(part as Role)
    else throw new ConfigError('role', `unknown role '${part}'; use all, ingest, process, query or a comma list such as process,query`)
  }
  if (roles.size === 0) throw new ConfigError('role', 'no role given; use all, ingest, process, query or a comma list')
  return roles
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** Maps CLICKHOUSE_URL / CLICKHOUSE_DSN onto an HTTP URL; a native-protocol DSN is refused with the port to use. */
function clickhouseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const name = env.CLICKHOUSE_URL ? 'CLICKHOUSE_URL' : 'CLICKHOUSE_DSN'
  const raw = env.CLICKHOUSE_URL || env.CLICKHOUSE_DSN
  if (!raw) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(name, `'${raw}' is not a URL; expected e.g. http://localhost:8123`)
  }
  if (url.protocol === 'clickhouse:' || url.protocol === 'tcp:' || url.port === '9000' || url.port === '9440') {
    throw new ConfigError(
      name,
      `'${raw}' uses ClickHouse's native protocol, which this client does not speak; use the HTTP interface, e.g. http://${url.hostname || 'localhost'}:8123`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `unsupported scheme '${url.protocol}'; use http:// or https:// (port 8123 or 8443)`)
  }
  return raw
}

export function loadConfig(rolesArg: string, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const roles = parseRoles(rolesArg)
  const get = (name: string) => {
    const v = env[name]
    return v === undefined || v.trim() === '' ? undefined : v
  }
  const int = (name: string, def: number, min: number, max: number) => {
    const v = get(name)
    return v === undefined ? def : parseIntVar(name, v, min, max)
  }
  const dur = (name: string, def: number) => {
    const v = get(name)
    return v === undefined ? def : parseDuration(name, v)
  }
  const optPort = (name: string) => {
    const v = get(name)
    return v === undefined ? undefined : parseIntVar(name, v, 0, 65535)
  }

  const logLevel = (get('LOG_LEVEL') ?? 'info').toLowerCase()
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `'${logLevel}' is not one of trace, debug, info, warn, error, fatal, silent`)
  }
  const queryOnly = roles.size === 1 && roles.has('query')
  const natsUrl = get('NATS_URL')
  if (natsUrl && !/^(nats|tls|ws|wss):\/\//.test(natsUrl.split(',')[0] ?? '')) {
    throw new ConfigError('NATS_URL', `'${natsUrl}' is not a NATS URL; expected e.g. nats://localhost:4222`)
  }
  if (!natsUrl && !(roles.has('ingest') && roles.has('process') && roles.has('query'))) {
    throw new ConfigError('NATS_URL', `is required when a process runs only some roles (${[...roles].join(',')}); the roles meet over NATS JetStream`)
  }
  const cors = get('CORS_ORIGINS') ?? '*'
  const maxBatchBytes = get('MAX_BATCH_BYTES')
  const storeRoles = roles.has('process') || roles.has('query')

  const config: Config = {
    roles,
    host: get('HOST') ?? '0.0.0.0',
    httpPort: int('HTTP_PORT', queryOnly ? DEFAULT_QUERY_PORT : DEFAULT_HTTP_PORT, 0, 65535),
    logLevel,
    shutdownTimeoutMs: dur('SHUTDOWN_TIMEOUT', DEFAULT_SHUTDOWN_TIMEOUT_MS),
    natsUrl,
    natsStream: get('NATS_STREAM') ?? 'LOGS',
    natsReplicas: int('NATS_REPLICAS', 1, 1, 5),
    natsAckWaitMs: dur('NATS_ACK_WAIT', DEFAULT_NATS_ACK_WAIT_MS),
    natsMaxBytes: get('NATS_MAX_BYTES') ? parseBytes('NATS_MAX_BYTES', get('NATS_MAX_BYTES') as string) : DEFAULT_NATS_MAX_BYTES,
    natsMaxAckPending: int('NATS_MAX_ACK_PENDING', DEFAULT_NATS_MAX_ACK_PENDING, 1, 1_000_000),
    natsDuplicateWindowMs: dur('NATS_DUPLICATE_WINDOW', DEFAULT_NATS_DUPLICATE_WINDOW_MS),
    clickhouseUrl: storeRoles ? clickhouseUrl(env) : undefined,
    clickhouseDatabase: get('CLICKHOUSE_DATABASE') ?? 'oglogstream',
    clickhouseCluster: get('CLICKHOUSE_CLUSTER'),
    dataDir: get('DATA_DIR') ?? './data',
    batchSize: int('BATCH_SIZE', DEFAULT_BATCH_SIZE, 1, 1_000_000),
    flushTimeoutMs: dur('FLUSH_TIMEOUT', DEFAULT_FLUSH_TIMEOUT_MS),
    maxRetries: int('MAX_RETRIES', DEFAULT_MAX_RETRIES, 0, 100),
    retryBaseMs: dur('RETRY_BASE', DEFAULT_RETRY_BASE_MS),
    retentionDays: int('RETENTION_DAYS', 0, 0, 100_000),
    maxBatchBytes: maxBatchBytes === undefined ? DEFAULT_MAX_BATCH_BYTES : parseBytes('MAX_BATCH_BYTES', maxBatchBytes),
    maxQueueEntries: int('MAX_QUEUE_ENTRIES', DEFAULT_MAX_QUEUE_ENTRIES, 1, 100_000_000),
    walSync: walSync(get('WAL_SYNC')),
    walMaxBytes: get('WAL_MAX_BYTES') ? parseBytes('WAL_MAX_BYTES', get('WAL_MAX_BYTES') as string) : DEFAULT_WAL_MAX_BYTES,
    minFreeDiskBytes: get('MIN_FREE_DISK') ? parseBytes('MIN_FREE_DISK', get('MIN_FREE_DISK') as string) : DEFAULT_MIN_FREE_DISK_BYTES,
    commitDelayMs: dur('COMMIT_DELAY', DEFAULT_COMMIT_DELAY_MS),
    syslogTcpPort: optPort('SYSLOG_TCP_PORT'),
    syslogUdpPort: optPort('SYSLOG_UDP_PORT'),
    corsOrigins: cors === '*' ? '*' : list(cors),
    rateLimitMax: int('RATE_LIMIT_MAX', DEFAULT_RATE_LIMIT_MAX, 0, 100_000_000),
    rateLimitWindowMs: dur('RATE_LIMIT_WINDOW', DEFAULT_RATE_LIMIT_WINDOW_MS),
    requestTimeoutMs: dur('REQUEST_TIMEOUT', DEFAULT_REQUEST_TIMEOUT_MS),
    queryTimeoutMs: dur('QUERY_TIMEOUT', DEFAULT_QUERY_TIMEOUT_MS),
    apiKeysIngest: list(get('API_KEYS_INGEST')),
    apiKeysQuery: list(get('API_KEYS_QUERY')),
    liveBufferBytes: get('LIVE_BUFFER_BYTES') ? parseBytes('LIVE_BUFFER_BYTES', get('LIVE_BUFFER_BYTES') as string) : DEFAULT_LIVE_BUFFER_BYTES,
    webDir: get('WEB_DIR'),
  }
  if (config.flushTimeoutMs < 1) throw new ConfigError('FLUSH_TIMEOUT', 'must be at least 1ms')
  if (config.natsAckWaitMs < 1_000) throw new ConfigError('NATS_ACK_WAIT', 'must be at least 1s')
  return Object.freeze(config)
}
