/**
 * The shared HTTP server: one Fastify instance per process, whatever its roles. Security headers,
 * CORS, per-IP rate limits, request timeouts and the error path (http/errors.ts) are set here once;
 * API keys are in auth/keys.ts, applied by each role's routes.
 *
 * Safe by default: X-Forwarded-For is believed only from TRUSTED_PROXIES (otherwise any client picks
 * its own rate-limit key), CORS answers only CORS_ORIGINS (a foreign page must not read the logs of
 * a visitor), and the limiter runs before any API key check, so guessing keys is limited too.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { Logger } from 'pino'
import type { HttpOptions } from '../config.js'
import { Errors } from '../errors.js'
import { clientErrorHandler, installErrorHandling } from './errors.js'
import type { HttpMetrics } from './metrics.js'
import { securityHeaders } from './security-headers.js'

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
    trustProxy: opts.trustedProxies.length > 0 ? [...opts.trustedProxies] : false,
    clientErrorHandler: clientErrorHandler({ bodyLimit: opts.bodyLimit, requestTimeoutMs: opts.requestTimeoutMs }),
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  }) as unknown as FastifyInstance

  installErrorHandling(app, { bodyLimit: opts.bodyLimit, requestTimeoutMs: opts.requestTimeoutMs })
  enforceRequestTimeout(app.server, opts.requestTimeoutMs)

  // Helmet's headers, computed once (security-headers.ts), on every response.
  const headers = securityHeaders({
    // The built dashboard (web/dist) loads one module script and one stylesheet from /assets, an
    // inline SVG icon (data:), and talks to /api and /ws/live on its own origin; Vue's :style
    // bindings go through the CSSOM, which style-src does not govern.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS is for whoever terminates TLS (HAProxy or another proxy), not for a plain-HTTP server.
    strictTransportSecurity: false,
    // Other origins may read only what CORS_ORIGINS opens to them.
    crossOriginResourcePolicy: { policy: opts.corsOrigins === '*' || opts.corsOrigins.length > 0 ? 'cross-origin' : 'same-origin' },
  })

  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  // Callback hooks (no promise per request). Security headers first, so that every answer has them.
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers)
    if (!closing) return done()
    reply.header('connection', 'close')
    done(new Errors.SHUTTING_DOWN())
  })
  const countRequest = requestCounter(metrics)
  app.addHook('onResponse', (req, reply, done) => {
    countRequest(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode)
    done()
  })

  // An empty CORS_ORIGINS: no CORS at all, so only the server's own origin (the dashboard) reads. The
  // plugin is then not registered: with `origin: false` it added nothing to any answer, yet ran a hook
  // on every request, and its `OPTIONS *` route answered the 404 that no route gives as well.
  if (opts.corsOrigins === '*' || opts.corsOrigins.length > 0) {
    app.register(cors, {
      origin: opts.corsOrigins === '*' ? '*' : [...opts.corsOrigins],
      methods: ['GET', 'POST', 'OPTIONS', 'HEAD'],
      exposedHeaders: ['X-Next-Cursor', 'Retry-After'],
      maxAge: 600,
    })
  }

  if (opts.rateLimitMax > 0) {
    // A root onRequest hook rather than the plugin's per-route one: route hooks run after the hooks
    // of the route's plugin, where the API key checks are, and a wrong key must count too.
    app
      .register(rateLimit, {
        global: false,
        max: opts.rateLimitMax,
        timeWindow: opts.rateLimitWindowMs,
        allowList: (req: FastifyRequest) => req.routeOptions.url === '/health',
        // Retry-After is set by the error path, from the error's retryAfterSeconds.
        addHeaders: { 'retry-after': false },
        errorResponseBuilder: (_req, ctx) => {
          const seconds = Math.ceil(ctx.ttl / 1000)
          // The window as configured: the plugin's ctx.after is the time left, "59 seconds" a moment in.
          return Object.assign(new Errors.RATE_LIMITED(ctx.max, windowText(opts.rateLimitWindowMs), seconds), { retryAfterSeconds: seconds })
        },
      })
      .after(() => app.addHook('onRequest', app.rateLimit()))
  }
  return app
}

/**
 * `oglogstream_http_requests_total{route,method,status}` through the counter's children, kept per
 * label set (routes, methods and statuses are few): no label object hashed per request.
 */
function requestCounter(metrics: HttpMetrics): (route: string, method: string, status: number) => void {
  const children = new Map<string, { inc(): void }>()
  return (route, method, status) => {
    const key = `${route} ${method} ${status}`
    let c = children.get(key)
    if (!c) children.set(key, (c = metrics.requests.labels(route, method, String(status))))
    c.inc()
  }
}

/**
 * Node checks REQUEST_TIMEOUT only on its connection sweep, every 30 s by default, and the headers
 * against headersTimeout (60 s): a request stalled past REQUEST_TIMEOUT was answered 408 only after up
 * to 90 s. The headers count against REQUEST_TIMEOUT too, and the sweep runs often enough that a
 * stalled request is answered within a quarter of the timeout of it (at least every 100 ms, at most
 * every 30 s). Set before listen: Node starts the sweep when the server starts listening.
 */
export function enforceRequestTimeout(server: FastifyInstance['server'], requestTimeoutMs: number): void {
  if (requestTimeoutMs <= 0) return
  const http = server as FastifyInstance['server'] & { headersTimeout: number; connectionsCheckingInterval?: number }
  http.headersTimeout = Math.min(http.headersTimeout || requestTimeoutMs, requestTimeoutMs)
  http.connectionsCheckingInterval = Math.min(30_000, Math.max(100, Math.floor(requestTimeoutMs / 4)))
}

/** A duration in words, as the rate-limit message names its window: `1 minute`, `30 seconds`, `2 hours`. */
function windowText(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1_000],
  ]
  for (const [unit, n] of units) {
    if (ms < n) continue
    const v = Math.round(ms / n)
    return `${v} ${unit}${v === 1 ? '' : 's'}`
  }
  return `${ms} ms`
}
