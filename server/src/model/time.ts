/**
 * Timestamps to the nanosecond. Inside the pipeline a timestamp is a canonical string,
 * `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC, always nine fractional digits), so it sorts as text,
 * crosses the bus as JSON without precision loss and maps onto ClickHouse's `DateTime64(9)`.
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/

/** DateTime64(9) covers 1900..2262; we accept the part of it that makes sense for logs. */
const MIN_YEAR = 1970
const MAX_YEAR = 2261

/** Parses RFC 3339 / ISO 8601 (a missing zone means UTC) into the canonical form, or undefined. */
export function parseTimestamp(raw: string): string | undefined {
  return parseUtcZ(raw) ?? parseRfc3339(raw)
}

/** `raw` from `from`, `n` ASCII digits, as a number; -1 when one is not a digit. */
function digitsAt(raw: string, from: number, n: number): number {
  let v = 0
  for (let i = from; i < from + n; i++) {
    const d = raw.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    v = v * 10 + d
  }
  return v
}

/**
 * The usual form (`toISOString`'s, and most shippers'), `YYYY-MM-DDTHH:MM:SS[.f…]Z`, read by position
 * with no regular expression and no match array: the same canonical form as `parseRfc3339` gives it.
 * Undefined for anything else (other separators, an offset, a leap second, a bad field), which
 * `parseRfc3339` then reads or refuses.
 */
function parseUtcZ(raw: string): string | undefined {
  const n = raw.length
  if (n < 20 || raw.charCodeAt(n - 1) !== 90 /* Z */) return undefined
  if (raw.charCodeAt(4) !== 45 || raw.charCodeAt(7) !== 45 || raw.charCodeAt(10) !== 84 || raw.charCodeAt(13) !== 58 || raw.charCodeAt(16) !== 58) return undefined
  const year = digitsAt(raw, 0, 4)
  const month = digitsAt(raw, 5, 2)
  const day = digitsAt(raw, 8, 2)
  const hour = digitsAt(raw, 11, 2)
  const minute = digitsAt(raw, 14, 2)
  const second = digitsAt(raw, 17, 2)
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined
  if (day > daysIn(year, month)) return undefined
  let nanos: string
  if (n === 20) nanos = '000000000'
  else {
    // `.` and at least one digit before the Z
    if (raw.charCodeAt(19) !== 46 || n < 22) return undefined
    const frac = n - 21
    for (let i = 20; i < n - 1; i++) {
      const d = raw.charCodeAt(i) - 48
      if (d < 0 || d > 9) return undefined
    }
    nanos = frac >= 9 ? raw.slice(20, 29) : raw.slice(20, n - 1) + '000000000'.slice(frac)
  }
  return `${raw.slice(0, 19)}.${nanos}Z`
}

function parseRfc3339(raw: string): string | undefined {
  const m = RFC3339.exec(raw)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac = '', , sign, oh, om] = m
  const year = Number(y)
  if (year < MIN_YEAR || year > MAX_YEAR) return undefined
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Math.min(Number(s), 59) // a leap second 60 is held at :59
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || Number(s) > 60) return undefined
  if (day > daysIn(year, month)) return undefined // 2025-02-30
  const nanos = (frac + '000000000').slice(0, 9)
  // In UTC already (the usual case): the canonical form is the parts as they are, with no Date.
  if (!sign) return `${y}-${mo}-${d}T${h}:${mi}:${s === '60' ? '59' : s}.${nanos}Z`
  if (Number(oh) > 23 || Number(om) > 59) return undefined
  const offset = (Number(oh) * 60 + Number(om)) * 60_000
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) + (sign === '+' ? -offset : offset)
  // the offset can carry a time across the year bounds (2261-12-31T23:00-23:59 is in 2262)
  const utcYear = new Date(ms).getUTCFullYear()
  if (utcYear < MIN_YEAR || utcYear > MAX_YEAR) return undefined
  return fromEpoch(ms, nanos)
}

function daysIn(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
}

/** Canonical form of epoch milliseconds plus the nine-digit fraction of the second. */
function fromEpoch(ms: number, nanos9: string): string {
  const iso = new Date(ms).toISOString() // 2025-01-01T12:00:00.000Z
  return `${iso.slice(0, 19)}.${nanos9}Z`
}

/** `YYYY-MM-DDTHH:MM:SS` of the last second `nowTimestamp` formatted (one Date per second, not per call). */
let nowSecond = NaN
let nowPrefix = ''

/** Canonical now, to the millisecond (plus a sub-ms part from the monotonic clock for ordering). */
export function nowTimestamp(): string {
  const ms = Date.now()
  const sub = Math.floor((performance.now() % 1) * 1_000_000)
  const second = Math.floor(ms / 1000)
  if (second !== nowSecond) {
    nowPrefix = new Date(second * 1000).toISOString().slice(0, 19)
    nowSecond = second
  }
  return `${nowPrefix}.${String(ms % 1000).padStart(3, '0')}${String(sub).padStart(6, '0')}Z`
}

/** Canonical form of epoch nanoseconds (bigint or decimal string). */
export function fromEpochNanos(ns: bigint | string): string | undefined {
  const n = typeof ns === 'bigint' ? ns : BigInt(ns)
  const ms = Number(n / 1_000_000n)
  const year = new Date(ms).getUTCFullYear()
  // `!(... && ...)` so that an invalid Date (NaN year, from a huge value) is refused too
  if (!Number.isFinite(ms) || !(year >= MIN_YEAR && year <= MAX_YEAR)) return undefined
  const nanos9 = String(n % 1_000_000_000n).padStart(9, '0')
  return fromEpoch(ms - (ms % 1000), nanos9)
}

export function fromEpochMs(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined
  return fromEpochNanos(BigInt(Math.round(ms * 1_000_000)))
}

/** The canonical form as ClickHouse reads it for a DateTime64(9, 'UTC') column. */
export function toClickHouse(ts: string): string {
  return `${ts.slice(0, 10)} ${ts.slice(11, 29)}`
}

/**
 * The form the API returns: RFC 3339 UTC with milliseconds, and with micro- or nanoseconds only when
 * the entry had them (so `...00.123Z` stays as it was sent, and `...00.123456789Z` keeps its digits).
 */
export function toApi(ts: string): string {
  const frac = ts.slice(20, 29)
  const digits = frac.endsWith('000000') ? 3 : frac.endsWith('000') ? 6 : 9
  return `${ts.slice(0, 20)}${frac.slice(0, digits)}Z`
}

/** A ClickHouse `DateTime64(9)` text value (`2025-01-01 12:00:00.123456789`) to the canonical form. */
export function fromClickHouse(v: string): string {
  const frac = ((v.split('.')[1] ?? '') + '000000000').slice(0, 9)
  return `${v.slice(0, 10)}T${v.slice(11, 19)}.${frac}Z`
}
