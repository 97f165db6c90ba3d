/**
 * Histogram math: the server returns only non-empty buckets (start aligned to the interval); the
 * chart needs every bucket of the range, stacked by level, and a way back from pixels to time for
 * drag-to-zoom.
 */
import { LEVELS, type HistogramResponse, type Level } from '@oglogstream/shared'

export interface Bar {
  /** Bucket start, epoch ms. */
  start: number
  end: number
  total: number
  counts: Record<Level, number>
}

/** Stacking order from the bottom: the levels one looks for first sit on the axis. */
export const STACK_ORDER: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug']

const MAX_BARS = 2_000

function zeroCounts(): Record<Level, number> {
  return Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>
}

/** Every bucket from the range's first aligned start up to its end, zeros included. */
export function fillBuckets(h: HistogramResponse): Bar[] {
  const step = h.interval_ms
  const from = Date.parse(h.from)
  const to = Date.parse(h.to)
  const byStart = new Map<number, HistogramResponse['buckets'][number]>()
  for (const b of h.buckets) byStart.set(Date.parse(b.time), b)
  if (!(step > 0) || !Number.isFinite(from) || !Number.isFinite(to) || (to - from) / step > MAX_BARS) {
    return h.buckets.map((b) => toBar(Date.parse(b.time), step, b))
  }
  const bars: Bar[] = []
  for (let t = Math.floor(from / step) * step; t < to || bars.length === 0; t += step) bars.push(toBar(t, step, byStart.get(t)))
  // Buckets outside the computed grid (a server clock or alignment we did not expect) still count.
  const grid = new Set(bars.map((b) => b.start))
  for (const [t, b] of byStart) if (!grid.has(t)) bars.push(toBar(t, step, b))
  return bars.sort((a, b) => a.start - b.start)
}

function toBar(start: number, step: number, b?: HistogramResponse['buckets'][number]): Bar {
  const counts = zeroCounts()
  let total = 0
  if (b) {
    for (const l of LEVELS) counts[l] = b.counts[l] ?? 0
    total = b.total
  }
  return { start, end: start + step, total, counts }
}

export interface Segment {
  level: Level
  /** Bottom and height as fractions of the tallest bar (0..1). */
  y0: number
  h: number
}

export function stack(bar: Bar, max: number): Segment[] {
  if (max <= 0) return []
  const out: Segment[] = []
  let y = 0
  for (const level of STACK_ORDER) {
    const c = bar.counts[level]
    if (!c) continue
    out.push({ level, y0: y / max, h: c / max })
    y += c
  }
  return out
}

export function maxTotal(bars: readonly Bar[]): number {
  let m = 0
  for (const b of bars) if (b.total > m) m = b.total
  return m
}

/** The time at a horizontal fraction (0..1, clamped) of the span [from, to). */
export function timeAt(fraction: number, from: number, to: number): number {
  const f = Math.min(1, Math.max(0, fraction))
  return Math.round(from + f * (to - from))
}

/**
 * The range selected by dragging between two fractions, or undefined for a click or a drag too
 * small to mean a zoom (under `minFraction` of the width or under a second).
 */
export function selection(a: number, b: number, from: number, to: number, minFraction = 0.005): { from: number; to: number } | undefined {
  const lo = Math.min(a, b)
  const hi = Math.max(a, b)
  if (hi - lo < minFraction) return undefined
  const r = { from: timeAt(lo, from, to), to: timeAt(hi, from, to) }
  return r.to - r.from >= 1000 ? r : undefined
}

/** Share of error and fatal entries per bar (0..1), null where the bar is empty. */
export function errorRate(bars: readonly Bar[]): (number | null)[] {
  return bars.map((b) => (b.total ? (b.counts.error + b.counts.fatal) / b.total : null))
}

/** A short label for a bucket size: 1s, 30s, 5m, 1h, 1d. */
export function intervalLabel(ms: number): string {
  const units: [number, string][] = [
    [604_800_000, 'w'],
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
  ]
  for (const [u, s] of units) if (ms >= u && ms % u === 0) return `${ms / u}${s}`
  return `${ms}ms`
}
