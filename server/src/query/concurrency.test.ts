// Per-tenant query slots: the limit holds, a waiter gets the slot when one ends, a waiter past the
// wait bound is refused with 429 LOG_ERR_TENANT_QUERIES_LIMITED, and other tenants never wait.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { asTenant } from '../model/index.ts'
import { QuerySlots } from './concurrency.ts'

const A = asTenant('a')
const B = asTenant('b')

function gate() {
  let open = () => {}
  const p = new Promise<void>((r) => (open = r))
  return { p, open }
}

test('at most max_concurrent_queries run; the next starts when one ends; other tenants are not limited', async () => {
  const slots = new QuerySlots((t) => (t === 'a' ? { maxConcurrentQueries: 2 } : undefined), 5_000)
  let running = 0
  let most = 0
  const gates = [gate(), gate(), gate()]
  const runs = gates.map((g) =>
    slots.run(A, async () => {
      running++
      most = Math.max(most, running)
      await g.p
      running--
    }),
  )
  await new Promise((r) => setImmediate(r))
  assert.equal(running, 2)
  assert.equal(await slots.run(B, async () => 'b ran'), 'b ran')
  gates[0]?.open()
  await runs[0]
  await new Promise((r) => setImmediate(r))
  assert.equal(running, 2, 'the waiter took the freed slot')
  gates[1]?.open()
  gates[2]?.open()
  await Promise.all(runs)
  assert.equal(most, 2)
})

test('a query that waits longer than the bound is refused with 429', async () => {
  const slots = new QuerySlots(() => ({ maxConcurrentQueries: 1 }), 30)
  const g = gate()
  const held = slots.run(A, () => g.p)
  await assert.rejects(slots.run(A, async () => 'never'), (err: { code: string; statusCode: number; retryAfterSeconds: number }) => {
    assert.equal(err.code, 'LOG_ERR_TENANT_QUERIES_LIMITED')
    assert.equal(err.statusCode, 429)
    assert.equal(err.retryAfterSeconds, 1)
    return true
  })
  g.open()
  await held
  assert.equal(await slots.run(A, async () => 'free again'), 'free again')
})
