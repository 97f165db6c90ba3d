/**
 * Loki's label browser and index endpoints: `labels`, `label/{name}/values`, `series`,
 * `detected_labels`, `detected_fields`, `index/stats`, `index/volume`, `index/volume_range`,
 * `status/buildinfo`. Each is one SELECT whose WHERE comes from store/queries.ts `whereClause` with
 * the selector compiled by the shared pipeline compiler (query/search/labels.ts); volumes are the
 * metric `sum by (...) (bytes_over_time(...))`, run by the metric compiler.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Params, queries } from '../store/index.js'
import { MAX_QUERY_MEMORY_BYTES } from '../query/analytics.js'
import type { LogPipeline, MetricExpr } from '../query/search/ir.js'
import { labelSql, logSearch, type RowSql } from '../query/search/labels.js'
import { LogqlError } from './logql.js'
import { all, canonical, get, parseLimit, parseRange, parseStep } from './params.js'
import { form, type Run } from './routes.js'
import { runMetric } from './run.js'
import { translate } from './translate-metric.js'

const MAX_VALUES = 10_000

/** A `query` / `match[]` that must be a log selector (with or without a pipeline). */
function selector(q: string | undefined): LogPipeline {
  if (q === undefined) return { filter: { clauses: [] }, stages: [] }
  const t = translate(q)
  if (t.kind !== 'log') throw new LogqlError(`parse error : only a stream selector is accepted here, not ${q.slice(0, 60)}`)
  return t.log
}

/** Runs `select` (given the row's SQL) over the entries of `log` in [start, end). */
async function over<T extends unknown[]>(
  ctx: queries.QueryContext,
  log: LogPipeline,
  range: { start: bigint; end: bigint },
  select: (row: RowSql, p: Params) => string,
  tail: (p: Params) => string,
): Promise<T[]> {
  const p = new Params()
  let row: RowSql | undefined
  const w = queries.whereClause({ tenant: ctx.tenant, from: canonical(range.start), to: canonical(range.end + 1n), search: logSearch(log, (r) => (row = r)) }, p)
  const sql = queries.scopedSql(w, (w) => `${select(row as unknown as RowSql, p).replace('{table}', ctx.table).replace('{where}', w)} ${tail(p)}`)
  return (await queries.table(ctx, sql, p, MAX_QUERY_MEMORY_BYTES)).data as T[]
}

