/**
 * Loki's request parameters: `start`/`end`/`time` as Unix nanoseconds, (fractional) seconds or
 * RFC 3339; `step` as a duration or seconds; `since`, `limit`, `direction`. Read from the query string
 * or, for POST, from the form body (both, as Loki's `r.Form`). Defaults are Loki's: end = now,
 * start = end − 1 h (or `since`), step = range / 250 rounded down to whole seconds, at least 1 s.
 */
import { LogqlError, durationMs } from './logql.js'

export type Form = Record<string, string | string[] | undefined>

export const MAX_POINTS = 11_000
export const MAX_LIMIT = 5_000

export function get(f: Form, name: string): string | undefined {
  const v = f[name]
  const s = Array.isArray(v) ? v[0] : v
  return s === undefined || s === '' ? undefined : s
}

export function all(f: Form, name: string): string[] {
  const v = f[name]
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

const bad = (what: string) => new LogqlError(what)

/** A time as nanoseconds since the epoch. */
export function parseTime(f: Form, name: string, def: bigint): bigint {
  const v = get(f, name)
  if (v === undefined) return def
  if (/^-?\d+$/.test(v)) return v.replace('-', '').length <= 10 ? BigInt(v) * 1_000_000_000n : BigInt(v)
  if (/^-?\d+\.\d+$/.test(v)) {
    const [s, frac = ''] = v.split('.')
    return BigInt(s as string) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9)) * (v.startsWith('-') ? -1n : 1n)
  }
  const ms = Date.parse(v)
  if (Number.isNaN(ms)) throw bad(`invalid parameter "${name}": cannot parse "${v.slice(0, 60)}" to a valid timestamp`)
  const frac = /\.(\d+)/.exec(v)?.[1] ?? ''
  return BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9))
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n
}

/** `start`/`end` (or `since`), checked in order. */
export function parseRange(f: Form): { start: bigint; end: bigint } {
  const end = parseTime(f, 'end', nowNs())
  const since = get(f, 'since')
  const sinceMs = since === undefined ? 3_600_000 : durationMs(since)
  if (sinceMs === undefined) throw bad(`invalid parameter "since": cannot parse "${since}" as a duration`)
  const start = parseTime(f, 'start', end - BigInt(Math.round(sinceMs)) * 1_000_000n)
  if (end < start) throw bad('end timestamp must not be before or equal to start time')
  return { start, end }
}

/** `step` in nanoseconds: a duration (`15s`, `1m`) or (fractional) seconds. */
export function parseStep(f: Form, start: bigint, end: bigint): bigint {
  const v = get(f, 'step')
  let step: bigint
  if (v === undefined) step = BigInt(Math.max(1, Math.floor(Number((end - start) / 1_000_000_000n) / 250))) * 1_000_000_000n
  else if (/^\d+(\.\d+)?$/.test(v)) step = BigInt(Math.round(Number(v) * 1e9))
  else {
    const ms = durationMs(v)
    if (ms === undefined) throw bad(`invalid parameter "step": cannot parse "${v.slice(0, 40)}" to a valid duration`)
    step = BigInt(Math.round(ms * 1e6))
  }
  if (step <= 0n) throw bad('zero or negative query resolution step widths are not accepted. Try a positive integer')
  if ((end - start) / step > BigInt(MAX_POINTS))
    throw bad(`exceeded maximum resolution of ${MAX_POINTS} points per timeseries. Try decreasing the query resolution (?step=XX)`)
  return step
}

export function parseLimit(f: Form, def = 100): number {
  const v = get(f, 'limit')
  if (v === undefined) return def
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw bad(`invalid parameter "limit": ${v.slice(0, 20)} is not a non-negative integer`)
  if (n > MAX_LIMIT) throw bad(`max entries limit per query exceeded, limit > max_entries_limit_per_query (${n} > ${MAX_LIMIT})`)
  return n === 0 ? def : n
}

export function parseDirection(f: Form): 'backward' | 'forward' {
  const v = (get(f, 'direction') ?? 'backward').toLowerCase()
  if (v !== 'backward' && v !== 'forward') throw bad(`invalid parameter "direction": ${v.slice(0, 20)} is not forward or backward`)
  return v
}

/** Nanoseconds as the canonical timestamp text the store takes (RFC 3339 with 9 fractional digits). */
export function canonical(ns: bigint): string {
  const clamped = ns < 0n ? 0n : ns
  const s = clamped / 1_000_000_000n
  const frac = (clamped % 1_000_000_000n).toString().padStart(9, '0')
  return `${new Date(Number(s) * 1000).toISOString().slice(0, 19)}.${frac}Z`
}
