/**
 * Elasticsearch document -> entry: the one mapping of the `/es` bulk API (table in README.md beside
 * this file). Documents come in two common shapes, ECS (Filebeat, Elastic agents, ecs-logging
 * libraries: `@timestamp`, `message`, `log.level`, `service.name`) and plain JSON loggers (pino,
 * winston, Fluent Bit records: `time`, `msg`, `level`, `app`); both are read through one flattened
 * view, so `{"log":{"level":"warn"}}` and `{"log.level":"warn"}` are the same document.
 */
import { AttributeBag, fromEpochNanos, normalize, parseLevelLenient, type Level, type Validated } from '../../model/index.js'

/** Candidate fields, first present wins. Dotted names match nested objects too. */
export const FIELDS = {
  timestamp: ['@timestamp', 'timestamp', 'time', 'ts'],
  message: ['message', 'msg', 'log', 'event.original'],
  level: ['log.level', 'level', 'severity', 'severity_text', 'loglevel', 'lvl', 'levelname'],
  service: ['service.name', 'service', 'app', 'application', 'logger', 'logger_name'],
  trace_id: ['trace.id', 'trace_id', 'traceId', 'traceID'],
  span_id: ['span.id', 'span_id', 'spanId', 'spanID'],
} as const

/** Used when neither the document nor the index names a service. */
export const DEFAULT_SERVICE = 'elasticsearch'

/** A nested object of this depth or more is kept as JSON text rather than walked further. */
const MAX_DEPTH = 8

/**
 * Maps one bulk document onto an entry. `index` is the action's `_index` (or the URL's), used as
 * the service when the document names none. Never throws: a bad document is a rejection.
 */
export function mapDocument(doc: unknown, index: string | undefined, receivedAt: string): Validated {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, reason: 'not_an_object', error: 'document must be a JSON object' }
  }
  const flat = new Map<string, unknown>()
  flatten(flat, '', doc as Record<string, unknown>, 0)

  const used = new Set<string>()
  const pick = (names: readonly string[]): unknown => {
    for (const name of names) {
      const v = flat.get(name)
      if (v !== undefined && v !== null && v !== '') {
        used.add(name)
        return v
      }
    }
    return undefined
  }

  const message = pick(FIELDS.message)
  if (message === undefined) {
    return { ok: false, reason: 'missing_field', error: `document has no message field (one of ${FIELDS.message.join(', ')})` }
  }
  const rawTime = pick(FIELDS.timestamp)
  const timestamp = toTimestamp(rawTime)
  if (timestamp === null) {
    return { ok: false, reason: 'invalid_timestamp', error: `timestamp ${clip(String(rawTime))} is neither RFC 3339 nor an epoch number` }
  }
  const level = toLevel(pick(FIELDS.level))
  const service = scalarText(pick(FIELDS.service)) ?? serviceFromIndex(index) ?? DEFAULT_SERVICE
  const trace = scalarText(pick(FIELDS.trace_id))
  const span = scalarText(pick(FIELDS.span_id))

  const attrs = new AttributeBag()
  for (const [key, value] of flat) if (!used.has(key)) attrs.add(key, value)
  return normalize(
    {
      level,
      message: typeof message === 'string' ? message : JSON.stringify(message),
      service,
      timestamp,
      attributes: attrs.map,
      trace_id: trace,
      span_id: span,
    },
    receivedAt,
  )
}

/** Leaves (strings, numbers, booleans, arrays) under their dotted path. */
function flatten(out: Map<string, unknown>, prefix: string, obj: Record<string, unknown>, depth: number): void {
  for (const key of Object.keys(obj)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    const v = obj[key]
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH)
      flatten(out, path, v as Record<string, unknown>, depth + 1)
    else if (!out.has(path)) out.set(path, v)
  }
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return undefined
}

/**
 * Numbers are levels of pino/bunyan (10 trace .. 60 fatal) or, below 10, syslog severities
 * (0 emerg .. 7 debug); strings go through the lenient mapper (`WARNING`, `err`, `CRITICAL`).
 */
export function toLevel(v: unknown): Level {
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (v >= 10) return v >= 60 ? 'fatal' : v >= 50 ? 'error' : v >= 40 ? 'warn' : v >= 30 ? 'info' : 'debug'
    return v <= 2 ? 'fatal' : v === 3 ? 'error' : v === 4 ? 'warn' : v <= 6 ? 'info' : 'debug'
  }
  return parseLevelLenient(v)
}

/**
 * RFC 3339 text passes through (validated by the model); epoch numbers, or digit strings, are read
 * by magnitude: seconds, milliseconds, microseconds or nanoseconds. `null` means unreadable.
 */
export function toTimestamp(v: unknown): string | undefined | null {
  if (v === undefined) return undefined
  if (typeof v === 'string' && !/^\d+(\.\d+)?$/.test(v)) return v
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN
  if (!Number.isFinite(n) || n < 0) return null
  let nanos: bigint
  if (typeof v === 'string' && /^\d{19}$/.test(v)) nanos = BigInt(v)
  else if (n < 1e11) nanos = BigInt(Math.round(n * 1e6)) * 1000n
  else if (n < 1e14) nanos = BigInt(Math.round(n * 1e3)) * 1000n
  else if (n < 1e17) nanos = BigInt(Math.round(n)) * 1000n
  else nanos = BigInt(Math.round(n))
  return fromEpochNanos(nanos) ?? null
}

/**
 * `logs-nginx.access-default` (a data stream) -> `nginx.access`; `filebeat-8.17.0-2025.01.01` or
 * `logstash-2025.01.01` (daily indices) -> without the date; anything else as it is.
 */
export function serviceFromIndex(index: string | undefined): string | undefined {
  if (!index) return undefined
  const ds = /^logs-(.+)-[^-]+$/.exec(index)
  if (ds) return ds[1]
  const name = index.replace(/-\d{4}[.-]\d{2}(?:[.-]\d{2})?$/, '')
  return name === '' ? undefined : name
}

function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}…` : s
}
