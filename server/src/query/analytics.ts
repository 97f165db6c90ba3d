/**
 * Runs a `q` with pipes (SPEC §8) in the store: compiled once (search/pipeline.ts) to one SELECT, so
 * the engine aggregates and only the result rows come back. At most `limit` rows (≤ 10,000) are
 * returned; one more is asked for, so that a larger result is reported as `truncated`, never cut
 * silently.
 */
import { Errors } from '../errors.js'
import { fromClickHouse, toApi } from '../model/index.js'
import { engineCode, Params, queries, type Conditions, type ScopedSql } from '../store/index.js'
import { badQuery, compilePipeline, compileQuery, MAX_ROWS, type Column, type Pipeline } from './search/index.js'

export { MAX_ROWS }

/** The most memory one query may take in the store (the embedded engine shares the process). */
export const MAX_QUERY_MEMORY_BYTES = 1024 ** 3 // 1 GiB

/** Runs the compiled SELECT; the engine's refusals that are the query's fault become 400s. */
async function table(ctx: queries.QueryContext, sql: ScopedSql, p: Params, maxMemoryBytes: number): Promise<queries.TableResult> {
  try {
    return await queries.table(ctx, sql, p, maxMemoryBytes)
  } catch (err) {
    // 241 MEMORY_LIMIT_EXCEEDED
    if (engineCode(err) === 241) throw new Errors.QUERY_TOO_LARGE(`${Math.round(maxMemoryBytes / 1024 / 1024)} MiB`)
    throw err
  }
}

export interface QueryResult {
  columns: Column[]
  rows: unknown[][]
  truncated: boolean
  stats: { rows_read: number; elapsed_ms: number }
}

/** `base`: the time range, level and service; the pipeline brings its own filter; the tenant is the context's. */
function compile(ctx: queries.QueryContext, base: Conditions, pl: Pipeline, limit: number) {
  const p = new Params()
  const where = queries.whereClause({ ...base, tenant: ctx.tenant, search: compileQuery(pl.filter) }, p)
  return { p, c: badQuery(() => compilePipeline(pl, ctx.table, where, p, limit)) }
}

function value(v: unknown, type: Column['type']): unknown {
  if (v === null || v === undefined) return null
  if (type === 'time') return toApi(fromClickHouse(String(v)))
  if (type === 'number') {
    const n = Number(v)
    return Number.isFinite(n) ? n : null
  }
  return v
}

export async function runPipeline(
  ctx: queries.QueryContext,
  base: Conditions,
  pl: Pipeline,
  limit: number,
  maxMemoryBytes = MAX_QUERY_MEMORY_BYTES,
): Promise<QueryResult> {
  const { p, c } = compile(ctx, base, pl, limit)
  const r = await table(ctx, c.sql, p, maxMemoryBytes)
  const rows = r.data.slice(0, limit).map((row) => row.map((v, i) => value(v, c.columns[i]?.type ?? 'string')))
  return {
    columns: c.columns,
    rows,
    truncated: r.data.length > limit,
    stats: { rows_read: r.rows_read, elapsed_ms: Math.round(r.elapsed_ms * 1000) / 1000 },
  }
}

/** Field names (attributes, and what json/logfmt/extract in `pl` take out) with the number of entries that have each. */
export async function fieldNames(
  ctx: queries.QueryContext,
  base: Conditions,
  pl: Pipeline,
  limit: number,
): Promise<{ name: string; hits: number }[]> {
  const { p, c } = compile(ctx, base, pl, limit)
  if (!c.entryKeys) throw new Errors.BAD_QUERY('/api/fields lists the fields of entries; remove the fields, stats, top or uniq pipe from q')
  const sql = queries.wrapScoped(
    [c.entryKeys],
    (keys) => `SELECT arrayJoin(__keys) AS name, count() AS hits FROM (${keys}) GROUP BY name ORDER BY hits DESC, name LIMIT ${p.add('UInt32', limit)}`,
  )
  const r = await table(ctx, sql, p, MAX_QUERY_MEMORY_BYTES)
  return r.data.map(([name, hits]) => ({ name: String(name), hits: Number(hits) }))
}

/** The most frequent values of one field after `pl`, with their counts (`pl | top limit by (name)`). */
export async function fieldValues(
  ctx: queries.QueryContext,
  base: Conditions,
  pl: Pipeline,
  name: string,
  limit: number,
): Promise<{ value: unknown; hits: number }[]> {
  const withTop: Pipeline = { ...pl, stages: [...pl.stages, { kind: 'top', at: 0, n: limit, by: [{ name, at: 0 }] }] }
  const r = await runPipeline(ctx, base, withTop, limit)
  return r.rows.map(([v, hits]) => ({ value: v, hits: Number(hits) }))
}
