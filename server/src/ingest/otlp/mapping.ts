/**
 * OTLP log record -> entry: the one mapping of `POST /v1/logs` (table in README.md beside this file),
 * for both encodings. The decoded protobuf message and the OTLP/JSON object share field names; they
 * differ in value types (64-bit integers as Long objects vs decimal strings, ids as bytes vs hex
 * strings), which the readers below accept both of.
 */
import type { RejectReason } from '../../errors.js'
import { AttributeBag, fromEpochNanos, normalize, parseLevelLenient, safeJson, type Entry, type Level } from '../../model/index.js'

/** The OpenTelemetry SDKs' own default when no service.name is configured. */
export const DEFAULT_SERVICE = 'unknown_service'

export interface MapResult {
  entries: Entry[]
  rejected: { reason: RejectReason; error: string }[]
}

/**
 * Maps every log record of an ExportLogsServiceRequest. Never throws on any input; `count` is told
 * of each entry as it is produced (and may throw to stop the mapping: the request's byte budget).
 */
export function mapRequest(req: unknown, receivedAt: string, count?: (e: Entry) => void): MapResult {
  const out: MapResult = { entries: [], rejected: [] }
  if (!isObject(req)) {
    out.rejected.push({ reason: 'malformed_request', error: 'the body must be an ExportLogsServiceRequest object' })
    return out
  }
  for (const rl of list(req.resourceLogs)) {
    const resource = isObject(rl.resource) ? rl.resource : {}
    const resAttrs = keyValues(resource.attributes)
    const serviceName = resAttrs.get('service.name')
    const service = typeof serviceName === 'string' && serviceName !== '' ? serviceName : DEFAULT_SERVICE
    for (const sl of list(rl.scopeLogs)) {
      const scope = isObject(sl.scope) ? sl.scope : {}
      const scopeAttrs = keyValues(scope.attributes)
      for (const rec of list(sl.logRecords)) {
        const attrs = new AttributeBag()
        // Record attributes first: on a clash the most specific value wins.
        for (const [k, v] of keyValues(rec.attributes)) attrs.add(k, v)
        const eventName = str(rec.eventName)
        if (eventName) attrs.add('event.name', eventName)
        if (str(scope.name)) attrs.add('otel.scope.name', scope.name)
        if (str(scope.version)) attrs.add('otel.scope.version', scope.version)
        for (const [k, v] of scopeAttrs) attrs.add(k, v)
        for (const [k, v] of resAttrs) if (k !== 'service.name') attrs.add(k, v)

        const time = nanos(rec.timeUnixNano) || nanos(rec.observedTimeUnixNano)
        let timestamp: string | undefined
        if (time) {
          timestamp = fromEpochNanos(time)
          if (!timestamp) {
            out.rejected.push({ reason: 'invalid_timestamp', error: `timeUnixNano ${time} is outside the years 1970..2261` })
            continue
          }
        }
        const body = anyValue(rec.body)
        let message: unknown = body === undefined ? undefined : typeof body === 'string' ? body : safeJson(body)
        if ((message === undefined || message === '') && eventName) message = eventName
        const v = normalize(
          {
            level: level(rec.severityNumber, rec.severityText),
            message: message ?? '',
            service,
            timestamp,
            attributes: attrs.map,
            trace_id: id(rec.traceId),
            span_id: id(rec.spanId),
          },
          receivedAt,
        )
        if (v.ok) {
          count?.(v.entry)
          out.entries.push(v.entry)
        } else out.rejected.push({ reason: v.reason, error: v.error })
      }
    }
  }
  return out
}

/**
 * SeverityNumber ranges of the logs data model: 1-4 TRACE and 5-8 DEBUG -> debug, 9-12 INFO,
 * 13-16 WARN, 17-20 ERROR, 21-24 FATAL; unset (0) -> severityText through the lenient mapper.
 */
