/**
 * Prometheus metrics (`GET /metrics`). One registry per process; names are prefixed `oglogstream_`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { RejectReason } from '../errors.js'

export class Metrics {
  readonly registry = new Registry()

  readonly requests = new Counter({
    name: 'oglogstream_http_requests_total',
    help: 'HTTP requests by route, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  })
  readonly accepted = new Counter({
    name: 'oglogstream_entries_accepted_total',
    help: 'Entries accepted (answered 202 / handed to the bus), by protocol',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  })
  readonly rejected = new Counter({
    name: 'oglogstream_entries_rejected_total',
    help: 'Entries or requests rejected, by protocol and reason',
    labelNames: ['protocol', 'reason'] as const,
    registers: [this.registry],
  })
  readonly stored = new Counter({
    name: 'oglogstream_entries_stored_total',
    help: 'Entries inserted into the store',
    registers: [this.registry],
  })
  readonly batchSize = new Histogram({
    name: 'oglogstream_batch_size_entries',
    help: 'Entries per store insert',
    buckets: [1, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000],
    registers: [this.registry],
  })
  readonly insertLatency = new Histogram({
    name: 'oglogstream_insert_duration_seconds',
    help: 'Store insert latency',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })
  readonly insertErrors = new Counter({
    name: 'oglogstream_insert_errors_total',
    help: 'Failed store insert attempts (each is retried)',
    registers: [this.registry],
  })
  readonly deadLettered = new Counter({
    name: 'oglogstream_entries_dead_lettered_total',
    help: 'Accepted entries the store refused for good, sent to the dead-letter table (GET /api/rejected), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly commitSize = new Histogram({
    name: 'oglogstream_commit_entries',
    help: 'Entries per bus message (group commit at ingest)',
    buckets: [1, 2, 5, 10, 50, 100, 500, 1_000, 5_000],
    registers: [this.registry],
  })
  readonly queueDepth = new Gauge({
    name: 'oglogstream_queue_depth_entries',
    help: 'Entries accepted and not yet stored (in-process queue, or the JetStream consumer backlog)',
    registers: [this.registry],
  })
  readonly liveClients = new Gauge({
    name: 'oglogstream_live_clients',
    help: 'Connected live-tail WebSocket clients',
    registers: [this.registry],
  })
  readonly liveDropped = new Counter({
    name: 'oglogstream_live_dropped_total',
    help: 'Live-tail entries not sent to a client because it was too slow',
    registers: [this.registry],
  })
  readonly queryLatency = new Histogram({
    name: 'oglogstream_query_duration_seconds',
    help: 'Store query latency by endpoint',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'oglogstream_' })
  }

  reject(protocol: string, reason: RejectReason, n = 1): void {
    this.rejected.inc({ protocol, reason }, n)
  }
}
