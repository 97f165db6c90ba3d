#!/usr/bin/env node
/**
 * The `make prod` topology on one host without Docker (deploy/prod.sh calls this when there is no
 * Docker engine; the fault tests import it with their own ports):
 *
 *   HAProxy (:80, stats on 127.0.0.1:8404 as admin / HAPROXY_STATS_PASSWORD, a random one printed
 *   at start when unset; deploy/haproxy.cfg with the local servers filled in)
 *     -> 3 ingest instances
 *     -> query: the store-owning `process,query` instance, plus 2 query-only instances when a
 *        ClickHouse server is configured (CLICKHOUSE_URL)
 *   the store-owning `process,query` instance (embedded chdb under <data>/store unless
 *   CLICKHOUSE_URL), plus 2 more processing workers when CLICKHOUSE_URL is set (the embedded store
 *   belongs to one process)
 *   nats-server with JetStream (deploy/nats/native.conf: Debian's 2.9.10 refuses `sync_interval`,
 *   so this config lacks it; see the comment there), unless NATS_URL points at one already.
 * The instances listen on 127.0.0.1 and believe X-Forwarded-For from HAProxy only
 * (TRUSTED_PROXIES=127.0.0.1; HAProxy replaces the header with the client's address).
 *
 * Usage: node deploy/native.mjs [--http-port 80] [--stats-port 8404] [--data-dir data/prod]
 *        [--bind 0.0.0.0] [--base-port 9100]      Ctrl-C / SIGTERM stops everything gracefully.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CLI = join(ROOT, 'server/bin/oglogstream.js')
const OUTPUT_KEEP = 256 * 1024 // bytes of each process's output kept in memory for diagnostics

/**
 * A socket listening on `host`, on a port the kernel chose, for a program that cannot bind port 0
 * and report the port (HAProxy, nginx): the program is handed the socket itself as an inherited file
 * descriptor (HAProxy `bind fd@<n>`, nginx through its NGINX variable), so no other program can take
 * the port between a pick and a bind. The parent closes its copy once the child has it (`close`).
 */
export async function listeningSocket(host = '127.0.0.1') {
  const server = createServer()
  await new Promise((res, rej) => {
    server.once('error', rej)
    server.listen(0, host, res)
  })
  // Node has no public API for a server's descriptor; its TCP handle carries it on Unix.
  const fd = server._handle?.fd
  if (typeof fd !== 'number' || fd < 0) {
    server.close()
    throw new Error('no file descriptor for a listening socket on this platform')
  }
  return { port: server.address().port, fd, close: () => server.close() }
}

/**
 * deploy/haproxy.cfg (as haproxyConfig gives it) with its HTTP and stats `bind` lines on inherited
 * descriptors: `bind fd@<http>` and `bind fd@<stats>` (either left as it is when undefined).
 */
export function haproxyOnFds(cfg, { http, stats }) {
  const lines = [
    [http, /^(\s*)bind "\$\{HAPROXY_BIND-\*\}:\$\{HAPROXY_HTTP_PORT-80\}"$/m],
    [stats, /^(\s*)bind "\$\{HAPROXY_STATS_BIND-127\.0\.0\.1\}:\$\{HAPROXY_STATS_PORT-8404\}"$/m],
  ]
  for (const [fd, re] of lines) {
    if (fd === undefined) continue
    if (!re.test(cfg)) throw new Error(`deploy/haproxy.cfg lacks the bind line ${re}`)
    cfg = cfg.replace(re, `$1bind fd@${fd}`)
  }
  return cfg
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function httpStatus(url, timeoutMs = 2_000, headers = {}) {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) })
    await res.arrayBuffer()
    return res.status
  } catch {
    return 0
  }
}

/** One child process in its own process group (so a kill reaches its children too). */
class Proc {
  constructor(name, cmd, args, env, logFile, ready) {
    Object.assign(this, { name, cmd, args, env, logFile, ready })
    this.out = ''
    this.child = undefined
    /** Listening sockets (listeningSocket) the next start hands over as descriptors 3, 4, ... */
    this.pass = []
  }

  get running() {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null
  }

