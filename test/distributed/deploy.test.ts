// The shipped deployment files are valid: both compose files (Debian's docker-compose, `config`
// only: there is no Docker engine here), the HAProxy config as shipped and as the native launcher
// rewrites it, and the NATS configs (the production one needs nats-server >= 2.10 for sync_interval).
// HAProxy as the launcher writes it also runs here, in front of a stub instance: it replaces the
// client's X-Forwarded-For, and its stats page wants the password.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { haproxyConfig, haproxyOnFds, listeningSocket } from '../../deploy/native.mjs'
import { ROOT } from '../helpers/server.ts'
import { NATS_SERVER } from '../helpers/nats.ts'

const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 })

const STATS = { HAPROXY_STATS_PASSWORD: 'stats-secret' }

test('docker-compose.yml and docker-compose.prod.yml are valid compose files', () => {
  const base = run('docker-compose', ['-f', 'deploy/docker-compose.yml', 'config', '-q'], STATS)
  assert.equal(base.status, 0, base.stderr)
  const prod = run('docker-compose', ['-f', 'deploy/docker-compose.yml', '-f', 'deploy/docker-compose.prod.yml', 'config', '-q'], STATS)
  assert.equal(prod.status, 0, prod.stderr)
  const merged = run('docker-compose', ['-f', 'deploy/docker-compose.yml', '-f', 'deploy/docker-compose.prod.yml', 'config'], STATS)
  assert.equal(merged.status, 0, merged.stderr)
  // Official images, NATS 2.12.x, a 3-server NATS cluster with stream replicas 3 in production.
  assert.match(merged.stdout, /image: nats:2\.12/)
  assert.match(merged.stdout, /image: clickhouse\/clickhouse-server/)
  assert.match(merged.stdout, /NATS_REPLICAS: '3'/)
  assert.match(merged.stdout, /nats3:/)
  // The instances trust X-Forwarded-For from HAProxy's fixed address only; stats on the host's loopback.
  const haproxyAddress = /ipv4_address: (\S+)/.exec(merged.stdout)?.[1]
  assert.ok(haproxyAddress, 'HAProxy has a fixed address')
  const trusted = [...merged.stdout.matchAll(/TRUSTED_PROXIES: (\S+)/g)].map((m) => m[1])
  assert.equal(trusted.length, 7, 'every instance: 3 ingest, 3 query and the process service')
  assert.ok(trusted.every((t) => t === haproxyAddress), trusted.join(','))
  assert.match(merged.stdout, /127\.0\.0\.1:8404:8404/)
  // Without a stats password compose refuses, naming the variable.
  const noPassword = run('docker-compose', ['-f', 'deploy/docker-compose.yml', 'config', '-q'], { HAPROXY_STATS_PASSWORD: '' })
  assert.notEqual(noPassword.status, 0)
  assert.match(noPassword.stderr, /HAPROXY_STATS_PASSWORD/)
})

