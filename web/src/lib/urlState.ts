/**
 * The dashboard's view state <-> the URL query string, so that a link reproduces a view.
 *   q=<search>  level=error,fatal  service=api,web  range=15m|1h|24h|7d|all  from=&to= (custom)
 *   entry=<id (or, for entries stored before ids, timestamp) of the open entry>  cols=region,user (attribute columns of the list)
 *   context=<id>  (the entries around that one instead of the result list)  order=asc (oldest first)
 *   tab=patterns  (Explore's Patterns view instead of the entries)  new=1 (only templates first seen in the range)
 * Unknown or malformed values fall back to defaults rather than failing the page.
 */
import { LEVELS, type Level } from '@oglogstream/shared'
import { DEFAULT_RANGE, isPreset, parseTimeInput, type TimeRange } from './timeRange.ts'

export interface ViewState {
  q: string
  levels: Level[]
  services: string[]
  range: TimeRange
  /** Timestamp of the entry whose detail is open (Explore only). */
  entry?: string
  /** Oldest first (Explore's list); absent: newest first. */
  order?: 'asc'
  /** Id of the entry whose surrounding entries are shown (Explore only). */
  context?: string
  /** Attributes shown as columns of the list (Explore only); absent when none. */
  columns?: string[]
  /** Explore shows the templates of the matching entries instead of the entries. */
  tab?: 'patterns'
  /** Patterns: only the templates first seen within the range. */
  fresh?: true
}

export const EMPTY_VIEW: ViewState = { q: '', levels: [], services: [], range: DEFAULT_RANGE }

function list(raw: string | null): string[] {
  if (!raw) return []
  return [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))]
}

export function decodeView(search: string | URLSearchParams): ViewState {
  const p = typeof search === 'string' ? new URLSearchParams(search) : search
  const levels = list(p.get('level'))
    .map((l) => l.toLowerCase())
    .filter((l): l is Level => (LEVELS as readonly string[]).includes(l))
  const services = list(p.get('service'))
  const view: ViewState = { q: p.get('q') ?? '', levels: sortLevels(levels), services, range: decodeRange(p) }
  const entry = p.get('entry')
  if (entry) view.entry = entry
  if (p.get('order') === 'asc') view.order = 'asc'
  const context = p.get('context')
  if (context) view.context = context
  const columns = list(p.get('cols')).slice(0, 8)
  if (columns.length) view.columns = columns
  if (p.get('tab') === 'patterns') view.tab = 'patterns'
  if (p.get('new') === '1') view.fresh = true
  return view
}

function decodeRange(p: URLSearchParams): TimeRange {
  const from = p.get('from')
  const to = p.get('to')
  if (from) {
    const f = parseTimeInput(from)
    const t = to ? parseTimeInput(to) : Date.now()
    if (f !== undefined && t !== undefined && f < t) return { kind: 'custom', from: f, to: t }
  }
  const r = p.get('range')
  if (r === 'all') return { kind: 'all' }
  if (r && isPreset(r)) return { kind: 'preset', preset: r }
  return DEFAULT_RANGE
}

/** Query string (without `?`) in a stable order; default values are left out. */
export function encodeView(v: ViewState): string {
  const p = new URLSearchParams()
  if (v.q.trim()) p.set('q', v.q)
  if (v.levels.length) p.set('level', sortLevels(v.levels).join(','))
  if (v.services.length) p.set('service', v.services.join(','))
  const r = v.range
  if (r.kind === 'custom') {
    p.set('from', new Date(r.from).toISOString())
    p.set('to', new Date(r.to).toISOString())
  } else if (r.kind === 'all') p.set('range', 'all')
  else if (!(DEFAULT_RANGE.kind === 'preset' && r.preset === DEFAULT_RANGE.preset)) p.set('range', r.preset)
  if (v.entry) p.set('entry', v.entry)
  if (v.order === 'asc') p.set('order', 'asc')
  if (v.context) p.set('context', v.context)
  if (v.columns?.length) p.set('cols', v.columns.join(','))
  if (v.tab === 'patterns') p.set('tab', 'patterns')
  if (v.fresh) p.set('new', '1')
  // Commas and colons read better unescaped in a shared link, and URLSearchParams accepts them.
  return p.toString().replace(/%2C/g, ',').replace(/%3A/g, ':')
}

function sortLevels(levels: Level[]): Level[] {
  return [...new Set(levels)].sort((a, b) => LEVELS.indexOf(a) - LEVELS.indexOf(b))
}

/** The API filter parameters for a view (time bounds are added by the caller once resolved). */
export function filterParams(v: Pick<ViewState, 'q' | 'levels' | 'services'>): Record<string, string> {
  const out: Record<string, string> = {}
  if (v.q.trim()) out.q = v.q.trim()
  if (v.levels.length) out.level = v.levels.join(',')
  if (v.services.length) out.service = v.services.join(',')
  return out
}

export function toggle<T>(list: readonly T[], value: T): T[] {
  return list.includes(value) ? list.filter((x) => x !== value) : [...list, value]
}
