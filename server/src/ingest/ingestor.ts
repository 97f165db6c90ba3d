/**
 * What every ingestion protocol hands its validated entries to. It answers only once the bus holds
 * them, and turns a bus refusal into the right HTTP error (503 bus down, 429 queue full), counting
 * each outcome by protocol and reason.
 */
import { randomUUID } from 'node:crypto'
import { toCatalogueError } from '../error-map.js'
import { Errors, type RejectReason } from '../errors.js'
import { DEFAULT_TENANT, EntryError, entryBytes, type Entry, type Tenant } from '../model/index.js'
import type { TenantQuotas } from './quota.js'
import type { GroupCommit } from './commit.js'
import type { IngestMetrics } from './metrics.js'

export class Ingestor {
  private closing = false
  private readonly accepted = new Map<string, { inc(n: number): void }>()

  constructor(
    private readonly commit: GroupCommit,
    private readonly metrics: IngestMetrics,
    /** Per-tenant ingest_rate and daily_bytes (API_KEYS_FILE); none: no tenant limits. */
    private readonly quotas?: TenantQuotas,
  ) {}

  /**
   * Resolves when the bus holds `entries`; throws a catalogue error (413/429/503) when it does not.
   * `key` identifies the request (`requestKey`), so that a retry of one the bus had to split cannot duplicate.
   * Every entry is stamped with `tenant` (the request's, from auth/); the default tenant is left implicit.
   * Every entry gets its stable id here, before the bus, so a redelivery or a replay carries the same id.
   */
  async accept(protocol: string, tenant: Tenant, entries: Entry[], key?: string): Promise<void> {
    if (entries.length === 0) return
    for (const e of entries) e.id ??= randomUUID()
    if (this.quotas?.limited(tenant)) {
      let bytes = 0
      for (const e of entries) bytes += entryBytes(e)
      try {
        this.quotas.take(tenant, entries.length, bytes)
      } catch (err) {
        const code = (err as { code?: string }).code
        this.metrics.reject(protocol, code === 'LOG_ERR_TENANT_QUOTA_EXCEEDED' ? 'tenant_quota_exceeded' : 'tenant_rate_limited', entries.length)
        throw err
      }
    }
    if (tenant !== DEFAULT_TENANT) {
      for (const e of entries) e.tenant = tenant
      // The same body from two tenants is two requests.
      if (key !== undefined) key = `${tenant}/${key}`
    } else for (const e of entries) delete e.tenant
    if (this.closing) {
      this.metrics.reject(protocol, 'bus_unavailable', entries.length)
      throw new Errors.SHUTTING_DOWN()
    }
    try {
      await this.commit.add(entries, key)
    } catch (err) {
      // ENTRY_TOO_LARGE -> 413 and BUS_FULL -> 429 (error-map.ts); any other refusal means nothing was taken (503).
      const e = toCatalogueError(err)
      const reason: RejectReason = e.code === 'LOG_ERR_ENTRY_TOO_LARGE' ? 'entry_too_large' : e.code === 'LOG_ERR_QUEUE_FULL' ? 'queue_full' : 'bus_unavailable'
      this.metrics.reject(protocol, reason, entries.length)
      throw reason === 'bus_unavailable' ? new Errors.BUS_UNAVAILABLE(err instanceof Error ? err.message : String(err)) : e
    }
    this.acceptedOf(protocol).inc(entries.length)
  }

  /** The accepted counter's child of `protocol`, kept: no label object hashed per request. */
  private acceptedOf(protocol: string): { inc(n: number): void } {
    let c = this.accepted.get(protocol)
    if (!c) this.accepted.set(protocol, (c = this.metrics.accepted.labels(protocol)))
    return c
  }

  /**
   * Runs a protocol's body decoder: an `EntryError` (the whole body is unreadable) is counted under
   * its reason and becomes a 400 naming it; any other error is a bug and passes through.
   */
  decode<T>(protocol: string, decoder: () => T): T {
    try {
      return decoder()
    } catch (err) {
      if (!(err instanceof EntryError)) throw err
      this.reject(protocol, err.reason)
      throw new Errors.VALIDATION(err.message)
    }
  }

  reject(protocol: string, reason: RejectReason, n = 1): void {
    this.metrics.reject(protocol, reason, n)
  }

  /** Stop taking entries (graceful shutdown); what is already committed still reaches the bus. */
  close(): void {
    this.closing = true
    this.commit.flush()
  }
}
