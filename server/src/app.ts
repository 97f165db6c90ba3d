/**
 * Assembles one process from its roles: the bus, the store, and the routes and loops of each role,
 * and shuts them down in the order that loses nothing (stop taking, flush, drain, close).
 */
import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import { pino, type Logger } from 'pino'
import type { Bus } from './bus/bus.js'
import { WalBus } from './bus/wal/index.js'
import { ConfigError, type Config } from './config.js'
import { Metrics } from './http/metrics.js'
import { commonRoutes } from './http/routes.js'
import { createServer } from './http/server.js'
import { defaultWebDir, webRoutes } from './http/web.js'
import { GroupCommit, Ingestor, SyslogServer, ingestRoutes } from './ingest/index.js'
import { LiveHub } from './live/hub.js'
import { liveRoutes } from './live/routes.js'
import { Worker } from './process/worker.js'
import { queryRoutes } from './query/routes.js'
import { Store } from './store/index.js'

/** Entries per bus message at most (group commit). */
const COMMIT_MAX_ENTRIES = 1_000

export interface App {
  config: Config
  server: FastifyInstance
  bus: Bus
  store: Store | undefined
  worker: Worker | undefined
  metrics: Metrics
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
  const log = logger ?? pino({ level: config.logLevel, base: { roles: [...config.roles].join(',') } })
  const metrics = new Metrics()
  const { roles } = config
  const needsStore = roles.has('process') || roles.has('query')
  if (needsStore && !config.clickhouseUrl && config.natsUrl && !roles.has('process')) {
    throw new ConfigError(
      'CLICKHOUSE_URL',
      'a query-only process needs a ClickHouse server: the embedded store belongs to one process, so run the roles process,query together or set CLICKHOUSE_URL',
    )
  }

  let bus: Bus
  if (config.natsUrl) {
    const { NatsBus } = await import('./bus/nats.js')
    bus = await NatsBus.connect(config, log, metrics)
  } else {
    // Embedded: the bus is a write-ahead log under DATA_DIR, so a 202 means on disk (issue 12).
    bus = await WalBus.open(
      { dir: join(config.dataDir, 'wal'), sync: config.walSync, maxBytes: config.walMaxBytes, minFreeDiskBytes: config.minFreeDiskBytes },
      log,
    )
  }

  const store = needsStore ? await Store.open(config) : undefined
  if (store && roles.has('process')) {
    const applied = await store.migrate(config.retentionDays)
    log.info({ store: store.kind, location: store.location, migrations: applied }, 'store ready')
  }

  const server = createServer(config, log, metrics)
  await server.register(commonRoutes, { serviceName: serviceName(config), bus, store, metrics })

  let ingestor: Ingestor | undefined
  if (roles.has('ingest')) {
    const commit = new GroupCommit(bus, bus.kind === 'memory' ? 0 : config.commitDelayMs, COMMIT_MAX_ENTRIES, (n) =>
      metrics.commitSize.observe(n),
    )
    ingestor = new Ingestor(commit, metrics)
    await server.register(ingestRoutes, { ingestor, config, metrics })
  }
  const syslog =
    ingestor && (config.syslogTcpPort !== undefined || config.syslogUdpPort !== undefined)
      ? new SyslogServer(ingestor, log, { host: config.host, tcpPort: config.syslogTcpPort, udpPort: config.syslogUdpPort })
      : undefined

  let worker: Worker | undefined
  if (roles.has('process') && store) {
    worker = new Worker(
      bus,
      store,
      { batchSize: config.batchSize, flushTimeoutMs: config.flushTimeoutMs, maxRetries: config.maxRetries, retryBaseMs: config.retryBaseMs },
      metrics,
      log,
    )
  }

  let hub: LiveHub | undefined
  let unsubscribeLive: (() => void) | undefined
  if (roles.has('query') && store) {
    hub = new LiveHub(metrics, config.liveBufferBytes)
    const h = hub
    unsubscribeLive = bus.onLive((entries) => h.publish(entries))
    await server.register(websocket, { options: { maxPayload: 64 * 1024 } })
    await server.register(queryRoutes, { store, config, metrics })
    await server.register(liveRoutes, { hub, config })
    await server.register(webRoutes, { dir: config.webDir ? resolve(config.webDir) : defaultWebDir() })
  }

  let stopping: Promise<boolean> | undefined
  return {
    config,
    server,
    bus,
    store,
    worker,
    metrics,
    log,
    async listen() {
      worker?.start()
      await syslog?.start()
      const address = await server.listen({ port: config.httpPort, host: config.host })
      log.info({ address, roles: [...roles], bus: bus.kind, store: store?.kind }, 'oglogstream listening')
      return address
    },
    stop() {
      stopping ??= (async () => {
        const deadline = new Promise<false>((r) => setTimeout(() => r(false), config.shutdownTimeoutMs).unref())
        const work = (async () => {
          await syslog?.close() // listeners first: what they hold still reaches the bus
          ingestor?.close()
          hub?.closeAll()
          await server.close()
          unsubscribeLive?.()
          // JetStream: finish the batch in hand and hand the rest back, rather than drain the stream.
          bus.stopPulling?.()
          await worker?.stop()
          await bus.close()
          return true
        })()
        const ok = await Promise.race([work, deadline])
        if (!ok) log.error({ pending: bus.pending(), timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; entries still pending were not flushed')
        await store?.close().catch(() => {})
        return ok
      })()
      return stopping
    },
  }
}
