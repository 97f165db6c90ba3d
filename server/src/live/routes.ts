import type { FastifyInstance } from 'fastify'
import { tenantOf, type AuthHook } from '../auth/index.js'
import { Errors } from '../errors.js'
import { checkOrigin } from './origin.js'
import type { Entry } from '../model/index.js'
import { parseFilter, param, type Query } from '../query/params.js'
import { matchesSearch } from '../query/search/index.js'
import type { LiveHub } from './hub.js'
import type { LiveMetrics } from './metrics.js'

/**
 * `WS /ws/live?level=&service=&q=`: one entry per message, newest as they arrive. At the client cap
 * the upgrade is refused before it happens (HTTP 503 LOG_ERR_LIVE_FULL); the few upgrades already
 * under way when the cap is reached are closed with 1013 "try again later". A browser page of a
 * foreign origin (not the server's own, not in CORS_ORIGINS) is refused with 403 before anything else.
 */
export async function liveRoutes(
  app: FastifyInstance,
  { hub, auth, metrics, origins = [] }: { hub: LiveHub; auth: AuthHook; metrics: LiveMetrics; origins?: readonly string[] | '*' },
): Promise<void> {
  const limit = (): string => `live tail full: LIVE_MAX_CLIENTS (${hub.maxClients}) clients connected; try again later`
  const capacity = async (): Promise<void> => {
    if (!hub.full) return
    metrics.liveRefused.inc()
    throw new Errors.LIVE_FULL(hub.maxClients)
  }
  // A bad q (a query with pipes among them: the live tail runs the filter only) is a 400 before the upgrade.
  const search = async (req: { query: unknown }): Promise<void> => {
    const qs = param(req.query as Query, 'q')
    if (qs) matchesSearch(qs)
  }
  app.get('/ws/live', { websocket: true, preValidation: [checkOrigin(origins), auth, capacity, search] }, (socket, req) => {
    const q = req.query as Query
    let filter
    try {
      const f = parseFilter({ level: q.level, service: q.service })
      const qs = param(q, 'q')
      const match = qs ? matchesSearch(qs) : undefined
      filter = {
        tenant: tenantOf(req),
        levels: f.levels ? new Set<string>(f.levels) : undefined,
        services: f.services ? new Set(f.services) : undefined,
        match: match ? (e: Entry) => match(e) : undefined,
      }
    } catch (err) {
      socket.send(JSON.stringify({ status: 'error', error: (err as Error).message }))
      socket.close(1008, 'bad filter')
      return
    }
    if (!hub.add(socket, filter)) {
      metrics.liveRefused.inc()
      socket.close(1013, limit())
    }
  })
}
