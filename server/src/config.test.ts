import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, DEFAULT_FLUSH_TIMEOUT_MS, checkRunnable, loadConfig, parseDuration, parseRoles } from './config.ts'

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

test('safe defaults: no trusted proxy, same-origin CORS, open /metrics; lists validated and named', () => {
  const c = loadConfig('all', {})
  assert.deepEqual(c.trustedProxies, [])
  assert.deepEqual(c.corsOrigins, [])
  assert.deepEqual(c.apiKeysMetrics, [])
  const set = loadConfig('all', { TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback', CORS_ORIGINS: 'https://app.example, http://localhost:5173/' })
  assert.deepEqual(set.trustedProxies, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback'])
  assert.deepEqual(set.corsOrigins, ['https://app.example', 'http://localhost:5173'])
  assert.equal(loadConfig('all', { CORS_ORIGINS: '*' }).corsOrigins, '*')
  for (const [env, re] of [
    [{ TRUSTED_PROXIES: 'haproxy' }, /TRUSTED_PROXIES: 'haproxy' is not an IP address or CIDR range/],
    [{ TRUSTED_PROXIES: '10.0.0.0/33' }, /TRUSTED_PROXIES: '10.0.0.0\/33'/],
    [{ TRUSTED_PROXIES: '*' }, /TRUSTED_PROXIES/],
    [{ CORS_ORIGINS: 'app.example' }, /CORS_ORIGINS: 'app.example' is not an origin/],
    [{ CORS_ORIGINS: 'https://a.example/path' }, /CORS_ORIGINS: 'https:\/\/a.example\/path' is not an origin/],
    [{ CORS_ORIGINS: 'https://a.example,*' }, /CORS_ORIGINS: '\*' is not an origin/],
  ] as [Record<string, string>, RegExp][]) {
    assert.throws(() => loadConfig('all', env), (err: unknown) => err instanceof ConfigError && re.test(err.message), JSON.stringify(env))
  }
})

test('sections: each component gets its own frozen options, the same values as the flat view', () => {
  const c = loadConfig('all', { BATCH_SIZE: '500', DATA_DIR: '/tmp/x', QUERY_TIMEOUT: '40s' })
  assert.equal(c.process.batchSize, 500)
  assert.equal(c.batchSize, 500)
  assert.equal(c.store.dataDir, '/tmp/x')
  assert.ok(!('batchSize' in c.store), 'a section holds only its own settings')
  assert.ok(Object.isFrozen(c.store) && Object.isFrozen(c.http))
  assert.equal(c.store.storeRequestTimeoutMs, 45_000) // derived: QUERY_TIMEOUT + 5 s, at least 30 s
  assert.equal(c.ingest.commitMaxEntries, 1_000)
  assert.equal(c.live.liveMaxPayloadBytes, 64 * 1024)
})

test('variables added for the write-ahead log, disk, skew, live and syslog limits', () => {
  const d = loadConfig('all', {})
  assert.equal(d.walSync, 'always')
  assert.equal(d.walMaxBytes, 1024 ** 3)
  assert.equal(d.minFreeDiskBytes, 512 * 1024 ** 2)
  assert.equal(d.maxQueueBytes, 256 * 1024 ** 2)
  assert.equal(d.maxFutureSkewMs, 24 * 3_600_000)
  assert.equal(d.liveMaxClients, 1000)
  assert.equal(d.syslogIdleTimeoutMs, 300_000)
  assert.equal(d.syslogMaxConnections, 1000)
  assert.equal(d.syslogMaxConnectionsPerIp, 100)
  const c = loadConfig('all', { WAL_SYNC: '10ms', WAL_MAX_BYTES: '10KiB', MIN_FREE_DISK: '4096', MAX_QUEUE_BYTES: '1GiB' })
  assert.equal(c.bus.walSync, 10)
  assert.equal(c.bus.walMaxBytes, 10 * 1024)
  assert.equal(c.bus.minFreeDiskBytes, 4096)
  assert.equal(c.bus.maxQueueBytes, 1024 ** 3)
  assert.throws(() => loadConfig('all', { WAL_SYNC: 'never' }), /WAL_SYNC: 'never' is neither 'always' nor a duration/)
  assert.throws(() => loadConfig('all', { MIN_FREE_DISK: '1TB' }), /MIN_FREE_DISK: '1TB' is not a size/)
  assert.throws(() => loadConfig('all', { SYSLOG_MAX_CONNECTIONS: '0' }), /SYSLOG_MAX_CONNECTIONS: 0 is out of range/)
})

test('rules spanning settings: a query-only process needs CLICKHOUSE_URL when it starts', () => {
  const c = loadConfig('query', { NATS_URL: 'nats://x:4222' })
  assert.throws(() => checkRunnable(c), (err: unknown) => err instanceof ConfigError && /CLICKHOUSE_URL/.test(err.message))
  assert.doesNotThrow(() => checkRunnable(loadConfig('query', { NATS_URL: 'nats://x:4222', CLICKHOUSE_URL: 'http://ch:8123' })))
  assert.throws(() => loadConfig('ingest', {}), /NATS_URL: is required/)
})

test('TRACE_URL_TEMPLATE: an http(s) URL with {trace_id}, checked at start-up', () => {
  assert.equal(loadConfig('all', {}).query.traceUrlTemplate, undefined)
  assert.equal(loadConfig('all', { TRACE_URL_TEMPLATE: 'https://tempo.example/trace/{trace_id}' }).query.traceUrlTemplate, 'https://tempo.example/trace/{trace_id}')
  assert.throws(() => loadConfig('all', { TRACE_URL_TEMPLATE: 'https://tempo.example/trace/' }), /TRACE_URL_TEMPLATE: .* has no \{trace_id\}/)
  assert.throws(() => loadConfig('all', { TRACE_URL_TEMPLATE: 'javascript:alert({trace_id})' }), /TRACE_URL_TEMPLATE: .* is not an http\(s\) URL/)
})
