/**
 * What one request may become once decoded and mapped (issue 11). Loki stream labels and OTLP
 * resource/scope attributes are copied into every entry, so a few KB on the wire could become
 * gigabytes: 5.4 KB of snappy made 20k entries and +575 MiB. Each protocol counts every mapped entry
 * here as it produces it, and the request stops with a 413 naming the limit as soon as the total
 * passes it, before more are materialized.
 */
import { Errors } from '../errors.js'
import { entryBytes, type Entry } from '../model/index.js'
import type { Ingestor } from './ingestor.js'

export interface BudgetLimits {
  /** MAX_BATCH_BYTES: the mapped bytes of a request. */
  maxBytes: number
  /** MAX_BATCH_ENTRIES: the mapped entries of a request. */
  maxEntries: number
}

export class BatchBudget {
  bytes = 0
  entries = 0
  private readonly maxEntries: number

  constructor(
    private readonly ingestor: Ingestor | undefined,
    private readonly protocol: string,
    private readonly limits: BudgetLimits,
  ) {
    this.maxEntries = limits.maxEntries
  }

  /** Counts one mapped entry; throws a 413 (LOG_ERR_BATCH_TOO_LARGE) once a limit is passed. */
  add(e: Entry): void {
    this.entries++
    this.bytes += entryBytes(e)
    if (this.entries > this.maxEntries) this.fail(`${this.maxEntries} entries`, `MAX_BATCH_ENTRIES = ${this.maxEntries}`)
    if (this.bytes > this.limits.maxBytes) {
      this.fail(`${this.limits.maxBytes} bytes of entries`, `MAX_BATCH_BYTES = ${this.limits.maxBytes} bytes (message, service and attributes, after labels and resource attributes are copied into each entry)`)
    }
  }

  private fail(what: string, limit: string): never {
    // Nothing of the request is accepted: every entry mapped so far is counted as refused.
    this.ingestor?.reject(this.protocol, 'batch_too_large', this.entries)
    throw new Errors.BATCH_TOO_LARGE(what, limit)
  }
}

/** The limits of the ingest options (MAX_BATCH_BYTES, MAX_BATCH_ENTRIES). */
export function budgetLimits(config: { maxBatchBytes: number; maxBatchEntries: number }): BudgetLimits {
  return { maxBytes: config.maxBatchBytes, maxEntries: config.maxBatchEntries }
}