  async start(timeoutMs = 60_000) {
    // Where this start's output begins (ready checks read only that; `out` keeps the last OUTPUT_KEEP).
    this.out = this.out.slice(-OUTPUT_KEEP / 2)
    this.startedAt = this.out.length
    const pass = this.pass
    this.pass = []
    const child = spawn(this.cmd, this.args, { cwd: ROOT, env: this.env, detached: true, stdio: ['ignore', 'pipe', 'pipe', ...pass.map((s) => s.fd)] })
    for (const s of pass) s.close() // the child holds them now
    this.child = child
    live.add(child)
    const onData = (b) => {
      this.out = (this.out + b.toString()).slice(-OUTPUT_KEEP)
      if (this.logFile) appendFileSync(this.logFile, b)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', () => live.delete(child))
    const end = Date.now() + timeoutMs
    while (!(await this.ready(this))) {
      if (!this.running)
        throw new Error(`${this.name} exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.out.slice(-4000)}`)
      if (Date.now() > end) throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.out.slice(-4000)}`)
      await sleep(100)
    }
  }

  /** Sends `signal` to the process group and waits for the exit (SIGKILL after `graceMs`). */
  async kill(signal = 'SIGKILL', graceMs = 35_000) {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    killGroup(child, signal)
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }
}

const live = new Set()
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {
    try {
      child.kill(signal)
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', () => {
  for (const c of live) killGroup(c, 'SIGKILL')
})

/** deploy/haproxy.cfg with the servers between the `servers:<backend>` markers replaced. */
export function haproxyConfig(servers) {
  let cfg = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8')
  for (const [backend, list] of Object.entries(servers)) {
    const lines = list.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check`).join('\n')
    const re = new RegExp(`(# servers:${backend}:begin\\n)[\\s\\S]*?(\\n\\s*# servers:${backend}:end)`)
    if (!re.test(cfg)) throw new Error(`deploy/haproxy.cfg lacks the servers:${backend} markers`)
    cfg = cfg.replace(re, `$1${lines}$2`)
  }
  return cfg
}

/**
 * Starts the topology. Options (all optional): httpPort (80; 0 = a port this process binds and hands
 * to HAProxy as a descriptor), statsPort (8404; 0 likewise), bind ('*'), dataDir
 * ('data/prod'), storeDataDir (<dataDir>/store), basePort (9100; 0 = every instance and nats-server
 * binds a port of its own choosing, read back from its log), natsUrl (use running NATS server(s)
 * instead of starting one), natsReplicas (1), clickhouseUrl (process.env.CLICKHOUSE_URL), env (extra
 * environment for every oglogstream instance), logLevel, statsPassword (process.env.HAPROXY_STATS_PASSWORD,
 * else a random one: see topology.statsPassword), storeWrap (a command and its arguments the store
 * instance runs under, e.g. ['unshare', '--mount']).
 *
 * A port read back is kept for restarts (`topology.restart(name)` binds the same one): HAProxy's
 * config and the clients name it.
 */
