/**
 * Time ranges of the dashboard: a preset relative to now (`15m`, `1h`, `24h`, `7d`), everything
 * (`all`), or a custom absolute span. Presets are resolved to absolute times once per query, so
 * that every page of a cursor walk and the histogram see the same span.
 */

export const PRESETS = [
  { key: '15m', label: '15 min', ms: 15 * 60_000 },
  { key: '1h', label: '1 h', ms: 3_600_000 },
  { key: '24h', label: '24 h', ms: 86_400_000 },
  { key: '7d', label: '7 d', ms: 7 * 86_400_000 },
] as const

export type PresetKey = (typeof PRESETS)[number]['key']

export type TimeRange =
  | { kind: 'preset'; preset: PresetKey }
  | { kind: 'all' }
  /** Epoch milliseconds; `from` inclusive, `to` exclusive. */
  | { kind: 'custom'; from: number; to: number }

export const DEFAULT_RANGE: TimeRange = { kind: 'preset', preset: '24h' }

/** Absolute bounds as RFC 3339 strings for the API; undefined means unbounded. */
export interface ResolvedRange {
  from?: string
  to?: string
}

export function isPreset(s: string): s is PresetKey {
  return PRESETS.some((p) => p.key === s)
}

export function presetMs(key: PresetKey): number {
  return (PRESETS.find((p) => p.key === key) as (typeof PRESETS)[number]).ms
}

export function resolveRange(r: TimeRange, now: number): ResolvedRange {
  switch (r.kind) {
    case 'all':
      return {}
    case 'preset':
      // `to` a little in the future so that entries stamped by a clock slightly ahead still show.
      return { from: new Date(now - presetMs(r.preset)).toISOString(), to: new Date(now + 60_000).toISOString() }
    case 'custom':
      return { from: new Date(r.from).toISOString(), to: new Date(r.to).toISOString() }
  }
}

/**
 * A time typed by a user or read from a URL: RFC 3339 / ISO 8601, `YYYY-MM-DDTHH:mm` of a
 * datetime-local input (local time), or epoch milliseconds. Undefined when it is none of those.
 */
export function parseTimeInput(raw: string): number | undefined {
  const s = raw.trim()
  if (!s) return undefined
  if (/^\d{10,16}$/.test(s)) return Number(s)
  // Sub-millisecond digits are dropped: Date.parse does not promise to accept them.
  const m = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(s)
  if (!m) return undefined
  const frac = m[2] ? m[2].slice(0, 4).padEnd(4, '0') : ''
  const t = Date.parse(`${(m[1] as string).replace(' ', 'T')}${frac}${m[3] ?? ''}`)
  return Number.isFinite(t) ? t : undefined
}

/** A `datetime-local` input value (local time, minutes) for epoch milliseconds. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

export function rangeLabel(r: TimeRange): string {
  if (r.kind === 'all') return 'All time'
  if (r.kind === 'preset') return `Last ${(PRESETS.find((p) => p.key === r.preset) as (typeof PRESETS)[number]).label}`
  return `${formatShort(r.from)} – ${formatShort(r.to)}`
}

function formatShort(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, ' UTC')
}

/** The timestamp one millisecond after `ts` (truncated to ms): an exclusive end that includes it. */
export function justAfter(ts: string): string | undefined {
  const t = parseTimeInput(ts)
  return t === undefined ? undefined : new Date(t + 1).toISOString()
}
