// Per-tenant ingest limits: a token bucket of ingest_burst entries refilled at ingest_rate, a large
// request let through on a full bucket (debt), daily_bytes per UTC day, other tenants untouched.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { asTenant } from '../model/index.ts'
import { TenantQuotas } from './quota.ts'

const A = asTenant('a')
const B = asTenant('b')
const code = (fn: () => void): string | undefined => {
  try {
    fn()
    return undefined
  } catch (err) {
    return (err as { code: string }).code
  }
}

test('ingest_rate: the bucket empties, refills with time, and a request larger than it passes only when it is full', () => {
  let now = 1_000_000
  const q = new TenantQuotas((t) => (t === 'a' ? { ingestRate: 10, ingestBurst: 20 } : undefined), () => now)
  assert.equal(code(() => q.take(A, 15, 0)), undefined)
  assert.equal(code(() => q.take(A, 10, 0)), 'LOG_ERR_TENANT_RATE_LIMITED')
  assert.equal(code(() => q.take(B, 1_000_000, 0)), undefined, 'no limits for b')
  now += 500 // +5 tokens: 10
  assert.equal(code(() => q.take(A, 10, 0)), undefined)
  now += 2_000 // full again (20)
  assert.equal(code(() => q.take(A, 50, 0)), undefined, 'a full bucket lets a large request through')
  let retry = 0
  try {
    q.take(A, 1, 0)
  } catch (err) {
    retry = (err as { retryAfterSeconds: number }).retryAfterSeconds
  }
  assert.equal(retry, 4, 'debt of 30 entries at 10/s: 3 s, plus the 1 entry: ceil(3.1) = 4')
})

test('daily_bytes: refused past the quota until the next UTC day, with Retry-After to midnight', () => {
  const day = 86_400_000
  let now = 20_000 * day + day - 3_600_000 // 23:00 UTC
  const q = new TenantQuotas(() => ({ dailyBytes: 1000 }), () => now)
  q.take(A, 1, 600)
  let err: { code: string; retryAfterSeconds: number } | undefined
  try {
    q.take(A, 1, 500)
  } catch (e) {
    err = e as typeof err
  }
  assert.equal(err?.code, 'LOG_ERR_TENANT_QUOTA_EXCEEDED')
  assert.equal(err?.retryAfterSeconds, 3600)
  q.take(A, 1, 400) // exactly the quota
  now += 3_600_000 // midnight
  q.take(A, 1, 1000)
})