export async function startNative(opts = {}) {
  const dataDir = resolve(opts.dataDir ?? join(ROOT, 'data/prod'))
  const logDir = join(dataDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const clickhouseUrl = opts.clickhouseUrl ?? process.env.CLICKHOUSE_URL ?? ''
  const base = opts.basePort ?? 9100
  let next = 0
  // 0: the instance binds a port of its own (HTTP_PORT=0) and logs it.
  const port = () => (base === 0 ? 0 : base + ++next)
  const logLevel = opts.logLevel ?? process.env.LOG_LEVEL ?? 'info'
  if (base === 0 && !['trace', 'debug', 'info'].includes(logLevel))
    throw new Error(`basePort 0 reads each instance's port from its "oglogstream listening" log line (info); LOG_LEVEL ${logLevel} hides it`)
  const procs = new Map()
  const cleanupOnError = async (err) => {
    await Promise.all([...procs.values()].map((p) => p.kill('SIGKILL')))
    throw err
  }

  let natsUrl = opts.natsUrl
  if (!natsUrl) {
    const natsPort = opts.natsPort ?? (base === 0 ? -1 : 4222)
    const storeDir = join(dataDir, 'nats')
    mkdirSync(storeDir, { recursive: true })
    const env = { ...process.env, NATS_SERVER_NAME: 'ogls-native', NATS_LISTEN: `127.0.0.1:${natsPort}`, NATS_STORE_DIR: storeDir }
    const nats = new Proc('nats', opts.natsServer ?? 'nats-server', ['-c', join(ROOT, 'deploy/nats/native.conf')], env, join(logDir, 'nats.log'), (p) => {
      // -1: nats-server chose the port; this start's lines are after `p.startedAt`.
      const m = /Listening for client connections on [^\s]*:(\d+)[\s\S]*Server is ready/.exec(p.out.slice(p.startedAt ?? 0))
      if (!m) return false
      p.port = Number(m[1])
      p.env.NATS_LISTEN = `127.0.0.1:${p.port}` // a restart binds the same port
      return true
    })
    procs.set('nats', nats)
    await nats.start().catch(cleanupOnError)
    natsUrl = `nats://127.0.0.1:${nats.port}`
  }

  const appEnv = (httpPortN, extra = {}) => ({
    ...process.env,
    HOST: '127.0.0.1',
    HTTP_PORT: String(httpPortN),
    NATS_URL: natsUrl,
    NATS_REPLICAS: String(opts.natsReplicas ?? 1),
    // HAProxy reaches every instance from 127.0.0.1 (and only local clients can reach them).
    TRUSTED_PROXIES: '127.0.0.1',
    LOG_LEVEL: logLevel,
    ...(clickhouseUrl ? { CLICKHOUSE_URL: clickhouseUrl } : {}),
    ...opts.env,
    ...extra,
  })
  const healthy = async (p) => {
    if (!p.port) {
      // HTTP_PORT=0: the port the instance got, from its log line of this start.
      const m = /"address":"http:\/\/[^"]*:(\d+)"[^\n]*"msg":"oglogstream listening"/.exec(p.out.slice(p.startedAt ?? 0))
      if (!m) return false
      p.port = Number(m[1])
      p.env.HTTP_PORT = String(p.port) // a restart binds the same port: HAProxy's config names it
    }
    return (await httpStatus(`http://127.0.0.1:${p.port}/health`)) === 200
  }
  const app = (name, roles, portN, extra) => {
    const p = new Proc(name, process.execPath, [CLI, roles], appEnv(portN, extra), join(logDir, `${name}.log`), healthy)
    p.port = portN
    procs.set(name, p)
    return p
  }

  const storeProc = app('store', 'process,query', port(), { DATA_DIR: opts.storeDataDir ?? join(dataDir, 'store') })
  // storeWrap: a command the store runs under (the store-failure fault test: its own mount namespace).
  if (opts.storeWrap?.length) [storeProc.cmd, storeProc.args] = [opts.storeWrap[0], [...opts.storeWrap.slice(1), storeProc.cmd, ...storeProc.args]]
  const ingest = []
  for (let i = 1; i <= 3; i++) ingest.push(app(`ingest${i}`, 'ingest', port()))
  const query = [storeProc]
  const workers = []
  if (clickhouseUrl) {
    for (let i = 1; i <= 2; i++) query.push(app(`query${i}`, 'query', port()))
    for (let i = 1; i <= 2; i++) workers.push(app(`process${i}`, 'process', port()))
  }

  const cfgFile = join(dataDir, 'haproxy.cfg')
  const statsPassword = opts.statsPassword || process.env.HAPROXY_STATS_PASSWORD || randomBytes(12).toString('hex')
  const statsUser = process.env.HAPROXY_STATS_USER || 'admin'
  const statsHeaders = { authorization: `Basic ${Buffer.from(`${statsUser}:${statsPassword}`).toString('base64')}` }
  const host = !opts.bind || opts.bind === '*' || opts.bind === '0.0.0.0' ? '127.0.0.1' : opts.bind
  const haproxy = new Proc('haproxy', opts.haproxy ?? 'haproxy', ['-W', '-db', '-f', cfgFile], {}, join(logDir, 'haproxy.log'), async () =>
    (await httpStatus(`http://127.0.0.1:${haproxy.env.HAPROXY_STATS_PORT}/;csv`, 2_000, statsHeaders)) === 200,
  )
  procs.set('haproxy', haproxy)

  const topology = {
    url: '',
    statsUrl: '',
    statsUser,
    statsPassword,
    natsUrl,
    dataDir,
    procs,
    proc(name) {
      const p = procs.get(name)
      if (!p) throw new Error(`no process ${name}; have ${[...procs.keys()].join(', ')}`)
      return p
    },
    output(name) {
      return topology.proc(name).out
    },
    async kill(name, signal = 'SIGKILL') {
      await topology.proc(name).kill(signal)
    },
    async restart(name) {
      const p = topology.proc(name)
      await p.kill('SIGTERM')
      await p.start()
    },
    async start(name) {
      await topology.proc(name).start()
    },
    /** Resolves once HAProxy sees every running instance UP (its health checks pass). */
    async waitBackendsUp(timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs
      for (;;) {
        const want = [...ingest, ...query].filter((p) => p.running).map((p) => p.name)
        const csv = await fetch(`${topology.statsUrl}/;csv`, { headers: statsHeaders })
          .then((r) => r.text())
          .catch(() => '')
        const up = new Set(
          csv
            .split('\n')
            .map((l) => l.split(','))
            .filter((c) => c[17] === 'UP')
            .map((c) => c[1]),
        )
        if (want.every((n) => up.has(n))) return
        if (Date.now() > end) throw new Error(`HAProxy backends not all UP within ${timeoutMs} ms: want ${want}, up ${[...up]}`)
        await sleep(200)
      }
    },
    /** Graceful stop: ingest first (flushes to the bus), then the workers and queries, NATS, HAProxy. */
    async stop() {
      await Promise.all(ingest.map((p) => p.kill('SIGTERM')))
      await Promise.all([...workers, ...query].map((p) => p.kill('SIGTERM')))
      await procs.get('nats')?.kill('SIGTERM', 10_000)
      await haproxy.kill('SIGTERM', 5_000)
    },
    /** Immediate teardown (tests): SIGKILL to every process group. */
    async destroy() {
      await Promise.all([...procs.values()].map((p) => p.kill('SIGKILL')))
    },
  }

  try {
    // The store owner first: it runs the migrations (and creates the JetStream consumer).
    await storeProc.start(120_000)
    await Promise.all([...ingest, ...query.slice(1), ...workers].map((p) => p.start(120_000)))
    // Now every instance's port is known.
    writeFileSync(
      cfgFile,
      haproxyConfig({
        ingest: ingest.map((p) => ({ name: p.name, port: p.port })),
        query: query.map((p) => ({ name: p.name, port: p.port })),
      }),
    )
    // HAProxy cannot bind port 0 and report it: with httpPort/statsPort 0 it is handed sockets this
    // process bound (port 0) as descriptors 3 and 4 (`bind fd@3`, `bind fd@4`) for its first start.
    // A later restart binds the same ports by number (the environment names them), as the instances do.
    const httpSock = opts.httpPort === 0 ? await listeningSocket(!opts.bind || opts.bind === '*' ? '0.0.0.0' : opts.bind) : undefined
    const statsSock = opts.statsPort === 0 ? await listeningSocket('127.0.0.1') : undefined
    const httpPort = httpSock?.port ?? opts.httpPort ?? 80
    const statsPort = statsSock?.port ?? opts.statsPort ?? 8404
    haproxy.env = {
      ...process.env,
      HAPROXY_BIND: opts.bind ?? '*',
      HAPROXY_HTTP_PORT: String(httpPort),
      HAPROXY_STATS_PORT: String(statsPort),
      HAPROXY_STATS_BIND: '127.0.0.1',
      HAPROXY_STATS_USER: statsUser,
      HAPROXY_STATS_PASSWORD: statsPassword,
    }
    topology.url = `http://${host}:${httpPort}`
    topology.statsUrl = `http://127.0.0.1:${statsPort}`
    if (httpSock || statsSock) {
      const fdFile = join(dataDir, 'haproxy-fd.cfg')
      const pass = [httpSock, statsSock].filter(Boolean)
      const fdOf = (s) => (s ? 3 + pass.indexOf(s) : undefined)
      writeFileSync(fdFile, haproxyOnFds(readFileSync(cfgFile, 'utf8'), { http: fdOf(httpSock), stats: fdOf(statsSock) }))
      haproxy.args = ['-W', '-db', '-f', fdFile]
      haproxy.pass = pass
    }
    try {
      await haproxy.start()
    } finally {
      haproxy.args = ['-W', '-db', '-f', cfgFile]
      for (const s of haproxy.pass) s.close() // not handed over (start failed before the spawn)
      haproxy.pass = []
    }
    await topology.waitBackendsUp()
  } catch (err) {
    await topology.destroy()
    throw err
  }
  return topology
}

