/**
 * Routes every role serves: `GET /health` (seed shape) and `GET /metrics` (Prometheus). What they
 * report is composed in app.ts from status callbacks; nothing here knows the bus or the store.
 */
import type { FastifyInstance } from 'fastify'
import { Gauge, type Registry } from 'prom-client'
import type { HealthResponse } from '@oglogstream/shared'
import type { AuthHook } from '../auth/keys.js'

/** Bus statuses that count as healthy (bus/bus.ts `BusStatus`). */
const BUS_OK = new Set(['CONNECTED', 'EMBEDDED'])

export interface HealthChecks {
  /** The bus's status, reported as `nats_status`; healthy when CONNECTED or EMBEDDED. */
  bus: () => string
  /** Whether the store answers, for roles that use one (`store_status`). */
  store?: (() => Promise<boolean>) | undefined
}

export interface CommonContext {
  serviceName: string
  health: HealthChecks
  registry: Registry
  /** Called before each scrape, to set gauges that are read rather than pushed (queue depth). */
  beforeScrape?: () => void
  /** Checks the key of the metrics scope (`API_KEYS_METRICS`; open when none is set). */
  metricsAuth: AuthHook
}

export async function commonRoutes(app: FastifyInstance, { serviceName, health, registry, beforeScrape, metricsAuth }: CommonContext): Promise<void> {
  app.get('/health', async (_req, reply) => {
    const natsStatus = health.bus()
    const storeOk = health.store ? await health.store() : undefined
    const ok = BUS_OK.has(natsStatus) && storeOk !== false
    const body: HealthResponse = {
      status: ok ? 'ok' : 'degraded',
      service: serviceName,
      nats_status: natsStatus,
      timestamp: new Date().toISOString(),
    }
    if (health.store) body.store_status = storeOk ? 'CONNECTED' : 'UNAVAILABLE'
    return reply.code(ok ? 200 : 503).send(body)
  })

  // For alerting on the bus (deploy/prometheus/rules.yml): 1 when /health would call it healthy.
  const busUp =
    (registry.getSingleMetric('oglogstream_bus_up') as Gauge | undefined) ??
    new Gauge({ name: 'oglogstream_bus_up', help: 'Whether the bus is usable (NATS connected, or the embedded log open): 1 or 0', registers: [registry] })
  app.get('/metrics', { onRequest: metricsAuth }, async (_req, reply) => {
    busUp.set(BUS_OK.has(health.bus()) ? 1 : 0)
    beforeScrape?.()
    reply.header('Content-Type', registry.contentType)
    return registry.metrics()
  })
}
