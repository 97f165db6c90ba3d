/**
 * Routes every role serves: `GET /health` (seed shape) and `GET /metrics` (Prometheus).
 */
import type { FastifyInstance } from 'fastify'
import type { HealthResponse } from '@oglogstream/shared'
import type { Transport } from '../bus/index.js'
import type { Store } from '../store/index.js'
import type { Metrics } from './metrics.js'

export interface CommonContext {
  serviceName: string
  bus: Transport | undefined
  store: Store | undefined
  metrics: Metrics
}

export async function commonRoutes(app: FastifyInstance, { serviceName, bus, store, metrics }: CommonContext): Promise<void> {
  app.get('/health', async (_req, reply) => {
    const natsStatus = bus ? bus.status() : 'NOT_USED'
    const storeOk = store ? await store.ping() : undefined
    const busOk = !bus || natsStatus === 'CONNECTED' || natsStatus === 'EMBEDDED'
    const ok = busOk && storeOk !== false
    const body: HealthResponse = {
      status: ok ? 'ok' : 'degraded',
      service: serviceName,
      nats_status: natsStatus,
      timestamp: new Date().toISOString(),
    }
    if (store) body.store_status = storeOk ? 'CONNECTED' : 'UNAVAILABLE'
    return reply.code(ok ? 200 : 503).send(body)
  })

  app.get('/metrics', async (_req, reply) => {
    const n = bus?.pending()
    if (n !== undefined) metrics.queueDepth.set(n)
    reply.header('Content-Type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}
