/**
 * The ingest stage's metrics, on the registry the process gives it (as Loki's `newMetrics(reg)`):
 * entries accepted and rejected by protocol (and reason), and entries per bus message.
 */
import { Counter, Histogram, type Registry } from 'prom-client'
import type { RejectReason } from '../errors.js'

export class IngestMetrics {
  readonly accepted: Counter<'protocol'>
  readonly rejected: Counter<'protocol' | 'reason'>
  readonly commitSize: Histogram

  constructor(registry: Registry) {
    this.accepted = new Counter({
      name: 'oglogstream_entries_accepted_total',
      help: 'Entries accepted (answered 202 / handed to the bus), by protocol',
      labelNames: ['protocol'] as const,
      registers: [registry],
    })
    this.rejected = new Counter({
      name: 'oglogstream_entries_rejected_total',
      help: 'Entries or requests rejected, by protocol and reason',
      labelNames: ['protocol', 'reason'] as const,
      registers: [registry],
    })
    this.commitSize = new Histogram({
      name: 'oglogstream_commit_entries',
      help: 'Entries per bus message (group commit at ingest)',
      buckets: [1, 2, 5, 10, 50, 100, 500, 1_000, 5_000],
      registers: [registry],
    })
  }

  reject(protocol: string, reason: RejectReason, n = 1): void {
    this.rejected.inc({ protocol, reason }, n)
  }
}
