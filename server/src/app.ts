/**
 * Assembles one process from its roles: the bus, the store, and the routes and loops of each role,
 * and shuts them down in the order that loses nothing (stop taking, flush, drain, close).
 */
import { resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import { pino, type Logger } from 'pino'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { Alerting, alertingRoutes } from './alerting/index.js'
import { KeyRing } from './auth/index.js'
import { sessionRoutes } from './auth/routes.js'
import { Sessions } from './auth/session.js'
import { openTransport, type Transport } from './bus/index.js'
import { checkRunnable, type Config } from './config.js'
import { HttpMetrics } from './http/metrics.js'
import { registerOpenApi } from './http/openapi/index.js'
import { commonRoutes } from './http/routes.js'
import { createServer } from './http/server.js'
import { defaultWebDir, webRoutes } from './http/web.js'
import { GroupCommit, IngestMetrics, Ingestor, SyslogServer, TenantQuotas, ingestRoutes } from './ingest/index.js'
import { QuerySlots } from './query/concurrency.js'
import { adminRoutes } from './admin/routes.js'
import { AdminStore } from './admin/store.js'
import { LiveHub } from './live/hub.js'
import { configureValidation } from './model/index.js'
import { LiveMetrics } from './live/metrics.js'
import { liveRoutes } from './live/routes.js'
import { lokiRoutes } from './loki/routes.js'
import { ProcessMetrics, Worker, patternStage, type Labeler } from './process/index.js'
import { QueryMetrics } from './query/metrics.js'
import { rejectedRoutes } from './query/rejected.js'
import { queryRoutes } from './query/routes.js'
import { Store } from './store/index.js'

/** Each stage's metrics, all on the process's one registry (`GET /metrics`). */
export interface AppMetrics {
  registry: Registry
  http: HttpMetrics
  ingest: IngestMetrics
  query: QueryMetrics
  live: LiveMetrics
  process: ProcessMetrics
}

/**
 * Every stage's metrics exist in every process, whatever its roles, so `/metrics` has the same
 * names everywhere (dashboards and alert rules rely on them).
 */
function createMetrics(): AppMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'oglogstream_' })
  return {
    registry,
    http: new HttpMetrics(registry),
    ingest: new IngestMetrics(registry),
    query: new QueryMetrics(registry),
    live: new LiveMetrics(registry),
    process: new ProcessMetrics(registry),
  }
}

/**
 * Where a key or a session cookie could sit in a log line, should anything log a request's headers
 * or a parser error's raw bytes: censored (issue 13; test/e2e/secrets-in-logs.test.ts).
 */
export const SECRET_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'err.rawPacket',
]

export interface App {
  config: Config
  server: FastifyInstance
  /** The bus parts this process's roles use. */
  bus: Transport
  store: Store | undefined
  worker: Worker | undefined
  /** The query role's alerting (rules, evaluator, notifiers). */
  alerting: Alerting | undefined
  metrics: AppMetrics
  /** Per-tenant query slots (max_concurrent_queries of API_KEYS_FILE). */
  querySlots: QuerySlots
  log: Logger
  /** Listens on HTTP_PORT (and the syslog ports); resolves with the HTTP address. */
  listen(): Promise<string>
  /** Graceful shutdown, bounded by SHUTDOWN_TIMEOUT. Resolves true when everything was flushed. */
  stop(): Promise<boolean>
}

function serviceName(config: Config): string {
  const r = config.roles
  if (r.size === 3) return 'oglogstream'
  return [r.has('ingest') && 'ingestion-api', r.has('process') && 'processor', r.has('query') && 'query-api'].filter(Boolean).join('+')
}

