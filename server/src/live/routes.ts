import type { FastifyInstance } from 'fastify'
import type { AuthHook } from '../auth/keys.js'
import type { Entry } from '../model/index.js'
import { parseFilter, param, type Query } from '../query/params.js'
import { matchesSearch } from '../query/search/index.js'
import type { LiveHub } from './hub.js'

/** `WS /ws/live?level=&service=&q=`: one entry per message, newest as they arrive. */
export async function liveRoutes(app: FastifyInstance, { hub, auth }: { hub: LiveHub; auth: AuthHook }): Promise<void> {
  app.get('/ws/live', { websocket: true, preValidation: auth }, (socket, req) => {
    const q = req.query as Query
    let filter
    try {
      const f = parseFilter({ level: q.level, service: q.service })
      const qs = param(q, 'q')
      const match = qs ? matchesSearch(qs) : undefined
      filter = {
        levels: f.levels ? new Set<string>(f.levels) : undefined,
        services: f.services ? new Set(f.services) : undefined,
        match: match ? (e: Entry) => match(e) : undefined,
      }
    } catch (err) {
      socket.send(JSON.stringify({ status: 'error', error: (err as Error).message }))
      socket.close(1008, 'bad filter')
      return
    }
    hub.add(socket, filter)
  })
}
