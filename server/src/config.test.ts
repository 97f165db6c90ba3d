import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, DEFAULT_FLUSH_TIMEOUT_MS, loadConfig, parseDuration, parseRoles } from './config.ts'

test('durations take ms, s, m, h', () => {
  assert.equal(parseDuration('X', '500ms'), 500)
  assert.equal(parseDuration('X', '2s'), 2000)
  assert.equal(parseDuration('X', '1m'), 60_000)
  assert.equal(parseDuration('X', '1.5s'), 1500)
  assert.throws(() => parseDuration('FLUSH_TIMEOUT', '2'), /FLUSH_TIMEOUT: '2' is not a duration/)
})

test('roles: all, single, comma lists; unknown named', () => {
  assert.deepEqual([...parseRoles('all')].sort(), ['ingest', 'process', 'query'])
  assert.deepEqual([...parseRoles('process,query')].sort(), ['process', 'query'])
  assert.throws(() => parseRoles('ingest,nope'), /unknown role 'nope'/)
})

test('defaults, frozen', () => {
  const c = loadConfig('all', {})
  assert.equal(c.httpPort, 8080)
  assert.equal(c.flushTimeoutMs, DEFAULT_FLUSH_TIMEOUT_MS)
  assert.equal(c.shutdownTimeoutMs, 30_000)
  assert.equal(c.maxRetries, 3)
  assert.equal(c.dataDir, './data')
  assert.equal(c.maxBatchBytes, 10 * 1024 * 1024)
  assert.ok(Object.isFrozen(c))
  assert.equal(loadConfig('query', { NATS_URL: 'nats://x:4222' }).httpPort, 8081)
})

test('invalid values name the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ HTTP_PORT: '-1' }, /HTTP_PORT/],
    [{ BATCH_SIZE: '0' }, /BATCH_SIZE: 0 is out of range/],
    [{ SHUTDOWN_TIMEOUT: 'soon' }, /SHUTDOWN_TIMEOUT/],
    [{ MAX_BATCH_BYTES: 'lots' }, /MAX_BATCH_BYTES/],
    [{ CLICKHOUSE_DSN: 'tcp://ch:9000' }, /CLICKHOUSE_DSN: .*8123/],
    [{ CLICKHOUSE_URL: 'not a url' }, /CLICKHOUSE_URL/],
    [{ NATS_URL: 'http://x' }, /NATS_URL/],
    [{ LOG_LEVEL: 'chatty' }, /LOG_LEVEL/],
  ]
  for (const [env, re] of cases) {
    assert.throws(
      () => loadConfig('all', env),
      (err: unknown) => err instanceof ConfigError && re.test(err.message),
      JSON.stringify(env),
    )
  }
  assert.equal(loadConfig('all', { MAX_BATCH_BYTES: '5MiB' }).maxBatchBytes, 5 * 1024 * 1024)
  assert.equal(loadConfig('all', { CLICKHOUSE_DSN: 'http://ch:8123' }).clickhouseUrl, 'http://ch:8123')
})
