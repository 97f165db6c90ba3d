/**
 * Per-tenant query concurrency from API_KEYS_FILE (`max_concurrent_queries`, issue 13): a tenant's
 * queries beyond the limit wait for a slot, for at most `maxWaitMs`, then get 429
 * LOG_ERR_TENANT_QUERIES_LIMITED. Per query process. Tenants without the limit never wait.
 */
import type { TenantLimits } from '../auth/index.js'
import { Errors } from '../errors.js'
import type { Tenant } from '../model/index.js'

interface Slots {
  running: number
  waiting: (() => void)[]
}

export class QuerySlots {
  private readonly slots = new Map<string, Slots>()

  constructor(
    private readonly limits: (tenant: Tenant) => TenantLimits | undefined,
    private readonly maxWaitMs: number,
  ) {}

  /** Runs `fn` within the tenant's limit. */
  async run<T>(tenant: Tenant, fn: () => Promise<T>): Promise<T> {
    const max = this.limits(tenant)?.maxConcurrentQueries
    if (!max) return fn()
    let s = this.slots.get(tenant)
    if (!s) this.slots.set(tenant, (s = { running: 0, waiting: [] }))
    const slots = s
    if (slots.running >= max) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = slots.waiting.indexOf(go)
          if (i >= 0) slots.waiting.splice(i, 1)
          reject(Object.assign(new Errors.TENANT_QUERIES_LIMITED(tenant, max, this.maxWaitMs), { retryAfterSeconds: 1 }))
        }, this.maxWaitMs)
        const go = () => {
          clearTimeout(timer)
          resolve()
        }
        slots.waiting.push(go)
      })
    } else slots.running++
    try {
      return await fn()
    } finally {
      // The slot passes to the next waiter as it is, or is freed.
      const next = slots.waiting.shift()
      if (next) next()
      else slots.running--
    }
  }
}
