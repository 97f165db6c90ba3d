// deploy/nginx/oglogstream.conf with Debian's real nginx in front of a running server (roles all, so
// both upstreams are that one instance): the dashboard from web/dist with its caching headers and
// gzip, a query, an ingest and a live-tail WebSocket through the proxy. Nginx cannot listen on port
// 0, so it is handed a socket the test bound (port 0) as an inherited descriptor.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import WebSocket from 'ws'
import { listeningSocket } from '../../deploy/native.mjs'
import { ROOT, getJson, postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

const NGINX = '/usr/sbin/nginx'
const CONF = join(ROOT, 'deploy/nginx/oglogstream.conf')
const WEB = join(ROOT, 'web/dist')

/** The shipped file with this machine's upstreams, port and web root; the rest as shipped. */
export function renderNginx(opts: { port: number; ingest: string; query: string; root: string }): string {
  const conf = readFileSync(CONF, 'utf8')
  const out = conf
    .replace(/(# upstream:ingest:begin\n)[\s\S]*?(\s*# upstream:ingest:end)/, `$1  server ${opts.ingest};$2`)
    .replace(/(# upstream:query:begin\n)[\s\S]*?(\s*# upstream:query:end)/, `$1  server ${opts.query};$2`)
    .replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${opts.port};`)
    .replace(/^(\s*)root \S+;$/m, `$1root ${opts.root};`)
  assert.notEqual(out, conf)
  for (const must of [`server ${opts.ingest};`, `listen 127.0.0.1:${opts.port};`, `root ${opts.root};`]) assert.ok(out.includes(must), must)
  return out
}

/** A main nginx.conf around the site file: pid, logs and temporary files in `dir`, in the foreground. */
function mainConf(dir: string, site: string): string {
  const temp = (name: string) => join(dir, name)
  return [
    'daemon off;',
    'worker_processes 1;',
    // As root (the test machine) the workers would be `nobody`, who cannot read the temporary dirs.
    ...(process.getuid?.() === 0 ? ['user root root;'] : []),
    `pid ${temp('nginx.pid')};`,
    'error_log stderr notice;',
    'events { worker_connections 256; }',
    'http {',
    '  include /etc/nginx/mime.types;',
    '  default_type application/octet-stream;',
    `  access_log ${temp('access.log')};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${temp(t)};`),
    `  include ${site};`,
    '}',
    '',
  ].join('\n')
}

let srv: RunningServer
let dir: string
let nginx: ChildProcess | undefined
let base: string
let nginxOut = ''

async function startNginx(): Promise<void> {
  const upstream = `127.0.0.1:${srv.port}`
  // Nginx cannot listen on port 0: it inherits a socket bound here (its NGINX variable names the
  // descriptor, as in its binary upgrade), and the site's `listen` names that socket's address.
  const sock = await listeningSocket('127.0.0.1')
  const site = join(dir, 'oglogstream.conf')
  writeFileSync(site, renderNginx({ port: sock.port, ingest: upstream, query: upstream, root: WEB }))
  writeFileSync(join(dir, 'nginx.conf'), mainConf(dir, site))
  nginxOut = ''
  const child = spawn(NGINX, ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf')], {
    env: { ...process.env, NGINX: '3;' },
    stdio: ['ignore', 'pipe', 'pipe', sock.fd],
  })
  sock.close() // nginx holds it now
  nginx = child
  child.stdout?.on('data', (d: Buffer) => (nginxOut += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (nginxOut += d.toString()))
  base = `http://127.0.0.1:${sock.port}`
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${nginxOut}`)
    return (await fetch(`${base}/health`)).status === 200
  }, 15_000)
  assert.match(nginxOut, /using inherited sockets from "3;"/, 'nginx took the socket it was given')
}

before(async () => {
  assert.ok(existsSync(join(WEB, 'index.html')), 'web/dist is built (npm run build)')
  dir = tempDir('ogls-nginx-')
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, t))
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0', TRUSTED_PROXIES: '127.0.0.1' } })
  await startNginx()
})

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const gone = new Promise((r) => nginx?.once('exit', r))
    nginx.kill('SIGQUIT') // graceful stop of master and workers
    await gone
  }
  await srv?.stop()
  srv?.cleanup()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** A raw GET (fetch would decompress and hide what went over the wire). */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

test('the shipped config passes nginx -t as is', () => {
  const site = join(dir, 'shipped.conf')
  writeFileSync(site, readFileSync(CONF, 'utf8').replace(/^(\s*)listen 80;$/m, '$1listen 127.0.0.1:1;'))
  writeFileSync(join(dir, 'check.conf'), mainConf(dir, site))
  const r = spawnSync(NGINX, ['-t', '-e', 'stderr', '-p', dir, '-c', join(dir, 'check.conf')], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stderr, /test is successful/)
})

test('serves the dashboard: index.html revalidated, hashed assets cached for good and gzipped', async () => {
  const index = await rawGet('/')
  assert.equal(index.status, 200)
  assert.match(String(index.headers['content-type']), /text\/html/)
  assert.equal(index.headers['cache-control'], 'no-cache')
  assert.equal(index.body.toString(), readFileSync(join(WEB, 'index.html'), 'utf8'))
  // A page of the single-page app gets index.html too.
  const live = await rawGet('/live')
  assert.equal(live.status, 200)
  assert.equal(live.body.toString(), index.body.toString())

  const js = readdirSync(join(WEB, 'assets')).find((f) => f.endsWith('.js'))
  assert.ok(js)
  const asset = await rawGet(`/assets/${js}`, { 'accept-encoding': 'gzip' })
  assert.equal(asset.status, 200)
  assert.equal(asset.headers['content-encoding'], 'gzip')
  assert.match(String(asset.headers['cache-control']), /max-age=31536000.*immutable/)
  assert.match(String(asset.headers['vary']), /Accept-Encoding/)
  const original = readFileSync(join(WEB, 'assets', js))
  assert.ok(asset.body.length < original.length / 2, `gzipped ${asset.body.length} of ${original.length} bytes`)
  assert.deepEqual(gunzipSync(asset.body), original)
  // Without Accept-Encoding: the plain file.
  const plain = await rawGet(`/assets/${js}`)
  assert.equal(plain.headers['content-encoding'], undefined)
  assert.deepEqual(plain.body, original)
  assert.equal((await rawGet('/assets/missing.js')).status, 404)
})

test('an ingest and a query go through to the instance', async () => {
  const service = `nginx-${Date.now()}`
  const ingest = await postJson(`${base}/logs`, [
    { level: 'info', service, message: 'through nginx one' },
    { level: 'error', service, message: 'through nginx two' },
  ])
  assert.equal(ingest.status, 202, JSON.stringify(ingest.body))
  assert.equal(ingest.body.accepted, 2)
  const logs = await waitFor(async () => {
    const r = await getJson(`${base}/api/logs?service=${service}`)
    return r.status === 200 && Array.isArray(r.body) && r.body.length === 2 ? r : undefined
  }, 60_000)
  assert.deepEqual(logs.body.map((e: { message: string }) => e.message).sort(), ['through nginx one', 'through nginx two'])
  // An error of the instance comes back as the instance wrote it (not nginx's page).
  const bad = await postJson(`${base}/log`, { level: 'loud', service, message: 'x' })
  assert.equal(bad.status, 400)
  assert.equal(typeof bad.body.code, 'string')
  // A body over the instance's limit is the instance's 413, not nginx's.
  const big = await postJson(`${base}/log`, { service, message: 'x'.repeat(200_000) })
  assert.equal(big.status, 413)
  assert.equal(typeof big.body.code, 'string')
})

test('the live tail WebSocket works through nginx', async () => {
  const service = `nginx-live-${Date.now()}`
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/live?service=${service}`)
  const got: string[] = []
  ws.on('message', (d) => got.push((JSON.parse(String(d)) as { message: string }).message))
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  try {
    // The subscription is live once the socket is open; entries posted after it arrive.
    const r = await postJson(`${base}/log`, { level: 'warn', service, message: 'tailed through nginx' })
    assert.equal(r.status, 202)
    await waitFor(async () => got.includes('tailed through nginx'), 60_000)
    assert.deepEqual(got, ['tailed through nginx'])
  } finally {
    ws.close()
  }
})