function parseArgs(argv) {
  const opts = {}
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]]
    const num = () => {
      const n = Number(value)
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} needs a port number, got '${value}'`)
      i++
      return n
    }
    if (flag === '--http-port') opts.httpPort = num()
    else if (flag === '--stats-port') opts.statsPort = num()
    else if (flag === '--base-port') opts.basePort = num()
    else if (flag === '--nats-port') opts.natsPort = num()
    else if (flag === '--data-dir') opts.dataDir = argv[++i]
    else if (flag === '--bind') opts.bind = argv[++i]
    else if (flag === '-h' || flag === '--help') {
      console.log(
        'usage: node deploy/native.mjs [--http-port 80] [--stats-port 8404] [--data-dir data/prod] [--bind *] [--base-port 9100] [--nats-port 4222]',
      )
      process.exit(0)
    } else throw new Error(`unknown option ${flag}`)
  }
  return opts
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2))
  if (process.env.NATS_URL) opts.natsUrl = process.env.NATS_URL
  const t = await startNative(opts).catch((err) => {
    console.error(`native topology failed to start: ${err.message}`)
    process.exit(1)
  })
  const roles = [...t.procs.entries()].map(([n, p]) => (p.port ? `${n}:${p.port}` : n)).join(' ')
  console.log(`OgLogStream is up: ${t.url} (dashboard, API, ingestion), HAProxy stats ${t.statsUrl}, NATS ${t.natsUrl}`)
  if (!process.env.HAPROXY_STATS_PASSWORD) console.log(`HAProxy stats: user ${t.statsUser}, password ${t.statsPassword} (random; set HAPROXY_STATS_PASSWORD to choose one)`)
  console.log(`processes: ${roles}; logs in ${join(t.dataDir, 'logs')}. Ctrl-C stops everything gracefully.`)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    console.log('stopping: ingest first, then workers and queries, NATS, HAProxy')
    await t.stop()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}
