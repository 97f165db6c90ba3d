/**
 * The shared HTTP server: one Fastify instance per process, whatever its roles. Errors all leave
 * as `{"status":"error","error":"...","code":"..."}`; CORS, per-IP rate limits, API keys and
 * request timeouts are set here once.
 */
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { Errors } from '../errors.js'
import type { Metrics } from './metrics.js'

export function createServer(config: Config, logger: Logger, metrics: Metrics): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBatchBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    trustProxy: true,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  }) as unknown as FastifyInstance

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, body } = errorBody(err, config, req.routeOptions.bodyLimit)
    if (status >= 500 && status !== 503) req.log.error({ err }, 'request failed')
    if ((status === 503 || status === 429) && !reply.hasHeader('retry-after')) reply.header('retry-after', '1')
    reply.code(status).send(body)
  })
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ status: 'error', error: `no route ${req.method} ${req.url.split('?')[0]}`, code: 'LOG_ERR_NOT_FOUND' })
  })

  app.addHook('onResponse', async (req, reply) => {
    metrics.requests.inc({ route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) })
  })

  app.register(cors, {
    origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
    methods: ['GET', 'POST', 'OPTIONS', 'HEAD'],
    exposedHeaders: ['X-Next-Cursor', 'Retry-After'],
    maxAge: 600,
  })

  if (config.rateLimitMax > 0) {
    app.register(rateLimit, {
      global: true,
      max: config.rateLimitMax,
      timeWindow: config.rateLimitWindowMs,
      allowList: (req: FastifyRequest) => req.url === '/health' || req.url === '/metrics',
      errorResponseBuilder: (_req, ctx) => {
        const err = new Errors.RATE_LIMITED(ctx.max, ctx.after, Math.ceil(ctx.ttl / 1000))
        ;(err as FastifyError).statusCode = 429
        return err
      },
    })
  }
  return app
}

/** Maps any error (ours, Fastify's, the store's) onto a status and the JSON body of SPEC §3. */
export function errorBody(err: FastifyError, config: Config, bodyLimit?: number): { status: number; body: { status: 'error'; error: string; code: string } } {
  const code = err.code ?? 'LOG_ERR_INTERNAL'
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return mk(413, 'LOG_ERR_BODY_TOO_LARGE', `request body is larger than ${bodyLimit ?? config.maxBatchBytes} bytes`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return mk(415, 'LOG_ERR_UNSUPPORTED_MEDIA_TYPE', `unsupported content type; ${err.message.replace(/^Unsupported Media Type:?\s*/i, '') || 'use application/json'}`)
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return mk(400, 'LOG_ERR_INVALID_JSON', 'Content-Length does not match the body')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return mk(400, 'LOG_ERR_INVALID_JSON', 'malformed JSON: the body is empty')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_BAD_JSON':
      return mk(400, 'LOG_ERR_INVALID_JSON', `malformed JSON: ${err.message}`)
    case 'FST_ERR_VALIDATION':
      return mk(400, 'LOG_ERR_BAD_PARAMETER', err.message)
  }
  if (err instanceof SyntaxError || (err as { statusCode?: number }).statusCode === 400 && /JSON/.test(err.message) && !code.startsWith('LOG_')) {
    return mk(400, 'LOG_ERR_INVALID_JSON', `malformed JSON: ${err.message}`)
  }
  const status = err.statusCode ?? 500
  if (code.startsWith('LOG_ERR_')) return mk(status, code, err.message)
  if (status === 408 || code === 'FST_ERR_REQUEST_TIMEOUT') return mk(408, 'LOG_ERR_REQUEST_TIMEOUT', `the request took longer than ${config.requestTimeoutMs} ms`)
  if (status === 429) return mk(429, 'LOG_ERR_RATE_LIMITED', err.message)
  if (status === 415) return mk(415, 'LOG_ERR_UNSUPPORTED_MEDIA_TYPE', err.message)
  if (status === 413) return mk(413, 'LOG_ERR_BODY_TOO_LARGE', err.message)
  if (status < 500) return mk(status, 'LOG_ERR_BAD_PARAMETER', err.message)
  return mk(500, 'LOG_ERR_INTERNAL', `internal error: ${err.message}`)
}

function mk(status: number, code: string, error: string) {
  return { status, body: { status: 'error' as const, error, code } }
}

/** API key check for one scope; no keys configured means the scope is open. */
export function requireKey(keys: string[], scope: 'ingest' | 'query') {
  const set = new Set(keys)
  return async (req: FastifyRequest) => {
    if (set.size === 0) return
    const key = presentedKey(req.headers.authorization) ?? (req.headers['x-api-key'] as string | undefined)
    if (!key || !set.has(key.trim())) throw new Errors.UNAUTHORIZED(scope)
  }
}

/**
 * The key in an Authorization header. Besides `Bearer <key>`, the schemes log shippers built for
 * Elasticsearch send: `ApiKey <key>` and `Basic base64(user:key)` (any user name, the key as password).
 */
function presentedKey(auth: string | undefined): string | undefined {
  if (!auth) return undefined
  const sp = auth.indexOf(' ')
  const scheme = auth.slice(0, sp).toLowerCase()
  const value = auth.slice(sp + 1).trim()
  if (scheme === 'bearer' || scheme === 'apikey') return value
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon >= 0 ? decoded.slice(colon + 1) : undefined
  }
  return undefined
}
