/** The live tail's metrics, on the registry the process gives it: connected clients, entries dropped. */
import { Counter, Gauge, type Registry } from 'prom-client'

export class LiveMetrics {
  readonly liveClients: Gauge
  readonly liveDropped: Counter

  constructor(registry: Registry) {
    this.liveClients = new Gauge({
      name: 'oglogstream_live_clients',
      help: 'Connected live-tail WebSocket clients',
      registers: [registry],
    })
    this.liveDropped = new Counter({
      name: 'oglogstream_live_dropped_total',
      help: 'Live-tail entries not sent to a client because it was too slow',
      registers: [registry],
    })
  }
}
