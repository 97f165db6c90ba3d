/**
 * The shared HTTP server: one Fastify instance per process, whatever its roles. CORS, per-IP rate
 * limits, request timeouts and the error path (http/errors.ts) are set here once; API keys are in
 * auth/keys.ts, applied by each role's routes.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { Logger } from 'pino'
import type { HttpOptions } from '../config.js'
import { Errors } from '../errors.js'
import { clientErrorHandler, installErrorHandling } from './errors.js'
import type { HttpMetrics } from './metrics.js'

export interface ServerOptions extends HttpOptions {
  /** Body limit of routes without their own (the ingest role's MAX_BATCH_BYTES). */
  bodyLimit: number
}

export function createServer(opts: ServerOptions, logger: Logger, metrics: HttpMetrics): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    requestTimeout: opts.requestTimeoutMs,
    connectionTimeout: 0,
    keepAliveTimeout: opts.keepAliveTimeoutMs,
    forceCloseConnections: 'idle',
    // While closing, requests get LOG_ERR_SHUTTING_DOWN through the error path below (with
    // Retry-After), not Fastify's own 503 body.
    return503OnClosing: false,
    trustProxy: true,
    clientErrorHandler: clientErrorHandler({ bodyLimit: opts.bodyLimit, requestTimeoutMs: opts.requestTimeoutMs }),
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  }) as unknown as FastifyInstance

  installErrorHandling(app, { bodyLimit: opts.bodyLimit, requestTimeoutMs: opts.requestTimeoutMs })

  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', async (_req, reply) => {
    if (!closing) return
    reply.header('connection', 'close')
    throw new Errors.SHUTTING_DOWN()
  })

  app.addHook('onResponse', async (req, reply) => {
    metrics.requests.inc({ route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) })
  })

  app.register(cors, {
    origin: opts.corsOrigins === '*' ? '*' : opts.corsOrigins,
    methods: ['GET', 'POST', 'OPTIONS', 'HEAD'],
    exposedHeaders: ['X-Next-Cursor', 'Retry-After'],
    maxAge: 600,
  })

  if (opts.rateLimitMax > 0) {
    app.register(rateLimit, {
      global: true,
      max: opts.rateLimitMax,
      timeWindow: opts.rateLimitWindowMs,
      allowList: (req: FastifyRequest) => req.url === '/health' || req.url === '/metrics',
      // Retry-After is set by the error path, from the error's retryAfterSeconds.
      addHeaders: { 'retry-after': false },
      errorResponseBuilder: (_req, ctx) => {
        const seconds = Math.ceil(ctx.ttl / 1000)
        return Object.assign(new Errors.RATE_LIMITED(ctx.max, ctx.after, seconds), { retryAfterSeconds: seconds })
      },
    })
  }
  return app
}
