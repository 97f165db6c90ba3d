/**
 * The process role's metrics, on the registry the process gives it (app.ts composes `/metrics`); a
 * fresh registry when none is given (unit tests). Names are part of the contract (README, dashboards).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

export class ProcessMetrics {
  /** Entries accepted and not yet stored (in-process queue, or the JetStream consumer backlog). */
  readonly queueDepth: Gauge
  readonly insertLatency: Histogram
  readonly batchSize: Histogram
  readonly stored: Counter
  readonly insertErrors: Counter
  /** Entries sent to the dead-letter table, by reason (errors.ts DEAD_LETTER_REASONS). */
  readonly deadLettered: Counter<'reason'>

  constructor(registry: Registry = new Registry()) {
    const registers = [registry]
    this.stored = new Counter({ name: 'oglogstream_entries_stored_total', help: 'Entries inserted into the store', registers })
    this.batchSize = new Histogram({
      name: 'oglogstream_batch_size_entries',
      help: 'Entries per store insert',
      buckets: [1, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000],
      registers,
    })
    this.insertLatency = new Histogram({
      name: 'oglogstream_insert_duration_seconds',
      help: 'Store insert latency',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    })
    this.insertErrors = new Counter({
      name: 'oglogstream_insert_errors_total',
      help: 'Failed store insert attempts (each is retried)',
      registers,
    })
    this.deadLettered = new Counter({
      name: 'oglogstream_entries_dead_lettered_total',
      help: 'Accepted entries the store refused for good, sent to the dead-letter table (GET /api/rejected), by reason',
      labelNames: ['reason'] as const,
      registers,
    })
    this.queueDepth = new Gauge({
      name: 'oglogstream_queue_depth_entries',
      help: 'Entries accepted and not yet stored (in-process queue, or the JetStream consumer backlog)',
      registers,
    })
  }
}
