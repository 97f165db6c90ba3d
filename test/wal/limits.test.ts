// Issue 12: WAL_MAX_BYTES bounds the entries waiting in the write-ahead log: beyond it ingest
// answers 429 with Retry-After, and nothing of that request was taken.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { postJson, startServer } from '../helpers/server.ts'

test('beyond WAL_MAX_BYTES ingest answers 429 LOG_ERR_QUEUE_FULL with Retry-After', async (t) => {
  // The worker holds what it read until FLUSH_TIMEOUT, so the backlog stays unstored meanwhile.
  const s = await startServer({ env: { WAL_MAX_BYTES: '64KiB', FLUSH_TIMEOUT: '60s', BATCH_SIZE: '100000', RATE_LIMIT_MAX: '0' } })
  t.after(async () => {
    await s.stop('SIGKILL')
    s.cleanup()
  })
  const bulk = (n: number) => Array.from({ length: 500 }, (_, i) => ({ level: 'info', service: 'wallimit', message: `bulk ${n} entry ${i} ${'x'.repeat(100)}` }))
  const first = await postJson(`${s.url}/logs`, bulk(1))
  assert.equal(first.status, 202)
  const second = await postJson(`${s.url}/logs`, bulk(2))
  assert.equal(second.status, 429, JSON.stringify(second.body))
  assert.equal(second.body.code, 'LOG_ERR_QUEUE_FULL')
  assert.ok(second.headers.get('retry-after'), 'a 429 carries Retry-After')
})
