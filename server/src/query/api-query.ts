/**
 * `GET /api/query`, `/api/fields`, `/api/field_values` (SPEC §8): the query language's results, and
 * the field names and values that feed autocompletion and facets. Registered by `routes.ts`, which
 * brings the API key check and `run` (latency metric, abort on disconnect, store errors mapped).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Errors } from '../errors.js'
import { queries } from '../store/index.js'
import { fieldNames, fieldValues, MAX_ROWS, runPipeline } from './analytics.js'
import { encodeCursor, param, parseCursor, parseFilter, parseInt, type Query } from './params.js'
import { compileQuery, parseQuery } from './search/index.js'

type Run = <T>(endpoint: string, req: FastifyRequest, fn: (ctx: queries.QueryContext) => Promise<T>) => Promise<T>

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,199}$/

/** The time range, level and service of the request; `q` is parsed separately, pipes and all. */
function parse(q: Query) {
  const qs = param(q, 'q') ?? ''
  if (qs.length > 4096) throw new Errors.BAD_PARAMETER('q', 'is longer than 4096 characters')
  const base = parseFilter({ ...q, q: undefined })
  return { base, pl: parseQuery(qs) }
}

export function analyticsRoutes(app: FastifyInstance, run: Run): void {
  app.get('/api/query', async (req, reply) => {
    const q = req.query as Query
    const { base, pl } = parse(q)
    if (!pl.stages.length) {
      // A plain filter: the entries, as /api/logs returns them (newest first, paged by cursor).
      const limit = parseInt(q, 'limit', 100, 1, MAX_ROWS)
      const cursor = parseCursor(q)
      const page = await run('query', req, (ctx) =>
        queries.listLogs(ctx, { ...base, search: compileQuery(pl.filter) }, { limit, order: 'desc', cursor }),
      )
      if (page.next) reply.header('X-Next-Cursor', encodeCursor(page.next))
      return page.entries
    }
    const limit = parseInt(q, 'limit', 1000, 1, MAX_ROWS)
    return run('query', req, (ctx) => runPipeline(ctx, base, pl, limit))
  })

  app.get('/api/fields', async (req) => {
    const q = req.query as Query
    const { base, pl } = parse(q)
    const limit = parseInt(q, 'limit', 1000, 1, MAX_ROWS)
    return { fields: await run('fields', req, (ctx) => fieldNames(ctx, base, pl, limit)) }
  })

  app.get('/api/field_values', async (req) => {
    const q = req.query as Query
    const name = param(q, 'name')
    if (!name) throw new Errors.BAD_PARAMETER('name', 'is required: the field whose values to count')
    if (!FIELD_NAME.test(name))
      throw new Errors.BAD_PARAMETER(
        'name',
        `'${name.slice(0, 40)}' is not a field name (letters, digits, _ . -, starting with a letter or _)`,
      )
    const { base, pl } = parse(q)
    const limit = parseInt(q, 'limit', 10, 1, 1000)
    return { name, values: await run('field_values', req, (ctx) => fieldValues(ctx, base, pl, name, limit)) }
  })
}