test('haproxy.cfg is valid as shipped and as the native launcher writes it', () => {
  const env = { HAPROXY_HTTP_PORT: '18080', HAPROXY_STATS_PORT: '18404', HAPROXY_BIND: '127.0.0.1', ...STATS }
  const shipped = run('haproxy', ['-c', '-f', 'deploy/haproxy.cfg'], env)
  assert.equal(shipped.status, 0, shipped.stderr + shipped.stdout)
  const noPassword = run('haproxy', ['-c', '-f', 'deploy/haproxy.cfg'], { ...env, HAPROXY_STATS_PASSWORD: '' })
  assert.notEqual(noPassword.status, 0, 'no stats password, no start')
  assert.match(noPassword.stderr + noPassword.stdout, /HAPROXY_STATS_PASSWORD is not set/)
  const cfg = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8')
  for (const must of [
    'path /log /logs /es /journal/upload /loki/api/v1/push /api/prom/push',
    'path_beg /es/ /v1/logs',
    'path_beg /api/ /ws/ /loki/',
    'timeout tunnel',
    'option httpchk GET /health',
    'default_backend query',
  ]) {
    assert.ok(cfg.includes(must), `haproxy.cfg has '${must}'`)
  }
  assert.match(cfg, /HAPROXY_STATS_PORT-8404/)
  assert.match(cfg, /bind "\$\{HAPROXY_STATS_BIND-127\.0\.0\.1\}:/)
  assert.match(cfg, /http-request set-header X-Forwarded-For %\[src\]/)
  assert.doesNotMatch(cfg, /^\s*option forwardfor/m, 'appending to X-Forwarded-For would keep what the client sent')
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

test("HAProxy replaces the client's X-Forwarded-For; its stats page is local and wants the password", async (t) => {
  const seen: (string | undefined)[] = []
  const stub = createServer((req, res) => {
    if (req.url !== '/health') seen.push(req.headers['x-forwarded-for'] as string | undefined)
    res.end('{}')
  })
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r))
  t.after(() => stub.close())
  const port = (stub.address() as AddressInfo).port
  // HAProxy cannot bind port 0 and report it: it gets sockets bound here as descriptors 3 and 4.
  const socks = [await listeningSocket(), await listeningSocket()]
  const [httpPort, statsPort] = socks.map((s) => s.port)
  const dir = mkdtempSync(join(tmpdir(), 'ogls-haproxy-'))
  const file = join(dir, 'native.cfg')
  writeFileSync(file, haproxyOnFds(haproxyConfig({ ingest: [{ name: 'ingest1', port }], query: [{ name: 'store', port }] }), { http: 3, stats: 4 }))
  const env = { ...process.env, ...STATS }
  const haproxy = spawn('haproxy', ['-db', '-f', file], { env, stdio: ['ignore', 'ignore', 'ignore', ...socks.map((s) => s.fd)] })
  for (const s of socks) s.close() // HAProxy holds them now
  t.after(() => {
    haproxy.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const stats = `http://127.0.0.1:${statsPort}/;csv`
  const auth = { authorization: `Basic ${Buffer.from('admin:stats-secret').toString('base64')}` }
  const deadline = Date.now() + 20_000
  for (;;) {
    const csv = await fetch(stats, { headers: auth }).then((r) => (r.ok ? r.text() : ''), () => '')
    if (/^ingest,ingest1,(?:[^,]*,){15}UP/m.test(csv)) break
    assert.ok(Date.now() < deadline, `backend not UP: ${csv}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.equal((await fetch(stats)).status, 401, 'no password: 401')
  assert.equal((await fetch(stats, { headers: { authorization: `Basic ${Buffer.from('admin:guess').toString('base64')}` } })).status, 401)

  const r = await fetch(`http://127.0.0.1:${httpPort}/log`, { method: 'POST', headers: { 'x-forwarded-for': '6.6.6.6' }, body: '{}' })
  assert.equal(r.status, 200)
  assert.deepEqual(seen, ['127.0.0.1'], "the client's own X-Forwarded-For is replaced, not appended to")
})

test('HAProxy sends Loki push to ingest and Loki queries, tail and rules to query', async (t) => {
  const hits: Record<'ingest' | 'query', string[]> = { ingest: [], query: [] }
  const stubs = await Promise.all(
    (['ingest', 'query'] as const).map(async (role) => {
      const s = createServer((req, res) => {
        if (req.url !== '/health') hits[role].push(`${req.method} ${req.url}`)
        res.end('{}')
      })
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
      t.after(() => s.close())
      return (s.address() as AddressInfo).port
    }),
  )
  // HAProxy cannot bind port 0 and report it: it gets sockets bound here as descriptors 3 and 4.
  const socks = [await listeningSocket(), await listeningSocket()]
  const [httpPort, statsPort] = socks.map((s) => s.port)
  const dir = mkdtempSync(join(tmpdir(), 'ogls-haproxy-'))
  const file = join(dir, 'native.cfg')
  writeFileSync(
    file,
    haproxyOnFds(haproxyConfig({ ingest: [{ name: 'ingest1', port: stubs[0] as number }], query: [{ name: 'store', port: stubs[1] as number }] }), { http: 3, stats: 4 }),
  )
  const env = { ...process.env, ...STATS }
  const haproxy = spawn('haproxy', ['-db', '-f', file], { env, stdio: ['ignore', 'ignore', 'ignore', ...socks.map((s) => s.fd)] })
  for (const s of socks) s.close() // HAProxy holds them now
  t.after(() => {
    haproxy.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const auth = { authorization: `Basic ${Buffer.from('admin:stats-secret').toString('base64')}` }
  const deadline = Date.now() + 20_000
  for (;;) {
    const csv = await fetch(`http://127.0.0.1:${statsPort}/;csv`, { headers: auth }).then((r) => (r.ok ? r.text() : ''), () => '')
    if (/^ingest,ingest1,(?:[^,]*,){15}UP/m.test(csv) && /^query,store,(?:[^,]*,){15}UP/m.test(csv)) break
    assert.ok(Date.now() < deadline, `backends not UP: ${csv}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  const ingest = ['POST /loki/api/v1/push', 'POST /api/prom/push', 'POST /log', 'POST /v1/logs', 'POST /journal/upload']
  const query = ['GET /loki/api/v1/query_range?query=x', 'GET /loki/api/v1/labels', 'GET /loki/api/v1/patterns', 'GET /loki/api/v1/rules', 'GET /api/logs', 'GET /']
  for (const req of [...ingest, ...query]) {
    const [method, path] = req.split(' ') as [string, string]
    const r = await fetch(`http://127.0.0.1:${httpPort}${path}`, { method, body: method === 'POST' ? '{}' : undefined })
    assert.equal(r.status, 200, req)
  }
  assert.deepEqual(hits, { ingest, query })
})
