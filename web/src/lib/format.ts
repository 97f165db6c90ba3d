/**
 * Display formatting: times in one zone for the whole dashboard (the browser's, or UTC: `timeSettings`,
 * chosen in the header), always 24-hour with milliseconds; relative times for hovers; counts with separators.
 */
import { reactive } from 'vue'
import type { Level } from '@oglogstream/shared'

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** The zone every time is shown in. Reactive: a template that formats a time follows a change. */
export const timeSettings = reactive({ utc: false })

/** The zone's name for labels: `UTC`, or the browser's (`Europe/Berlin`). */
export function zoneName(): string {
  if (timeSettings.utc) return 'UTC'
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local'
  } catch {
    return 'local'
  }
}

interface Parts {
  y: number
  mo: number
  d: number
  h: number
  mi: number
  s: number
  ms: number
}
function parts(t: number): Parts {
  const d = new Date(t)
  return timeSettings.utc
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), ms: d.getUTCMilliseconds() }
    : { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds(), ms: d.getMilliseconds() }
}

/** Epoch ms of an RFC 3339 timestamp of any precision, or NaN. */
export function parseTs(ts: string): number {
  const m = /^(.*?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(ts)
  return m ? Date.parse(`${m[1]}${m[2] ? m[2].slice(0, 4) : ''}${m[3]}`) : Date.parse(ts)
}

/** `2025-06-01 14:03:07.123` in the chosen zone; the raw value when it does not parse. */
export function formatTime(ts: string): string {
  const ms = parseTs(ts)
  if (!Number.isFinite(ms)) return ts
  const p = parts(ms)
  return `${p.y}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}.${pad(p.ms, 3)}`
}

/** `14:03`, `14:03:07`, `06-01 14:03` (with `date`), 24-hour in the chosen zone. */
export function formatClock(t: number, o: { date?: boolean; seconds?: boolean } = {}): string {
  const p = parts(t)
  const hm = `${pad(p.h)}:${pad(p.mi)}${o.seconds ? `:${pad(p.s)}` : ''}`
  return o.date ? `${pad(p.mo)}-${pad(p.d)} ${hm}` : hm
}

/** `just now`, `42 s ago`, `5 min ago`, `3 h ago`, `2 d ago` (or `in …` for the future). */
export function relativeTime(t: number, now = Date.now()): string {
  const diff = now - t
  const a = Math.abs(diff)
  if (a < 1_000) return 'just now'
  const [n, unit] = a < 60_000 ? [a / 1_000, 's'] : a < 3_600_000 ? [a / 60_000, 'min'] : a < 86_400_000 ? [a / 3_600_000, 'h'] : [a / 86_400_000, 'd']
  const v = Math.floor(n)
  return diff >= 0 ? `${v} ${unit} ago` : `in ${v} ${unit}`
}

/** The hover text of a time: how long ago, and the exact time with its zone. */
export function timeTitle(ts: string): string {
  const ms = parseTs(ts)
  if (!Number.isFinite(ms)) return ts
  return `${relativeTime(ms)} · ${formatTime(ts)} ${zoneName()}`
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

export function formatPercent(f: number): string {
  return `${(f * 100).toFixed(f < 0.1 && f > 0 ? 1 : 0)}%`
}

/** Tailwind classes per level: literal strings so that Tailwind's scanner finds them. */
export const LEVEL_BADGE: Record<Level, string> = {
  debug: 'bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-200',
  info: 'bg-sky-100 text-sky-800 dark:bg-sky-900 dark:text-sky-100',
  warn: 'bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-100',
  error: 'bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-100',
  fatal: 'bg-fuchsia-200 text-fuchsia-900 dark:bg-fuchsia-900 dark:text-fuchsia-100',
}

export const LEVEL_FILL: Record<Level, string> = {
  debug: 'fill-slate-400 dark:fill-slate-500',
  info: 'fill-sky-500 dark:fill-sky-400',
  warn: 'fill-amber-500 dark:fill-amber-400',
  error: 'fill-red-600 dark:fill-red-500',
  fatal: 'fill-fuchsia-700 dark:fill-fuchsia-400',
}

export const LEVEL_BG: Record<Level, string> = {
  debug: 'bg-slate-400 dark:bg-slate-500',
  info: 'bg-sky-500 dark:bg-sky-400',
  warn: 'bg-amber-500 dark:bg-amber-400',
  error: 'bg-red-600 dark:bg-red-500',
  fatal: 'bg-fuchsia-700 dark:bg-fuchsia-400',
}
