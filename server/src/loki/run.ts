/**
 * Runs translated LogQL in the store and shapes the answer as Loki does. Every read builds its WHERE
 * with store/queries.ts `whereClause` (the time range and the compiled pipeline as its `search`), the
 * one place the store's read conditions are made; the engine filters, parses and aggregates, and only
 * entries or points come back. JavaScript only groups them into streams / series.
 */
import { Params, queries, type SearchCompiler } from '../store/index.js'
import { compileSeries, type Steps, type WhereFn } from '../query/search/series.js'
import { logSearch, type RowSql } from '../query/search/labels.js'
import type { LogPipeline, MetricExpr } from '../query/search/ir.js'
import { MAX_QUERY_MEMORY_BYTES } from '../query/analytics.js'
import { canonical } from './params.js'
import { LogqlError } from './logql.js'

/** Loki's default `max_query_series`. */
export const MAX_SERIES = 500

export interface Stats {
  rowsRead: number
  elapsedMs: number
  returned: number
}

/** The store's WHERE for `search` over [from, to] (both inclusive, nanoseconds), in `ctx`'s tenant. */
export function scopedWhere(ctx: queries.QueryContext): WhereFn {
  return (search: SearchCompiler, from: bigint, to: bigint, p: Params) =>
    queries.whereClause({ tenant: ctx.tenant, from: canonical(from), to: canonical(to + 1n), search }, p)
}

export interface Stream {
  stream: Record<string, string>
  values: [string, string][]
}

const key = (labels: Record<string, string>) =>
  JSON.stringify(
    Object.keys(labels)
      .sort()
      .filter((k) => labels[k])
      .map((k) => [k, labels[k]]),
  )

/** Labels sorted by name; an empty value is no label (as in Loki). */
function sorted(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of Object.keys(labels).sort()) if (labels[k]) out[k] = labels[k] as string
  return out
}

/** Windows tried newest first before the whole range (as store/queries.ts `listLogs`): 1 h, 8 h, 64 h. */
const WINDOWS_NS = [1n, 8n, 64n].map((h) => h * 3_600_000_000_000n)

/**
 * A log query: at most `limit` entries, newest first (backward) or oldest first, grouped into streams.
 * Newest first, growing windows back from `end` are tried before the whole range: a window that holds
 * `limit` entries holds the true answer, and an empty one goes straight to the whole range.
 */
export async function runLogs(
  ctx: queries.QueryContext,
  log: LogPipeline,
  range: { start: bigint; end: bigint },
  limit: number,
  direction: 'backward' | 'forward',
): Promise<{ streams: Stream[]; stats: Stats }> {
  let read = 0
  if (direction === 'backward') {
    for (const w of WINDOWS_NS) {
      if (range.end - w <= range.start) break
      const r = await logsOnce(ctx, log, { start: range.end - w, end: range.end }, limit, direction)
      read += r.stats.rowsRead
      if (r.stats.returned === limit) return { ...r, stats: { ...r.stats, rowsRead: read } }
      if (r.stats.returned === 0) break
    }
  }
  const r = await logsOnce(ctx, log, range, limit, direction)
  return { ...r, stats: { ...r.stats, rowsRead: read + r.stats.rowsRead } }
}

