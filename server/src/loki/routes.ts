/**
 * The Loki query API (issue 15) under `/loki/api/v1`:
 * `query_range` and `query` (GET, or POST with a form body), answered in Loki's shapes; the label,
 * series, index and detected-* endpoints are in meta.ts, the live tail in tail.ts. Errors are Loki's:
 * the status and a plain-text body (Grafana shows it verbatim), with the catalogue's code
 * (LOG_ERR_BAD_QUERY) behind it. `X-Scope-OrgID` picks the tenant (auth/keys.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { tenantOf, type AuthHook } from '../auth/index.js'
import type { ErrorShape } from '../error-map.js'
import type { QuerySlots } from '../query/concurrency.js'
import { storeError } from '../error-map.js'
import { Errors } from '../errors.js'
import type { LiveHub } from '../live/hub.js'
import type { QueryMetrics } from '../query/metrics.js'
import { SearchSyntaxError } from '../query/search/ir.js'
import { queries, type Store } from '../store/index.js'
import { LogqlError } from './logql.js'
import { metaRoutes } from './meta.js'
import { canonical, get, nowNs, parseDirection, parseLimit, parseRange, parseStep, parseTime, type Form } from './params.js'
import { lokiStats, runLogs, runMetric, seconds } from './run.js'
import { tailRoute } from './tail.js'
import { translate } from './translate-metric.js'
import { logSearch } from '../query/search/labels.js'
import { WILDCARD } from '../patterns/index.js'

/** Templates `GET /loki/api/v1/patterns` returns at most (the most frequent). */
const MAX_LOKI_PATTERNS = 1_000

export interface LokiRoutesContext {
  store: Store
  metrics: QueryMetrics
  auth: AuthHook
  /** Per-tenant max_concurrent_queries (API_KEYS_FILE). */
  slots?: QuerySlots | undefined
  hub?: LiveHub | undefined
}

/** Loki answers errors as plain text. */
const errorShape: ErrorShape = (e, _req, reply) => {
  reply.type('text/plain; charset=utf-8')
  return e.message
}

export type Run = <T>(endpoint: string, req: FastifyRequest, fn: (ctx: queries.QueryContext) => Promise<T>) => Promise<T>

/** The request's parameters: the query string and, for POST, the form body. */
export function form(req: FastifyRequest): Form {
  const q = { ...(req.query as Form) }
  if (req.body && typeof req.body === 'object') Object.assign(q, req.body as Form)
  return q
}

/** A LogQL problem found anywhere (translation, parameters, compilation) as Loki's 400. */
export function lokiError(err: unknown): unknown {
  if (err instanceof LogqlError) return new Errors.BAD_LOGQL(err.message)
  if (err instanceof SearchSyntaxError) return new Errors.BAD_LOGQL(err.problem)
  return err
}