export async function createApp(config: Config, logger?: Logger): Promise<App> {
  const log = logger ?? pino({ level: config.app.logLevel, base: { roles: [...config.roles].join(',') }, redact: { paths: SECRET_LOG_PATHS, censor: '[redacted]' } })
  checkRunnable(config)
  configureValidation({ maxFutureSkewMs: config.ingest.maxFutureSkewMs })
  const metrics = createMetrics()
  const { roles } = config
  const needsStore = roles.has('process') || roles.has('query')

  // The store first: the embedded engine locks DATA_DIR (chdb's DATA_DIR/status), and that lock is what
  // keeps a second process off the directory. Taken before the write-ahead log (DATA_DIR/wal) is opened,
  // a second process stops here (DataDirInUseError) without reading, truncating or rewriting a file of
  // the log the first one is writing.
  const store = needsStore ? await Store.open(config.store) : undefined
  if (store && roles.has('process')) {
    const byTenant = Object.fromEntries(Object.entries(config.http.apiKeysFile?.tenants ?? {}).flatMap(([t, l]) => (l.retentionDays ? [[t, l.retentionDays]] : [])))
    const applied = await store.migrate(config.store.retentionDays, byTenant)
    log.info({ store: store.kind, location: store.location, migrations: applied }, 'store ready')
  }

  const bus = await openTransport(config, log)

  const keys = new KeyRing(config.http)
  const tenantLimits = (tenant: string) => config.http.apiKeysFile?.tenants[tenant]
  const slots = new QuerySlots(tenantLimits, config.store.queryTimeoutMs)
  const server = createServer({ ...config.http, bodyLimit: config.ingest.maxBatchBytes }, log, metrics.http)
  await registerOpenApi(server, { version: '0.1.0' }) // before any route: it documents those registered after
  await server.register(commonRoutes, {
    serviceName: serviceName(config),
    health: { bus: () => bus.status(), store: store ? () => store.ping() : undefined },
    registry: metrics.registry,
    metricsAuth: keys.hook('metrics'),
    beforeScrape: () => {
      const n = bus.pending()
      if (n !== undefined) metrics.process.queueDepth.set(n)
    },
  })

  let ingestor: Ingestor | undefined
  if (bus.publisher && roles.has('ingest')) {
    const { commitMaxEntries } = config.ingest
    const commit = new GroupCommit(bus.publisher, bus.commitDelayMs, commitMaxEntries, (n) => metrics.ingest.commitSize.observe(n))
    ingestor = new Ingestor(commit, metrics.ingest, new TenantQuotas(tenantLimits))
    await server.register(ingestRoutes, { ingestor, config: config.ingest, auth: keys.hook('ingest') })
  }
  const { syslogTcpPort: tcpPort, syslogUdpPort: udpPort } = config.syslog
  const syslog =
    ingestor && (tcpPort !== undefined || udpPort !== undefined) ? new SyslogServer(ingestor, log, {
          host: config.http.host,
          tcpPort,
          udpPort,
          idleTimeoutMs: config.syslog.syslogIdleTimeoutMs,
          maxConnections: config.syslog.syslogMaxConnections,
          maxConnectionsPerIp: config.syslog.syslogMaxConnectionsPerIp,
        }) : undefined

  let worker: Worker | undefined
  let patterns: Labeler | undefined
  if (bus.workQueue && store) {
    const s = store
    // The miner on a thread of its own (PATTERN_THREAD=on: the other core mines while the event loop
    // serves) or on the event loop (process/labeler.ts).
    patterns = patternStage(config.process.patterns, config.process.patternThread, { save: (r) => s.patterns.save(r), load: () => s.patterns.load() }, log)
    worker = new Worker(bus.workQueue, store, config.process, metrics.process, log, patterns)
  }

  let alerting: Alerting | undefined
  let hub: LiveHub | undefined
  let unsubscribeLive: (() => void) | undefined
  if (bus.liveFeed && store) {
    const auth = keys.hook('query')
    const { liveBufferBytes: bufferBytes, liveMaxClients: maxClients, livePendingBytes: pendingBytes } = config.live
    hub = new LiveHub(metrics.live, { bufferBytes, maxClients, pendingBytes })
    const h = hub
    unsubscribeLive = bus.liveFeed.subscribe((entries) => h.publish(entries))
    await server.register(websocket, { options: { maxPayload: config.live.liveMaxPayloadBytes } })
    await server.register(queryRoutes, { store, metrics: metrics.query, auth, slots, traceUrlTemplate: config.query.traceUrlTemplate })
    await server.register(rejectedRoutes, {
      store,
      publisher: bus.publisher,
      queryAuth: auth,
      ingestAuth: keys.hook('ingest'),
      queryTimeoutMs: config.store.queryTimeoutMs,
    })
    const sessions = new Sessions(keys, { secret: config.http.sessionSecret, ttlMs: config.http.sessionTtlMs })
    keys.sessionLookup = (req) => sessions.lookup(req)
    if (keys.guarded('query') && !sessions.shared) {
      log.warn('SESSION_SECRET is unset: dashboard sessions are signed with a random secret of this process, so they end when it stops and are not valid on other instances')
    }
    await server.register(sessionRoutes, { keys, sessions, log })
    await server.register(liveRoutes, { hub, auth, metrics: metrics.live, origins: config.http.corsOrigins })
    const admin = new AdminStore(store.system.client, store.system.database)
    await server.register(adminRoutes, { store, admin, auth: keys.hook('admin'), log })
    await server.register(lokiRoutes, { store, metrics: metrics.query, auth, hub, slots })
    const a = config.alerting
    alerting = new Alerting(
      store,
      metrics.registry,
      {
        rulesDir: a.rulesDir,
        evaluationIntervalMs: a.evaluationIntervalMs,
        externalUrl: a.externalUrl,
        notify: {
          configFile: a.alertingConfig,
          alertmanagerUrls: a.alertmanagerUrls,
          timeoutMs: a.notifyTimeoutMs,
          resendDelayMs: a.resendDelayMs,
          retryBaseMs: a.notifyRetryBaseMs,
          retryMaxMs: a.notifyRetryMaxMs,
          giveUpAfterMs: a.notifyGiveUpMs,
        },
      },
      log,
    )
    alerting.init()
    await server.register(alertingRoutes, { alerting, auth })
    const { webDir } = config.query
    await server.register(webRoutes, { dir: webDir ? resolve(webDir) : defaultWebDir() })
  }

  let stopping: Promise<boolean> | undefined
  return {
    config,
    server,
    bus,
    store,
    worker,
    alerting,
    metrics,
    querySlots: slots,
    log,
    async listen() {
      worker?.start()
      await syslog?.start()
      const address = await server.listen({ port: config.http.httpPort, host: config.http.host })
      alerting?.run(bus.lease?.('alerting-evaluator', config.alerting.alertingLeaseTtlMs))
      log.info({ address, roles: [...roles], bus: bus.name, store: store?.kind }, 'oglogstream listening')
      return address
    },
    stop() {
      stopping ??= (async () => {
        const deadline = new Promise<false>((r) => setTimeout(() => r(false), config.app.shutdownTimeoutMs).unref())
        const work = (async () => {
          await syslog?.close() // listeners first: what they hold still reaches the bus
          ingestor?.close()
          hub?.closeAll()
          await server.close()
          await alerting?.close()
          unsubscribeLive?.()
          // JetStream: finish the batch in hand and hand the rest back, rather than drain the stream.
          bus.workQueue?.stopPulling()
          await worker?.stop()
          await patterns?.close?.()
          await bus.close()
          return true
        })()
        const ok = await Promise.race([work, deadline])
        if (!ok) log.error({ pending: bus.pending(), timeoutMs: config.app.shutdownTimeoutMs }, 'shutdown timed out; entries still pending were not flushed')
        await store?.close().catch(() => {})
        return ok
      })()
      return stopping
    },
  }
}
