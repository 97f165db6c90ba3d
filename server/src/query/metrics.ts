/** The query stage's metrics, on the registry the process gives it: store query latency by endpoint. */
import { Histogram, type Registry } from 'prom-client'

export class QueryMetrics {
  readonly queryLatency: Histogram<'endpoint'>

  constructor(registry: Registry) {
    this.queryLatency = new Histogram({
      name: 'oglogstream_query_duration_seconds',
      help: 'Store query latency by endpoint',
      labelNames: ['endpoint'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    })
  }
}
