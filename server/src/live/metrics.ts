/**
 * The live tail's metrics, on the registry the process gives it: connected clients, entries the
 * fan-out dropped, clients terminated for being too slow, connections refused at the client cap.
 */
import { Counter, Gauge, type Registry } from 'prom-client'

export class LiveMetrics {
  readonly liveClients: Gauge
  readonly liveDropped: Counter
  readonly liveTerminated: Counter
  readonly liveRefused: Counter

  constructor(registry: Registry) {
    this.liveClients = new Gauge({
      name: 'oglogstream_live_clients',
      help: 'Connected live-tail WebSocket clients',
      registers: [registry],
    })
    this.liveDropped = new Counter({
      name: 'oglogstream_live_dropped_total',
      help: 'Entries not sent to live-tail clients because the fan-out was behind by more than its pending bound',
      registers: [registry],
    })
    this.liveTerminated = new Counter({
      name: 'oglogstream_live_clients_terminated_total',
      help: 'Live-tail clients terminated because more than LIVE_BUFFER_BYTES were unsent to them',
      registers: [registry],
    })
    this.liveRefused = new Counter({
      name: 'oglogstream_live_clients_refused_total',
      help: 'Live-tail connections refused because LIVE_MAX_CLIENTS clients were connected',
      registers: [registry],
    })
  }
}
