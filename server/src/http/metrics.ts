/**
 * The HTTP shell's metrics, on the registry the process gives it (app.ts composes `/metrics`):
 * requests by route, method and status. Each stage defines its own next to its code
 * (ingest/metrics.ts, query/metrics.ts, live/metrics.ts).
 */
import { Counter, type Registry } from 'prom-client'

export class HttpMetrics {
  readonly requests: Counter<'route' | 'method' | 'status'>

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'oglogstream_http_requests_total',
      help: 'HTTP requests by route, method and status code',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    })
  }
}

