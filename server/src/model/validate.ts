/**
 * The one place where the entry rules of SPEC §3 live. Every protocol ends here: the strict
 * seed contract for `POST /log` and `POST /logs`, and `normalize()` for shipper protocols, which
 * have already mapped their own fields onto ours.
 */
import type { RejectReason } from '../errors.js'
import { LIMITS, type Entry } from './entry.js'
import { parseLevelStrict, LEVELS, type Level } from './levels.js'
import { nowTimestamp, parseTimestamp } from './time.js'
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '../config/settings.js'

export const ALLOWED_FIELDS = ['level', 'message', 'service', 'timestamp', 'attributes', 'trace_id', 'span_id'] as const
const ALLOWED = new Set<string>(ALLOWED_FIELDS)


/** Process-wide policy of the entry rules, set once at start-up from the configuration. */
const policy = { maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS }

/** Sets the entry rules that come from the configuration (call once at start-up). */
export function configureValidation(opts: { maxFutureSkewMs?: number }): void {
  if (opts.maxFutureSkewMs !== undefined) policy.maxFutureSkewMs = opts.maxFutureSkewMs
  boundAt = NaN // the bound of the old skew is not used again
}

export class EntryError extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message)
  }
}

/** `field`: the unknown field, for LOG_ERR_UNKNOWN_FIELD. */
export type Validated = { ok: true; entry: Entry } | { ok: false; reason: RejectReason; error: string; field?: string }

const fail = (reason: RejectReason, error: string, field?: string): Validated => ({ ok: false, reason, error, field })

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Validates one entry of the seed contract (strict: unknown fields are refused). */
export function validateEntry(input: unknown, receivedAt?: string): Validated {
  if (!isPlainObject(input)) return fail('not_an_object', 'entry must be a JSON object')
  for (const key of Object.keys(input)) {
    if (!ALLOWED.has(key)) {
      return fail('unknown_field', `unknown field '${key}'; allowed fields: ${ALLOWED_FIELDS.join(', ')}`, key)
    }
  }
  const { level, message, service, timestamp } = input

  if (level === undefined || level === null) return fail('missing_field', `level is required: one of ${LEVELS.join(', ')}`)
  if (typeof level !== 'string') return fail('invalid_type', 'level must be a string')
  const lvl = parseLevelStrict(level)
  if (!lvl) return fail('invalid_level', `level must be one of ${LEVELS.join(', ')} (case-insensitive); got '${clip(level)}'`)

  if (timestamp !== undefined && timestamp !== null && typeof timestamp !== 'string') {
    return fail('invalid_type', 'timestamp must be a string in RFC 3339 format, e.g. 2025-01-01T12:00:00Z')
  }
  // The fields as arguments, not an object of them: one allocation less an entry.
  return check(lvl, message, service, typeof timestamp === 'string' ? timestamp : undefined, input.attributes, input.trace_id, input.span_id, receivedAt)
}

export interface EntryFields {
  level: Level
  message: unknown
  service: unknown
  /** RFC 3339 string, or already canonical; absent -> receive time. */
  timestamp?: string | undefined
  attributes?: unknown
  trace_id?: unknown
  span_id?: unknown
}

/** Checks the fields every protocol shares and builds the pipeline entry. */
export function normalize(f: EntryFields, receivedAt?: string): Validated {
  return check(f.level, f.message, f.service, f.timestamp, f.attributes, f.trace_id, f.span_id, receivedAt)
}

