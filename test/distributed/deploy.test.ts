// The shipped deployment files are valid: both compose files (Debian's docker-compose, `config`
// only: there is no Docker engine here), the HAProxy config as shipped and as the native launcher
// rewrites it, and the NATS configs (the production one needs nats-server >= 2.10 for sync_interval).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { haproxyConfig } from '../../deploy/native.mjs'
import { ROOT } from '../helpers/server.ts'
import { NATS_SERVER } from '../helpers/nats.ts'

const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 })

test('docker-compose.yml and docker-compose.prod.yml are valid compose files', () => {
  const base = run('docker-compose', ['-f', 'deploy/docker-compose.yml', 'config', '-q'])
  assert.equal(base.status, 0, base.stderr)
  const prod = run('docker-compose', ['-f', 'deploy/docker-compose.yml', '-f', 'deploy/docker-compose.prod.yml', 'config', '-q'])
  assert.equal(prod.status, 0, prod.stderr)
  const merged = run('docker-compose', ['-f', 'deploy/docker-compose.yml', '-f', 'deploy/docker-compose.prod.yml', 'config'])
  assert.equal(merged.status, 0, merged.stderr)
  // Official images, NATS 2.12.x, a 3-server NATS cluster with stream replicas 3 in production.
  assert.match(merged.stdout, /image: nats:2\.12/)
  assert.match(merged.stdout, /image: clickhouse\/clickhouse-server/)
  assert.match(merged.stdout, /NATS_REPLICAS: '3'/)
  assert.match(merged.stdout, /nats3:/)
})

test('haproxy.cfg is valid as shipped and as the native launcher writes it', () => {
  const env = { HAPROXY_HTTP_PORT: '18080', HAPROXY_STATS_PORT: '18404', HAPROXY_BIND: '127.0.0.1' }
  const shipped = run('haproxy', ['-c', '-f', 'deploy/haproxy.cfg'], env)
  assert.equal(shipped.status, 0, shipped.stderr + shipped.stdout)
  const cfg = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8')
  for (const must of [
    'path /log /logs /es',
    'path_beg /es/ /loki/ /v1/logs',
    'path_beg /api/ /ws/',
    'timeout tunnel',
    'option httpchk GET /health',
    'default_backend query',
  ]) {
    assert.ok(cfg.includes(must), `haproxy.cfg has '${must}'`)
  }
  assert.match(cfg, /HAPROXY_STATS_PORT-8404/)
  const dir = mkdtempSync(join(tmpdir(), 'ogls-haproxy-'))
  try {
    const file = join(dir, 'native.cfg')
    writeFileSync(file, haproxyConfig({ ingest: [{ name: 'ingest1', port: 9001 }], query: [{ name: 'store', port: 9002 }] }))
    const native = run('haproxy', ['-c', '-f', file], env)
    assert.equal(native.status, 0, native.stderr + native.stdout)
    assert.match(readFileSync(file, 'utf8'), /server store 127\.0\.0\.1:9002 check/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('NATS configs: the native one runs on the test server; the production one fsyncs every write', () => {
  const env = { NATS_SERVER_NAME: 't', NATS_LISTEN: '127.0.0.1:4222', NATS_STORE_DIR: tmpdir() }
  const native = run(NATS_SERVER, ['-c', 'deploy/nats/native.conf', '-t'], env)
  assert.equal(native.status, 0, native.stderr + native.stdout)
  for (const f of ['deploy/nats/nats.conf', 'deploy/nats/nats-cluster.conf']) {
    assert.match(readFileSync(join(ROOT, f), 'utf8'), /^\s*sync_interval: always/m, f)
  }
  assert.doesNotMatch(readFileSync(join(ROOT, 'deploy/nats/native.conf'), 'utf8'), /^\s*sync_interval/m)
})
