/**
 * What one request may become once decoded and mapped (issue 11). Loki stream labels and OTLP
 * resource/scope attributes are copied into every entry, so a few KB on the wire could become
 * gigabytes: 5.4 KB of snappy made 20k entries and +575 MiB. Each protocol counts every mapped entry
 * here as it produces it, and the request stops with a 413 naming the limit as soon as the total
 * passes it, before more are materialized.
 */
import { Errors } from '../errors.js'
import { entryBytes, entryBytesAtMost, type Entry } from '../model/index.js'
import type { Ingestor } from './ingestor.js'

export interface BudgetLimits {
  /** MAX_BATCH_BYTES: the mapped bytes of a request. */
  maxBytes: number
  /** MAX_BATCH_ENTRIES: the mapped entries of a request. */
  maxEntries: number
}

export class BatchBudget {
  entries = 0
  /** `entryBytes` of the entries counted exactly so far. */
  private exact = 0
  /** At least the bytes of every entry so far: `exact` plus `entryBytesAtMost` of the entries not yet counted. */
  private most = 0
  /** Entries not yet counted exactly: while `most` is under the limit, their exact size is not needed. */
  private uncounted: Entry[] = []
  private readonly maxEntries: number

  constructor(
    private readonly ingestor: Ingestor | undefined,
    private readonly protocol: string,
    private readonly limits: BudgetLimits,
  ) {
    this.maxEntries = limits.maxEntries
  }

  /** The exact bytes (`entryBytes`) of the entries counted so far. */
  get bytes(): number {
    this.count()
    return this.exact
  }

  /** Counts one mapped entry; throws a 413 (LOG_ERR_BATCH_TOO_LARGE) once a limit is passed. */
  add(e: Entry): void {
    this.entries++
    this.most += entryBytesAtMost(e)
    this.uncounted.push(e)
    if (this.entries > this.maxEntries) this.fail(`${this.maxEntries} entries`, `MAX_BATCH_ENTRIES = ${this.maxEntries}`)
    // Exact only when the bound from string lengths passes the limit: a request far under it counts no byte.
    if (this.most > this.limits.maxBytes && this.bytes > this.limits.maxBytes) {
      this.fail(`${this.limits.maxBytes} bytes of entries`, `MAX_BATCH_BYTES = ${this.limits.maxBytes} bytes (message, service and attributes, after labels and resource attributes are copied into each entry)`)
    }
  }

  private count(): void {
    for (const e of this.uncounted) this.exact += entryBytes(e)
    this.uncounted = []
    this.most = this.exact
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
