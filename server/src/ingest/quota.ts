/**
 * Per-tenant ingest limits from API_KEYS_FILE (issue 13): `ingest_rate` entries per second (a token
 * bucket of `ingest_burst` entries) and `daily_bytes` per UTC day. Checked before a request reaches the
 * bus; over a limit the whole request is refused with 429 and a Retry-After that says when it would
 * pass. A request larger than what the bucket holds is let through when the bucket is full and leaves
 * it in debt, so a large batch is slowed, never refused for ever. Counted per ingest process (like the
 * per-IP rate limit): N ingest instances let a tenant through up to N times its limits.
 */
import type { TenantLimits } from '../auth/index.js'
import { Errors } from '../errors.js'
import type { Tenant } from '../model/index.js'

interface Bucket {
  tokens: number
  at: number
}

const DAY_MS = 86_400_000

export class TenantQuotas {
  private readonly buckets = new Map<string, Bucket>()
  private readonly days = new Map<string, { day: number; bytes: number }>()

  constructor(
    private readonly limits: (tenant: Tenant) => TenantLimits | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `tenant` has a limit `take` checks (without one, the request's bytes need not be counted). */
  limited(tenant: Tenant): boolean {
    const l = this.limits(tenant)
    return l !== undefined && (Boolean(l.dailyBytes) || Boolean(l.ingestRate))
  }

  /** Takes `entries` / `bytes` from the tenant's allowance, or throws TENANT_RATE_LIMITED / TENANT_QUOTA_EXCEEDED. */
  take(tenant: Tenant, entries: number, bytes: number): void {
    const l = this.limits(tenant)
    if (!l) return
    const now = this.now()
    if (l.dailyBytes) {
      const day = Math.floor(now / DAY_MS)
      let d = this.days.get(tenant)
      if (!d || d.day !== day) this.days.set(tenant, (d = { day, bytes: 0 }))
      if (d.bytes + bytes > l.dailyBytes) {
        const seconds = Math.max(1, Math.ceil(((day + 1) * DAY_MS - now) / 1000))
        throw Object.assign(new Errors.TENANT_QUOTA_EXCEEDED(tenant, l.dailyBytes, seconds), { retryAfterSeconds: seconds })
      }
    }
    if (l.ingestRate) {
      const burst = Math.max(l.ingestBurst ?? l.ingestRate, 1)
      let b = this.buckets.get(tenant)
      if (!b) this.buckets.set(tenant, (b = { tokens: burst, at: now }))
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * l.ingestRate)
      b.at = now
      if (entries > b.tokens && b.tokens < burst) {
        const seconds = Math.max(1, Math.ceil((Math.min(entries, burst) - b.tokens) / l.ingestRate))
        throw Object.assign(new Errors.TENANT_RATE_LIMITED(tenant, l.ingestRate, seconds), { retryAfterSeconds: seconds })
      }
      b.tokens -= entries
    }
    if (l.dailyBytes) (this.days.get(tenant) as { bytes: number }).bytes += bytes
  }
}
