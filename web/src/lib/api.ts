/**
 * The dashboard's calls to the query API (SPEC §4). Every failure becomes an `ApiError` whose
 * message is fit to show: the server's own `error` text for a 4xx/5xx, or "cannot reach the
 * server" when there is no answer at all.
 */
import { activeTenant, loadSession, tenantHeaders } from './session.ts'
import type { ContextResponse, ErrorResponse, FieldSummaryResponse, HistogramResponse, LogEntry, PatternSummary, QueryResponse, ServiceInfo, StatsResponse } from '@oglogstream/shared'

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly code?: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export type Params = Record<string, string | number | undefined>

/** `params` with the picked tenant as `tenant` (links and WebSocket URLs, which carry no header). */
export function withTenant<T extends Params>(params: T): T & { tenant?: string } {
  const t = activeTenant()
  return t ? { ...params, tenant: t } : params
}

export function queryString(params: Params): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v))
  const s = p.toString()
  return s ? `?${s}` : ''
}

export function isAbort(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError'
}

const unreachable = new Set<() => void>()
/** `fn` runs whenever a call finds the server unreachable (the header checks the server's health at once). */
export function onUnreachable(fn: () => void): () => void {
  unreachable.add(fn)
  return () => unreachable.delete(fn)
}

async function get<T>(path: string, params: Params, signal?: AbortSignal): Promise<{ body: T; headers: Headers }> {
  return request<T>('GET', path + queryString(params), undefined, signal)
}

async function request<T>(method: string, url: string, json: unknown, signal?: AbortSignal): Promise<{ body: T; headers: Headers }> {
  let res: Response
  try {
    const headers: Record<string, string> = { accept: 'application/json', ...tenantHeaders() }
    if (json !== undefined) headers['content-type'] = 'application/json'
    res = await fetch(url, { method, signal, headers, body: json === undefined ? undefined : JSON.stringify(json) })
  } catch (err) {
    if (isAbort(err)) throw err
    for (const fn of unreachable) fn()
    throw new ApiError('Cannot reach the server. Is OgLogStream running?', 0)
  }
  const text = await res.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  if (!res.ok) {
    // The session ended (expired, logged out elsewhere): the page asks again, and shows the login screen.
    if (res.status === 401) void loadSession()
    const e = body as Partial<ErrorResponse> | undefined
    const msg = typeof e?.error === 'string' ? e.error : `${res.status} ${res.statusText || 'error'}`
    throw new ApiError(res.status >= 502 && res.status <= 504 && !e?.error ? 'The server is unavailable' : msg, res.status, e?.code)
  }
  return { body: body as T, headers: res.headers }
}

export interface LogsPage {
  entries: LogEntry[]
  /** Cursor for the next page; undefined on the last page. */
  next?: string
}

export async function fetchLogs(params: Params, signal?: AbortSignal): Promise<LogsPage> {
  const { body, headers } = await get<LogEntry[]>('/api/logs', params, signal)
  const next = headers.get('X-Next-Cursor') ?? undefined
  return next ? { entries: body, next } : { entries: body }
}

export async function fetchStats(params: Params, signal?: AbortSignal): Promise<StatsResponse> {
  return (await get<StatsResponse>('/api/stats', params, signal)).body
}

export async function fetchHistogram(params: Params, signal?: AbortSignal): Promise<HistogramResponse> {
  return (await get<HistogramResponse>('/api/histogram', params, signal)).body
}

export async function fetchServices(params: Params, signal?: AbortSignal): Promise<ServiceInfo[]> {
  return (await get<ServiceInfo[]>('/api/services', params, signal)).body
}

export interface UiSettings {
  /** TRACE_URL_TEMPLATE: a trace id's link, `{trace_id}` replaced. */
  trace_url_template: string | null
}

export async function fetchUiSettings(signal?: AbortSignal): Promise<UiSettings> {
  return (await get<UiSettings>('/api/ui-settings', {}, signal)).body
}

export interface SavedSearch {
  name: string
  /** The dashboard view as a URL query string. */
  view: string
  updated: string
}

export async function fetchSavedSearches(signal?: AbortSignal): Promise<SavedSearch[]> {
  return (await get<{ searches: SavedSearch[] }>('/api/saved-searches', {}, signal)).body.searches
}
export async function saveSearch(name: string, view: string): Promise<SavedSearch> {
  return (await request<SavedSearch>('PUT', `/api/saved-searches/${encodeURIComponent(name)}`, { view })).body
}
export async function deleteSavedSearch(name: string): Promise<void> {
  await request<undefined>('DELETE', `/api/saved-searches/${encodeURIComponent(name)}`, undefined)
}

/** `GET /api/logs/{id}`: one entry by its stable id. */
export async function fetchEntry(id: string, signal?: AbortSignal): Promise<LogEntry> {
  return (await get<LogEntry>(`/api/logs/${encodeURIComponent(id)}`, {}, signal)).body
}

/** `GET /api/context`: the entries of the same service before and after one entry. */
export async function fetchContext(id: string, before: number, after: number, signal?: AbortSignal): Promise<ContextResponse> {
  return (await get<ContextResponse>('/api/context', { id, before, after }, signal)).body
}

/** `GET /api/field_summary`: the attributes of the newest matching entries with their top values. */
export async function fetchFieldSummary(params: Params, signal?: AbortSignal): Promise<FieldSummaryResponse> {
  return (await get<FieldSummaryResponse>('/api/field_summary', params, signal)).body
}

/** `GET /api/query` for a `q` with pipes: a table of columns and rows. */
export async function fetchQuery(params: Params, signal?: AbortSignal): Promise<QueryResponse> {
  return (await get<QueryResponse>('/api/query', params, signal)).body
}

/** `GET /api/fields`: attribute and extracted field names with the number of entries that have each (autocompletion). */
export async function fetchFields(params: Params, signal?: AbortSignal): Promise<{ name: string; hits: number }[]> {
  return (await get<{ fields: { name: string; hits: number }[] }>('/api/fields', params, signal)).body.fields
}

/** `GET /api/field_values`: the most frequent values of one field, with counts (autocompletion). */
export async function fetchFieldValues(params: Params, signal?: AbortSignal): Promise<{ value: unknown; hits: number }[]> {
  return (await get<{ values: { value: unknown; hits: number }[] }>('/api/field_values', params, signal)).body.values
}

/** `GET /api/patterns`: the templates of the matching entries, most frequent first. */
export async function fetchPatterns(params: Params, signal?: AbortSignal): Promise<PatternSummary[]> {
  return (await get<PatternSummary[]>('/api/patterns', params, signal)).body
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message
  return err instanceof Error ? err.message : String(err)
}