export async function lokiRoutes(app: FastifyInstance, { store, metrics, auth, hub, slots }: LokiRoutesContext): Promise<void> {
  app.addHook('onRequest', auth)
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, errorShape }
  })
  // Grafana and logcli POST forms.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: Form = {}
    for (const [k, v] of new URLSearchParams(body as string)) {
      const prev = out[k]
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
    done(null, out)
  })

  const run: Run = async (endpoint, req, fn) => {
    const ac = new AbortController()
    req.raw.once('close', () => {
      if (!req.raw.complete) ac.abort()
    })
    const end = metrics.queryLatency.startTimer({ endpoint: `loki_${endpoint}` })
    const ctx = store.queryContext(tenantOf(req), ac.signal)
    try {
      return await (slots ? slots.run(ctx.tenant, () => fn(ctx)) : fn(ctx))
    } catch (err) {
      const e = lokiError(err)
      throw e === err ? storeError(err, ctx.timeoutMs) : e
    } finally {
      end()
    }
  }

  const translated = (f: Form) => {
    const q = get(f, 'query')
    if (q === undefined) throw new LogqlError('parse error : syntax error: unexpected $end (the query parameter is required)')
    try {
      return translate(q)
    } catch (err) {
      throw lokiError(err)
    }
  }
  const guard = <T>(fn: () => T): T => {
    try {
      return fn()
    } catch (err) {
      throw lokiError(err)
    }
  }

  const queryRange = async (req: FastifyRequest) => {
    const f = form(req)
    const t = translated(f)
    const { start, end } = guard(() => parseRange(f))
    if (t.kind === 'log') {
      const limit = guard(() => parseLimit(f))
      const direction = guard(() => parseDirection(f))
      const r = await run('query_range', req, (ctx) => runLogs(ctx, t.log, { start, end }, limit, direction))
      return { status: 'success', data: { resultType: 'streams', result: r.streams, stats: lokiStats(r.stats) } }
    }
    const step = guard(() => parseStep(f, start, end))
    // Steps fall on multiples of the step, as Loki aligns them.
    const first = ((start + step - 1n) / step) * step
    const last = (end / step) * step
    const r = await run('query_range', req, (ctx) => runMetric(ctx, t.expr, { start: first, end: last < first ? first : last, step }))
    return { status: 'success', data: { resultType: 'matrix', result: r.series, stats: lokiStats(r.stats) } }
  }

  const instant = async (req: FastifyRequest) => {
    const f = form(req)
    const t = translated(f)
    const time = guard(() => parseTime(f, 'time', nowNs()))
    if (t.kind === 'log') {
      throw new Errors.BAD_LOGQL('log queries are not supported as an instant query type, please change your query to a range query type')
    }
    if (t.expr.kind === 'scalar') {
      return { status: 'success', data: { resultType: 'scalar', result: [seconds(time), String(t.expr.value)], stats: lokiStats({ rowsRead: 0, elapsedMs: 0, returned: 1 }) } }
    }
    const expr = t.expr
    const r = await run('query', req, (ctx) => runMetric(ctx, expr, { start: time, end: time, step: 1_000_000_000n }))
    let result = r.series.map((s) => ({ metric: s.metric, value: s.values[0] as [number, string] }))
    if (expr.kind === 'aggregate' && (expr.op === 'sort' || expr.op === 'sort_desc' || expr.op === 'topk' || expr.op === 'bottomk')) {
      const sign = expr.op === 'sort' || expr.op === 'bottomk' ? 1 : -1
      result = result.sort((a, b) => sign * (Number(a.value[1]) - Number(b.value[1])))
    }
    return { status: 'success', data: { resultType: 'vector', result, stats: lokiStats(r.stats) } }
  }

  const prefix = '/loki/api/v1'
  app.get(`${prefix}/query_range`, queryRange)
  app.post(`${prefix}/query_range`, queryRange)
  app.get(`${prefix}/query`, instant)
  app.post(`${prefix}/query`, instant)
  metaRoutes(app, { run, guard })

  // Patterns (Loki's pattern ingester; Grafana's Logs Drilldown "Patterns" tab): the templates the
  // process role mined (patterns/) of the entries the selector matches, most frequent first, each with
  // its count per `step` as [seconds, count]. Loki writes a variable part as `<_>`.
  app.get(`${prefix}/patterns`, async (req) => {
    const f = form(req)
    const { range, step, log } = guard(() => {
      const range = parseRange(f)
      const q = get(f, 'query')
      const t = q === undefined ? undefined : translate(q)
      if (t && t.kind !== 'log') throw new LogqlError(`parse error : only a stream selector is accepted here, not ${q?.slice(0, 60)}`)
      return { range, step: parseStep(f, range.start, range.end), log: t?.kind === 'log' ? t.log : undefined }
    })
    const from = canonical(range.start)
    const to = canonical(range.end + 1n)
    const stepMs = Math.max(1, Number(step / 1_000_000n))
    const found = await run('patterns', req, (ctx) =>
      store.listPatterns(ctx, { from, to, ...(log ? { search: logSearch(log, () => {}) } : {}) }, { limit: MAX_LOKI_PATTERNS, intervalMs: stepMs, from, to }),
    )
    return {
      status: 'success',
      data: found.map((p) => ({
        pattern: p.template.split(WILDCARD).join('<_>'),
        samples: p.buckets.map((b) => [Math.floor(Date.parse(b.time) / 1000), b.count]),
      })),
    }
  })
  if (hub) tailRoute(app, hub, run)
}
