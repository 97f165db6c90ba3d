// Graceful shutdown loses nothing; data survives restarts; bad configuration stops start-up naming the variable.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { CLI, ROOT, getJson, startServer, tempDir } from '../helpers/server.ts'

test('SIGTERM right after a few thousand 202s loses nothing; a restart finds them all', async () => {
  const dataDir = tempDir()
  // A long flush timeout and a large batch: everything is still in memory when SIGTERM arrives.
  const env = { RATE_LIMIT_MAX: '0', FLUSH_TIMEOUT: '30s', BATCH_SIZE: '100000' }
  const a = await startServer({ dataDir, env })
  const total = 5_000
  let accepted = 0
  // Concurrent single posts and batches, as clients would send them.
  const singles = Array.from({ length: 1_000 }, (_, i) =>
    fetch(`${a.url}/log`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ level: 'info', service: 'shutdown', message: `single ${i}` }) }).then((r) => {
      if (r.status === 202) accepted++
    }),
  )
  const batches = Array.from({ length: 8 }, (_, b) =>
    fetch(`${a.url}/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ level: 'warn', service: 'shutdown', message: `batch ${b}-${i}` }))),
    }).then((r) => {
      if (r.status === 202) accepted += 500
    }),
  )
  await Promise.all([...singles, ...batches])
  assert.equal(accepted, total)
  const code = await a.stop('SIGTERM')
  assert.equal(code, 0, a.output())
  assert.match(a.output(), /"flushed":true/)

  const b = await startServer({ dataDir, env })
  try {
    const stats = await getJson(`${b.url}/api/stats?service=shutdown`)
    assert.equal(stats.body.total_logs, total)
    const one = await getJson(`${b.url}/api/logs?service=shutdown&q=single&limit=1000`)
    assert.equal(one.status, 200)
  } finally {
    await b.stop()
    b.cleanup()
  }
})

test('an invalid configuration value stops start-up naming the variable', () => {
  for (const [name, value, pattern] of [
    ['FLUSH_TIMEOUT', '2', /FLUSH_TIMEOUT: '2' is not a duration/],
    ['BATCH_SIZE', 'many', /BATCH_SIZE: 'many' is not a whole number/],
    ['HTTP_PORT', '70000', /HTTP_PORT: 70000 is out of range/],
    ['CLICKHOUSE_URL', 'clickhouse://db:9000', /CLICKHOUSE_URL: .*native protocol.*8123/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
  ] as const) {
    const r = spawnSync(process.execPath, [CLI, 'all'], { cwd: ROOT, env: { ...process.env, DATA_DIR: tempDir(), [name]: value }, encoding: 'utf8', timeout: 20_000 })
    assert.equal(r.status, 2, `${name}=${value}: ${r.stderr}`)
    assert.match(r.stderr, pattern)
  }
  const role = spawnSync(process.execPath, [CLI, 'ingest,bogus'], { cwd: ROOT, env: process.env, encoding: 'utf8', timeout: 20_000 })
  assert.equal(role.status, 2)
  assert.match(role.stderr, /unknown role 'bogus'/)
  const alone = spawnSync(process.execPath, [CLI, 'ingest'], { cwd: ROOT, env: { ...process.env, NATS_URL: '' }, encoding: 'utf8', timeout: 20_000 })
  assert.equal(alone.status, 2)
  assert.match(alone.stderr, /NATS_URL: is required/)
})
