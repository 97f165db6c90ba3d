/**
 * Query-string parameters shared by /api/logs, /api/stats, /api/histogram, /api/services,
 * /api/export and /ws/live. Each bad value is a 400 naming the parameter.
 */
import { LEVELS, type Level } from '@oglogstream/shared'
import { Errors } from '../errors.js'
import { fromEpochMs, parseTimestamp } from '../model/index.js'
import type { Conditions, Cursor } from '../store/index.js'
import { compileSearch } from './search/index.js'

export type Query = Record<string, string | string[] | undefined>

export const MAX_LIMIT = 1_000
export const DEFAULT_LIMIT = 100
export const MAX_OFFSET = 100_000
const MAX_LIST = 200

function one(q: Query, name: string): string | undefined {
  const v = q[name]
  const s = Array.isArray(v) ? v[v.length - 1] : v
  return s === undefined || s === '' ? undefined : s
}

function csv(q: Query, name: string): string[] | undefined {
  const v = q[name]
  const parts = (Array.isArray(v) ? v : v ? [v] : []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)
  if (parts.length > MAX_LIST) throw new Errors.BAD_PARAMETER(name, `at most ${MAX_LIST} values`)
  return parts.length ? parts : undefined
}

const RELATIVE = /^now(?:\s*([+-])\s*(\d+)\s*(ms|s|m|h|d|w))?$/i
const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }

/** RFC 3339, epoch milliseconds, or relative to now (`now`, `now-15m`, `now-7d`). */
export function parseTime(name: string, raw: string, now = Date.now()): string {
  const s = raw.trim()
  const rel = RELATIVE.exec(s)
  if (rel) {
    const delta = rel[2] ? Number(rel[2]) * (UNIT_MS[(rel[3] ?? 's').toLowerCase()] ?? 0) : 0
    const t = fromEpochMs(rel[1] === '+' ? now + delta : now - delta)
    if (t) return t
  } else if (/^\d{1,16}$/.test(s)) {
    const t = fromEpochMs(Number(s))
    if (t) return t
  } else {
    const t = parseTimestamp(s)
    if (t) return t
  }
  throw new Errors.BAD_PARAMETER(name, `'${raw.slice(0, 60)}' is not a time; use RFC 3339 (2025-01-01T12:00:00Z), epoch milliseconds, or now-15m / now-1h / now-7d`)
}

export function parseFilter(q: Query, now = Date.now()): Conditions {
  const levels = csv(q, 'level')?.map((l) => {
    const lower = l.toLowerCase()
    if (!(LEVELS as readonly string[]).includes(lower)) throw new Errors.BAD_PARAMETER('level', `'${l.slice(0, 40)}' is not one of ${LEVELS.join(', ')}`)
    return lower as Level
  })
  const services = csv(q, 'service')
  const fromRaw = one(q, 'from')
  const toRaw = one(q, 'to')
  const from = fromRaw ? parseTime('from', fromRaw, now) : undefined
  const to = toRaw ? parseTime('to', toRaw, now) : undefined
  if (from && to && from > to) throw new Errors.BAD_PARAMETER('from', 'must not be after to')
  const qs = one(q, 'q')
  if (qs && qs.length > 4096) throw new Errors.BAD_PARAMETER('q', 'is longer than 4096 characters')
  return { levels, services, from, to, search: qs ? compileSearch(qs) : undefined }
}

export function parseInt(q: Query, name: string, def: number, min: number, max: number): number {
  const raw = one(q, name)
  if (raw === undefined) return def
  if (!/^\d+$/.test(raw)) throw new Errors.BAD_PARAMETER(name, `'${raw.slice(0, 40)}' is not a whole number`)
  const n = Number(raw)
  if (n < min || n > max) throw new Errors.BAD_PARAMETER(name, `${n} is out of range; allowed ${min}..${max}`)
  return n
}

/** `true`/`1` or `false`/`0` (absent: false). */
export function parseBool(q: Query, name: string): boolean {
  const raw = one(q, name)
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false
  if (raw === 'true' || raw === '1') return true
  throw new Errors.BAD_PARAMETER(name, `'${raw.slice(0, 20)}' is not true or false`)
}

export function parseOrder(q: Query): 'asc' | 'desc' {
  const o = (one(q, 'order') ?? 'desc').toLowerCase()
  if (o !== 'asc' && o !== 'desc') throw new Errors.BAD_PARAMETER('order', `'${o.slice(0, 20)}' is not asc or desc`)
  return o
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.t}|${c.h}`).toString('base64url')
}

export function parseCursor(q: Query): Cursor | undefined {
  const raw = one(q, 'cursor')
  if (!raw) return undefined
  const [t, h] = Buffer.from(raw, 'base64url').toString().split('|')
  // h is a UInt64 in the engine: 20 digits can still overflow it, which would be an engine error (500)
  if (!t || !h || !/^\d{1,20}$/.test(h) || BigInt(h) > MAX_UINT64 || !parseTimestamp(t)) {
    throw new Errors.BAD_PARAMETER('cursor', 'is not a cursor returned in X-Next-Cursor')
  }
  return { t: parseTimestamp(t) as string, h }
}

const MAX_UINT64 = 2n ** 64n - 1n
const INTERVALS_MS = [1e3, 5e3, 1e4, 3e4, 6e4, 3e5, 6e5, 18e5, 36e5, 108e5, 216e5, 432e5, 864e5, 6048e5]
const DAY_MS = 864e5
/** The largest explicit `interval`: a year of buckets is already coarser than any dashboard needs. */
export const MAX_INTERVAL_MS = 366 * DAY_MS

/**
 * A bucket size giving about 60–120 buckets over the range, from a fixed ladder (1s … 7d); beyond the
 * ladder whole days (at most MAX_INTERVAL_MS), so that an "All time" range over centuries (one entry
 * dated 2261) gives a few hundred buckets instead of a 400 for more than 10,000.
 */
export function chooseInterval(spanMs: number, target = 100): number {
  for (const i of INTERVALS_MS) if (spanMs / i <= target) return i
  return Math.min(Math.ceil(spanMs / target / DAY_MS) * DAY_MS, MAX_INTERVAL_MS)
}

export function parseInterval(q: Query): number | undefined {
  const raw = one(q, 'interval')
  if (!raw) return undefined
  const m = /^(\d{1,15})(ms|s|m|h|d|w)$/.exec(raw.trim())
  if (!m) throw new Errors.BAD_PARAMETER('interval', `'${raw.slice(0, 20)}' is not a duration like 10s, 1m, 1h, 1d`)
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number)
  if (ms < 1000) throw new Errors.BAD_PARAMETER('interval', 'must be at least 1s')
  // The engine takes the step as a UInt32 of seconds: an unbounded one was a 500 (issue 11)
  if (ms > MAX_INTERVAL_MS) throw new Errors.BAD_PARAMETER('interval', `must be at most ${MAX_INTERVAL_MS / DAY_MS}d`)
  return ms
}

export { one as param }
