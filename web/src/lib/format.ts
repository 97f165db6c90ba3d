/** Display formatting: times in the browser's zone with milliseconds, counts with separators. */
import type { Level } from '@oglogstream/shared'

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** `2025-06-01 14:03:07.123` in local time; the raw value when it does not parse. */
export function formatTime(ts: string): string {
  const m = /^(.*?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(ts)
  const ms = m ? Date.parse(`${m[1]}${m[2] ? m[2].slice(0, 4) : ''}${m[3]}`) : Date.parse(ts)
  if (!Number.isFinite(ms)) return ts
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
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