function check(
  level: Level,
  message: unknown,
  service: unknown,
  timestamp: string | undefined,
  rawAttributes: unknown,
  traceId: unknown,
  spanId: unknown,
  receivedAt: string | undefined,
): Validated {
  if (message === undefined || message === null) return fail('missing_field', 'message is required')
  if (typeof message !== 'string') return fail('invalid_type', 'message must be a string')
  if (message.length === 0) return fail('empty_message', 'message must not be empty')
  // Fast path: a string of n UTF-16 units is at most 3n UTF-8 bytes.
  if (message.length * 3 > LIMITS.MESSAGE_BYTES) {
    const bytes = Buffer.byteLength(message, 'utf8')
    if (bytes > LIMITS.MESSAGE_BYTES) {
      return fail('message_too_long', `message is ${bytes} bytes; the limit is ${LIMITS.MESSAGE_BYTES} bytes (10 KiB) of UTF-8`)
    }
  }

  if (service === undefined || service === null) return fail('missing_field', 'service is required')
  if (typeof service !== 'string') return fail('invalid_type', 'service must be a string')
  if (service.trim().length === 0) return fail('empty_service', 'service must not be empty')
  if (service.length > LIMITS.SERVICE_CHARS) {
    const chars = [...service].length
    if (chars > LIMITS.SERVICE_CHARS) {
      return fail('service_too_long', `service is ${chars} characters; the limit is ${LIMITS.SERVICE_CHARS} characters`)
    }
  }

  let ts: string
  if (timestamp === undefined || timestamp === '') ts = receivedAt ?? nowTimestamp()
  else {
    const parsed = parseTimestamp(timestamp)
    if (!parsed) {
      return fail(
        'invalid_timestamp',
        `timestamp '${clip(timestamp)}' is not RFC 3339 (e.g. 2025-01-01T12:00:00.123Z) between years 1970 and 2261`,
      )
    }
    ts = parsed
    // A far-future entry would be a partition of its own for years, and hides every later one under
    // "newest first": refuse it at ingest rather than at insert (issue 11).
    // Against this server's clock (not `receivedAt`, which a caller may set to anything). Canonical
    // timestamps sort as text: one under the bound's text is not in the future, with no Date.parse.
    if (ts > futureBound() && Date.parse(`${ts.slice(0, 23)}Z`) - Date.now() > policy.maxFutureSkewMs) {
      return fail(
        'timestamp_in_future',
        `timestamp '${clip(timestamp)}' is more than ${formatSkew(policy.maxFutureSkewMs)} in the future (MAX_FUTURE_SKEW)`,
      )
    }
  }

  const attributes = normalizeAttributes(rawAttributes)
  if (typeof attributes === 'string') return fail('invalid_attributes', attributes)

  const trace = optionalId(traceId, LIMITS.TRACE_ID_CHARS)
  if (trace === undefined) return fail('invalid_trace_id', idError('trace_id', traceId, LIMITS.TRACE_ID_CHARS))
  const span = optionalId(spanId, LIMITS.SPAN_ID_CHARS)
  if (span === undefined) return fail('invalid_span_id', idError('span_id', spanId, LIMITS.SPAN_ID_CHARS))

  return {
    ok: true,
    entry: { timestamp: ts, level, service, message, attributes, trace_id: trace, span_id: span },
  }
}

/** `Date.now()` of the last `futureBound`, and its bound. */
let boundAt = NaN
let bound = ''

/**
 * The text of `Date.now() + MAX_FUTURE_SKEW` (to the millisecond): a canonical timestamp that sorts at
 * or under it is not in the future (one that sorts after it is checked exactly). A bound past year 9999
 * is written with a sign, which sorts under every canonical timestamp: all are then checked exactly.
 */
function futureBound(): string {
  const now = Date.now()
  if (now !== boundAt) {
    boundAt = now
    const at = new Date(now + policy.maxFutureSkewMs)
    bound = Number.isNaN(at.getTime()) ? '' : at.toISOString().slice(0, 23)
  }
  return bound
}

/** Flat object of string/number/boolean values -> string map, or an error message. */
export function normalizeAttributes(raw: unknown): Record<string, string> | string {
  if (raw === undefined || raw === null) return {}
  if (!isPlainObject(raw)) return 'attributes must be a flat JSON object of string, number or boolean values'
  const out: Record<string, string> = {}
  let n = 0
  for (const key in raw) {
    if (++n > LIMITS.ATTRIBUTES) return `attributes has more than ${LIMITS.ATTRIBUTES} keys`
    if (key.length === 0) return 'attributes: keys must not be empty'
    if (key.length > LIMITS.ATTRIBUTE_KEY_CHARS) return `attributes: key '${clip(key)}' is longer than ${LIMITS.ATTRIBUTE_KEY_CHARS} characters`
    const v = raw[key]
    let s: string
    if (typeof v === 'string') s = v
    else if (typeof v === 'number' && Number.isFinite(v)) s = String(v)
    else if (typeof v === 'boolean') s = v ? 'true' : 'false'
    else return `attributes.${clip(key)} must be a string, number or boolean (nested objects, arrays and null are not allowed)`
    if (s.length * 3 > LIMITS.ATTRIBUTE_VALUE_BYTES && Buffer.byteLength(s) > LIMITS.ATTRIBUTE_VALUE_BYTES) {
      return `attributes.${clip(key)} is longer than ${LIMITS.ATTRIBUTE_VALUE_BYTES} bytes`
    }
    out[key] = s
  }
  return out
}

const ID = /^[0-9A-Za-z_-]+$/

/** An optional trace or span id, lower case ('' when absent); undefined when it is not valid (`idError`). */
function optionalId(raw: unknown, max: number): string | undefined {
  if (raw === undefined || raw === null || raw === '') return ''
  if (typeof raw !== 'string' || raw.length > max || !ID.test(raw)) return undefined
  return raw.toLowerCase()
}

function idError(name: string, raw: unknown, max: number): string {
  if (typeof raw !== 'string') return `${name} must be a string`
  return `${name} must be at most ${max} characters of letters, digits, '-' or '_' (hex for W3C ids)`
}

function formatSkew(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}…` : s
}
