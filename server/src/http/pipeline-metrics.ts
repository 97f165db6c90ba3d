/**
 * TEMPORARY BRIDGE (issue 10, items 1-2 move these into process/ and bus/): the process stage's and
 * the bus's metrics, still imported as `Metrics` from `http/metrics.ts` by `process/worker.ts` and
 * `bus/nats.ts`. On the registry the process gives it; a fresh one when none is given (unit tests).
 * Delete this file once process/ and bus/ define their own.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

export class PipelineMetrics {
  readonly stored: Counter
  readonly batchSize: Histogram
  readonly insertLatency: Histogram
  readonly insertErrors: Counter
  readonly queueDepth: Gauge

  constructor(readonly registry: Registry = new Registry()) {
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
    this.queueDepth = new Gauge({
      name: 'oglogstream_queue_depth_entries',
      help: 'Entries accepted and not yet stored (in-process queue, or the JetStream consumer backlog)',
      registers,
    })
  }
}
