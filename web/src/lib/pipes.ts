/**
 * Helpers for a `q` with pipes (`| stats ...`), whose result is a table from `/api/query`: where
 * the filter ends, sorting the returned rows, and the series a time grouping draws.
 */
import type { QueryColumn } from '@oglogstream/shared'

/** Index of the first `|` outside a quoted string (`"a|b"`, `~"x|y"`), or -1: the filter ends there. */
export function pipeIndex(q: string): number {
  let quoted = false
  for (let i = 0; i < q.length; i++) {
    const c = q[i]
    if (quoted && c === '\\') i++
    else if (c === '"') quoted = !quoted
    else if (!quoted && c === '|') return i
  }
  return -1
}

export function hasPipe(q: string): boolean {
  return pipeIndex(q) >= 0
}

/** The filter part of `q` (before the first pipe). */
export function filterPart(q: string): string {
  const i = pipeIndex(q)
  return i < 0 ? q : q.slice(0, i).trim()
}

export type SortDir = 'asc' | 'desc'

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return String(a).localeCompare(String(b), 'en', { numeric: true })
}

/** A sorted copy; empty values (null) last in both directions. Stable, so ties keep the server's order. */
export function sortRows(rows: readonly unknown[][], col: number, dir: SortDir): unknown[][] {
  const sign = dir === 'asc' ? 1 : -1
  return [...rows].sort((x, y) => {
    const a = x[col]
    const b = y[col]
    const an = a === null || a === undefined
    const bn = b === null || b === undefined
    if (an || bn) return an === bn ? 0 : an ? 1 : -1
    return sign * compare(a, b)
  })
}

export interface Point {
  t: number
  v: number
}

export interface Series {
  /** The time column and the numeric column drawn. */
  time: string
  value: string
  points: Point[]
  /** The smallest gap between two times: one bar's width. */
  step: number
}

/**
 * The series to chart when the result is grouped by time: the first number column over the first
 * time column, summed per time (other group keys add up). Undefined when there is no such pair.
 */
export function timeSeries(columns: readonly QueryColumn[], rows: readonly unknown[][]): Series | undefined {
  const ti = columns.findIndex((c) => c.type === 'time')
  const vi = columns.findIndex((c) => c.type === 'number')
  if (ti < 0 || vi < 0) return undefined
  const sums = new Map<number, number>()
  for (const r of rows) {
    const t = Date.parse(String(r[ti]))
    const v = r[vi]
    if (!Number.isFinite(t) || typeof v !== 'number') continue
    sums.set(t, (sums.get(t) ?? 0) + v)
  }
  if (!sums.size) return undefined
  const points = [...sums].map(([t, v]) => ({ t, v })).sort((a, b) => a.t - b.t)
  let step = Infinity
  for (let i = 1; i < points.length; i++) step = Math.min(step, (points[i] as Point).t - (points[i - 1] as Point).t)
  return { time: (columns[ti] as QueryColumn).name, value: (columns[vi] as QueryColumn).name, points, step: Number.isFinite(step) ? step : 60_000 }
}