export function level(num: unknown, text: unknown): Level {
  let n = typeof num === 'number' ? num : typeof num === 'string' ? (SEVERITY_NAMES[num] ?? Number(num)) : 0
  if (!Number.isFinite(n)) n = 0
  if (n >= 1 && n <= 24) return n <= 8 ? 'debug' : n <= 12 ? 'info' : n <= 16 ? 'warn' : n <= 20 ? 'error' : 'fatal'
  return parseLevelLenient(text)
}

/** OTLP/JSON may spell the enum by name (`"SEVERITY_NUMBER_WARN"`). */
const SEVERITY_NAMES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 }
;['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, i) => {
  SEVERITY_NAMES[`SEVERITY_NUMBER_${name}`] = i * 4 + 1
  for (let k = 2; k <= 4; k++) SEVERITY_NAMES[`SEVERITY_NUMBER_${name}${k}`] = i * 4 + k
})

/** An AnyValue as plain data: string, number, boolean, array, object, or base64 for bytes. */
export function anyValue(v: unknown, depth = 0): unknown {
  if (!isObject(v) || depth > 16) return undefined
  if (has(v, 'stringValue')) return str(v.stringValue) ?? ''
  if (has(v, 'boolValue')) return v.boolValue === true || v.boolValue === 'true'
  if (has(v, 'intValue')) {
    // a number where JSON can hold it exactly, else its decimal text
    const text = int64Text(v.intValue)
    const n = Number(text)
    return Number.isSafeInteger(n) ? n : text
  }
  if (has(v, 'doubleValue')) return typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue)
  if (has(v, 'bytesValue'))
    return typeof v.bytesValue === 'string'
      ? v.bytesValue
      : v.bytesValue instanceof Uint8Array
        ? Buffer.from(v.bytesValue).toString('base64')
        : ''
  if (has(v, 'arrayValue')) return isObject(v.arrayValue) ? list(v.arrayValue.values, true).map((x) => anyValue(x, depth + 1) ?? null) : []
  if (has(v, 'kvlistValue')) {
    const o: Record<string, unknown> = {}
    if (isObject(v.kvlistValue)) for (const [k, x] of keyValues(v.kvlistValue.values, depth + 1)) o[k] = x
    return o
  }
  return undefined
}

function keyValues(kvs: unknown, depth = 0): Map<string, unknown> {
  const m = new Map<string, unknown>()
  for (const kv of list(kvs)) {
    const key = str(kv.key)
    if (!key) continue
    const v = anyValue(kv.value, depth)
    if (v !== undefined && !m.has(key)) m.set(key, v)
  }
  return m
}

/** int64 as text: a number, a decimal string (OTLP/JSON) or a protobufjs Long. */
function int64Text(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.trunc(v)) : '0'
  if (typeof v === 'string') return /^-?\d{1,20}$/.test(v) ? v : '0'
  if (isObject(v) && typeof v.low === 'number' && typeof v.high === 'number') return String(v)
  return '0'
}

/** A fixed64 nanosecond time as bigint; 0n when absent or unreadable. */
export function nanos(v: unknown): bigint {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? BigInt(Math.trunc(v)) : 0n
  if (typeof v === 'string') return /^\d{1,20}$/.test(v) ? BigInt(v) : 0n
  if (isObject(v) && typeof v.low === 'number' && typeof v.high === 'number') {
    // protobufjs Long: assemble unsigned from the two 32-bit halves
    return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0)
  }
  return 0n
}

/** Trace and span ids: bytes (protobuf) or hex (OTLP/JSON) -> lower-case hex; all-zero -> none. */
export function id(v: unknown): string | undefined {
  let hex: string
  if (v instanceof Uint8Array) hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')
  else if (typeof v === 'string')
    hex = /^[A-Za-z0-9+/]{22}==$|^[A-Za-z0-9+/]{11}=$/.test(v) ? Buffer.from(v, 'base64').toString('hex') : v.toLowerCase()
  else return undefined
  return hex === '' || /^0+$/.test(hex) ? undefined : hex
}

function list(v: unknown, any = false): Record<string, unknown>[] {
  if (!Array.isArray(v)) return []
  return any ? (v as Record<string, unknown>[]) : (v.filter(isObject) as Record<string, unknown>[])
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function has(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