export function metaRoutes(app: FastifyInstance, { run, guard }: { run: Run; guard: <T>(fn: () => T) => T }): void {
  const prefix = '/loki/api/v1'
  const input = (req: FastifyRequest, name = 'query') => {
    const f = form(req)
    return guard(() => ({ f, range: parseRange(f), log: selector(get(f, name)) }))
  }

  const labels = async (req: FastifyRequest) => {
    const { range, log } = input(req)
    const rows = await run('labels', req, (ctx) =>
      over<[string]>(ctx, log, range, (r) => `SELECT arrayJoin(mapKeys(${r.labels})) AS k FROM {table} {where}`, (p) => `GROUP BY k ORDER BY k LIMIT ${p.add('UInt32', MAX_VALUES)}`),
    )
    return { status: 'success', data: rows.map((r) => r[0]) }
  }
  app.get(`${prefix}/labels`, labels)
  app.post(`${prefix}/labels`, labels)

  const values = async (req: FastifyRequest) => {
    const name = (req.params as { name: string }).name
    const { range, log } = input(req)
    const rows = await run('label_values', req, (ctx) =>
      over<[string]>(
        ctx,
        log,
        range,
        (r, p) => {
          const l = labelSql(r, name, p)
          return `SELECT ${l.value} AS v FROM {table} {where} AND ${l.exists}`
        },
        (p) => `GROUP BY v ORDER BY v LIMIT ${p.add('UInt32', MAX_VALUES)}`,
      ),
    )
    return { status: 'success', data: rows.map((r) => r[0]) }
  }
  app.get(`${prefix}/label/:name/values`, values)
  app.post(`${prefix}/label/:name/values`, values)

  const series = async (req: FastifyRequest) => {
    const f = form(req)
    const range = guard(() => parseRange(f))
    const matches = all(f, 'match[]').concat(all(f, 'match'))
    const logs = guard(() => (matches.length ? matches.map((m) => selector(m)) : [selector(undefined)]))
    const seen = new Map<string, Record<string, string>>()
    await run('series', req, async (ctx) => {
      for (const log of logs) {
        const rows = await over<[Record<string, string>]>(ctx, log, range, (r) => `SELECT ${r.labels} AS l FROM {table} {where}`, (p) => `GROUP BY l LIMIT ${p.add('UInt32', MAX_VALUES)}`)
        for (const [l] of rows) seen.set(JSON.stringify(Object.entries(l).sort()), l)
      }
    })
    return { status: 'success', data: [...seen.values()] }
  }
  app.get(`${prefix}/series`, series)
  app.post(`${prefix}/series`, series)

  app.get(`${prefix}/detected_labels`, async (req) => {
    const { range, log } = input(req)
    const rows = await run('detected_labels', req, (ctx) =>
      over<[string, number]>(ctx, log, range, (r) => `SELECT kv.1 AS k, uniqExact(kv.2) AS c FROM {table} ARRAY JOIN CAST(${r.labels}, 'Array(Tuple(String, String))') AS kv {where}`, (p) => `GROUP BY k ORDER BY k LIMIT ${p.add('UInt32', MAX_VALUES)}`),
    )
    return { detectedLabels: rows.map(([label, c]) => ({ label, cardinality: Number(c) })) }
  })

  app.get(`${prefix}/detected_fields`, async (req) => {
    const { f, range, log } = input(req)
    const limit = guard(() => parseLimit(f, 1000))
    // Fields of the line (JSON objects or logfmt pairs) and the attributes, with a type guessed from every value.
    const rows = await run('detected_fields', req, (ctx) =>
      over<[string, number, string, string[]]>(
        ctx,
        log,
        range,
        (r) => {
          const json = `arrayMap(x -> (x.1, if(startsWith(x.2, '"'), JSONExtractString(x.2), x.2), 'json'), JSONExtractKeysAndValuesRaw(${r.line}))`
          const logfmt = `arrayMap(x -> (x.1, x.2, 'logfmt'), CAST(extractKeyValuePairs(${r.line}, '=', ' ', '"'), 'Array(Tuple(String, String))'))`
          const meta = `arrayMap(x -> (x.1, x.2, ''), CAST(attributes, 'Array(Tuple(String, String))'))`
          return `SELECT f.1 AS k, uniqExact(f.2) AS c,
            multiIf(countIf(NOT match(f.2, '^-?[0-9]+$')) = 0, 'int', countIf(isNull(toFloat64OrNull(f.2))) = 0, 'float',
              countIf(NOT match(f.2, '^-?[0-9.]+(ns|us|ms|s|m|h)$')) = 0, 'duration', countIf(NOT match(f.2, '^(?i)(true|false)$')) = 0, 'boolean', 'string') AS t,
            arrayFilter(x -> x != '', groupUniqArray(f.3)) AS parsers
            FROM {table} ARRAY JOIN arrayConcat(if(isValidJSON(${r.line}), ${json}, ${logfmt}), ${meta}) AS f {where}`
        },
        (p) => `GROUP BY k ORDER BY k LIMIT ${p.add('UInt32', limit)}`,
      ),
    )
    return { fields: rows.map(([label, c, type, parsers]) => ({ label, type, cardinality: Number(c), parsers: parsers.length ? parsers : null })), limit }
  })

  app.get(`${prefix}/index/stats`, async (req) => {
    const { range, log } = input(req)
    const [r] = await run('index_stats', req, (ctx) =>
      over<[number, number, number]>(ctx, log, range, (row) => `SELECT uniqExact(${row.labels}) AS s, count() AS n, sum(length(${row.line})) AS b FROM {table} {where}`, () => ''),
    )
    const [streams, entries, bytes] = (r ?? [0, 0, 0]).map(Number) as [number, number, number]
    return { streams, chunks: streams, entries, bytes }
  })

  /** Bytes by the selector's labels (or `targetLabels`), as `sum by (...) (bytes_over_time(...))`. */
  const volume = (f: ReturnType<typeof form>, log: LogPipeline, rangeMs: number): MetricExpr => {
    const target = get(f, 'targetLabels')
    const names = target
      ? target.split(',').map((s) => s.trim()).filter(Boolean)
      : [...new Set(log.filter.clauses.flatMap((c) => ('key' in c && c.key !== undefined ? [c.key] : [])))]
    const byLabels = names
    return {
      kind: 'aggregate',
      op: 'sum',
      grouping: { without: false, labels: byLabels },
      expr: { kind: 'range', fn: 'bytes_over_time', rangeMs, log },
    }
  }
  app.get(`${prefix}/index/volume`, async (req) => {
    const { f, range, log } = input(req)
    const rangeMs = Math.max(1, Number((range.end - range.start) / 1_000_000n))
    const r = await run('index_volume', req, (ctx) => runMetric(ctx, volume(f, log, rangeMs), { start: range.end, end: range.end, step: 1_000_000_000n }))
    const limit = guard(() => parseLimit(f, 100))
    const result = r.series
      .map((s) => ({ metric: s.metric, value: s.values[0] as [number, string] }))
      .sort((a, b) => Number(b.value[1]) - Number(a.value[1]))
      .slice(0, limit)
    return { status: 'success', data: { resultType: 'vector', result } }
  })
  app.get(`${prefix}/index/volume_range`, async (req) => {
    const { f, range, log } = input(req)
    const step = guard(() => parseStep(f, range.start, range.end))
    const first = ((range.start + step - 1n) / step) * step
    const last = (range.end / step) * step
    const r = await run('index_volume_range', req, (ctx) =>
      runMetric(ctx, volume(f, log, Number(step / 1_000_000n)), { start: first, end: last < first ? first : last, step }),
    )
    return { status: 'success', data: { resultType: 'matrix', result: r.series } }
  })

  app.get(`${prefix}/status/buildinfo`, async () => ({
    version: '3.3.0',
    revision: 'oglogstream',
    branch: 'main',
    buildUser: 'oglogstream',
    buildDate: '',
    goVersion: '',
  }))
}
