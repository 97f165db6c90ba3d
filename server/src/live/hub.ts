/**
 * Live fan-out: every entry the bus delivers is matched against each WebSocket client's filters
 * and sent as one JSON message. A client whose socket has more than `maxBuffered` bytes unsent is
 * skipped for that entry (counted in `oglogstream_live_dropped_total`), so a slow reader never
 * slows ingestion or the other clients; one that stays slow is disconnected.
 */
import type { WebSocket } from 'ws'
import { toApiEntry, type Entry } from '../model/index.js'
import type { LiveMetrics } from './metrics.js'

export interface LiveFilter {
  levels?: Set<string> | undefined
  services?: Set<string> | undefined
  match?: ((e: Entry) => boolean) | undefined
}

interface Client {
  ws: WebSocket
  filter: LiveFilter
  dropped: number
}

/** Consecutive skipped entries after which a client is considered stuck and closed. */
const MAX_CONSECUTIVE_DROPS = 10_000

export class LiveHub {
  private clients = new Set<Client>()

  constructor(
    private readonly metrics: LiveMetrics,
    private readonly maxBuffered: number,
  ) {}

  get size(): number {
    return this.clients.size
  }

  add(ws: WebSocket, filter: LiveFilter): void {
    const c: Client = { ws, filter, dropped: 0 }
    this.clients.add(c)
    this.metrics.liveClients.set(this.clients.size)
    const remove = () => {
      this.clients.delete(c)
      this.metrics.liveClients.set(this.clients.size)
    }
    ws.once('close', remove)
    ws.once('error', remove)
  }

  publish(entries: Entry[]): void {
    if (this.clients.size === 0) return
    // Serialize each entry at most once, whatever the number of clients.
    const cache = new Map<Entry, string>()
    for (const c of this.clients) {
      if (c.ws.readyState !== 1) continue
      for (const e of entries) {
        const f = c.filter
        if (f.levels && !f.levels.has(e.level)) continue
        if (f.services && !f.services.has(e.service)) continue
        if (f.match && !f.match(e)) continue
        if (c.ws.bufferedAmount > this.maxBuffered) {
          this.metrics.liveDropped.inc()
          if (++c.dropped > MAX_CONSECUTIVE_DROPS) c.ws.close(1013, 'too slow: live entries were being dropped')
          continue
        }
        c.dropped = 0
        let text = cache.get(e)
        if (text === undefined) cache.set(e, (text = JSON.stringify(toApiEntry(e))))
        c.ws.send(text)
      }
    }
  }

  closeAll(): void {
    for (const c of this.clients) c.ws.close(1001, 'server shutting down')
  }
}