async function logsOnce(
  ctx: queries.QueryContext,
  log: LogPipeline,
  range: { start: bigint; end: bigint },
  limit: number,
  direction: 'backward' | 'forward',
): Promise<{ streams: Stream[]; stats: Stats }> {
  const p = new Params()
  let row: RowSql | undefined
  // Loki's end is exclusive for log queries.
  const w = queries.whereClause({ tenant: ctx.tenant, from: canonical(range.start), to: canonical(range.end), search: logSearch(log, (r) => (row = r)) }, p)
  const r = row as unknown as RowSql
  const dir = direction === 'forward' ? 'ASC' : 'DESC'
  const sql = queries.scopedSql(
    w,
    (w) => `SELECT toString(toUnixTimestamp64Nano(timestamp)) AS ts, ${r.line} AS line, ${r.labels} AS labels FROM ${ctx.table} ${w}
    ORDER BY timestamp ${dir} LIMIT ${p.add('UInt32', limit)}`,
  )
  const t = await queries.table(ctx, sql, p, MAX_QUERY_MEMORY_BYTES)
  const streams = new Map<string, Stream>()
  for (const [ts, line, labels] of t.data as [string, string, Record<string, string>][]) {
    const k = key(labels)
    let s = streams.get(k)
    if (!s) streams.set(k, (s = { stream: sorted(labels), values: [] }))
    s.values.push([String(ts), String(line)])
  }
  return { streams: [...streams.values()], stats: { rowsRead: t.rows_read, elapsedMs: t.elapsed_ms, returned: t.data.length } }
}

export interface Series {
  metric: Record<string, string>
  values: [number, string][]
}

/** Loki writes sample values as Go's strconv.FormatFloat(v, 'f', -1, 64). */
export function sampleValue(v: number | null): string {
  if (v === null || Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

/** Seconds since the epoch, as Loki writes a sample's time (a number, milliseconds as decimals). */
export const seconds = (ns: bigint) => Number(ns / 1_000_000n) / 1000

/** A metric expression at every step: series of [time, value], grouped from the engine's points. */
export async function runMetric(ctx: queries.QueryContext, expr: MetricExpr, steps: Steps): Promise<{ series: Series[]; stats: Stats }> {
  const p = new Params()
  const sql = queries.wrapScoped([compileSeries(expr, { table: ctx.table, steps, where: scopedWhere(ctx), p })], (s) => `SELECT toString(t) AS t, labels, v FROM (${s}) ORDER BY t`)
  const t = await queries.table(ctx, sql, p, MAX_QUERY_MEMORY_BYTES)
  const series = new Map<string, Series>()
  for (const [ts, labels, v] of t.data as [string, Record<string, string>, number | null][]) {
    const k = key(labels)
    let s = series.get(k)
    if (!s) {
      if (series.size >= MAX_SERIES) throw new LogqlError(`maximum number of series (${MAX_SERIES}) reached for a single query`)
      series.set(k, (s = { metric: sorted(labels), values: [] }))
    }
    s.values.push([seconds(BigInt(ts)), sampleValue(v === null ? null : Number(v))])
  }
  const out = [...series.values()].sort((a, b) => (key(a.metric) < key(b.metric) ? -1 : 1))
  return { series: out, stats: { rowsRead: t.rows_read, elapsedMs: t.elapsed_ms, returned: t.data.length } }
}

/** Loki's `stats` object (the summary Grafana reads, with the other parts present and zero). */
export function lokiStats(s: Stats, bytes = 0) {
  const execTime = s.elapsedMs / 1000
  const zeroStore = { totalChunksRef: 0, totalChunksDownloaded: 0, chunksDownloadTime: 0, chunk: { headChunkBytes: 0, headChunkLines: 0, decompressedBytes: bytes, decompressedLines: s.rowsRead, compressedBytes: 0, totalDuplicates: 0 } }
  return {
    summary: {
      bytesProcessedPerSecond: execTime ? Math.round(bytes / execTime) : 0,
      linesProcessedPerSecond: execTime ? Math.round(s.rowsRead / execTime) : 0,
      totalBytesProcessed: bytes,
      totalLinesProcessed: s.rowsRead,
      execTime,
      queueTime: 0,
      subqueries: 0,
      totalEntriesReturned: s.returned,
      splits: 0,
      shards: 0,
      totalPostFilterLines: s.returned,
      totalStructuredMetadataBytesProcessed: 0,
    },
    querier: { store: zeroStore },
    ingester: { totalReached: 0, totalChunksMatched: 0, totalBatches: 0, totalLinesSent: 0, store: zeroStore },
    cache: {},
  }
}
