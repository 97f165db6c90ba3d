/**
 * Routes every role serves: `GET /health` (seed shape) and `GET /metrics` (Prometheus). What they
 * report is composed in app.ts from status callbacks; nothing here knows the bus or the store.
 */
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { HealthResponse } from '@oglogstream/shared'

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
}

export async function commonRoutes(app: FastifyInstance, { serviceName, health, registry, beforeScrape }: CommonContext): Promise<void> {
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

  app.get('/metrics', async (_req, reply) => {
    beforeScrape?.()
    reply.header('Content-Type', registry.contentType)
    return registry.metrics()
  })
}
