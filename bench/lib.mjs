// Shared pieces of the benchmarks: machine facts, starting the built server in its own process,
// running autocannon in its own process, percentiles, peak RSS, and writing results.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, freemem, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const CLI = join(ROOT, 'server/bin/oglogstream.js')
export const RESULTS = join(ROOT, 'bench/results')
export const LOGHUB = join(ROOT, '../shared/data/loghub')

export function machine() {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    free_gib_at_start: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    date: new Date().toISOString(),
  }
}

export const tempDir = (prefix = 'ogls-bench-') => mkdtempSync(join(tmpdir(), prefix))
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Starts `node <script> ...args` and resolves once a line matching `ready` is printed; returns the process and the match. */
export function startProcess(args, { env = {}, ready, timeoutMs = 60_000 } = {}) {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} not ready in ${timeoutMs} ms:\n${out.slice(-2000)}`)), timeoutMs)
    const onData = (chunk) => {
      out += chunk.toString()
      if (out.length > 1e6) out = out.slice(-1e5)
      const m = ready.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ proc, match: m, output: () => out, stop: (sig = 'SIGTERM') => stopProcess(proc, sig) })
      }
    }
    proc.stdout.on('data', onData)
    proc.stderr.on('data', onData)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${out.slice(-2000)}`))
    })
  })
}

export function stopProcess(proc, sig = 'SIGTERM') {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode)
  return new Promise((resolve) => {
    proc.once('exit', (code) => resolve(code))
    proc.kill(sig)
  })
}

/**
 * The built CLI with `roles` on a free port; resolves { url, proc, pid, stop, output }. With
 * SYSLOG_TCP_PORT in `env`, `syslogPort` is the TCP port it bound (its listeners start before HTTP).
 */
export async function startServer(roles = 'all', env = {}, { timeoutMs = 60_000 } = {}) {
  // A store of its own (no DATA_DIR given) is removed when the server stops: benches left one per run in /tmp.
  const own = env.DATA_DIR === undefined ? tempDir() : undefined
  const dataDir = env.DATA_DIR ?? join(own, 'store')
  // BENCH_NODE_ARGS: flags for the server's node (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const p = await startProcess([...nodeArgs, CLI, roles], {
    env: { HTTP_PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', RATE_LIMIT_MAX: '0', ...env },
    ready: /"address":"(http:\/\/[^"]+)".*"msg":"oglogstream listening"/,
    timeoutMs,
  })
  const syslog = /"tcp":(\d+)[^\n]*"msg":"syslog listening"/.exec(p.output())
  const stop = async (sig) => {
    const code = await p.stop(sig)
    if (own) rmSync(own, { recursive: true, force: true })
    return code
  }
  return { ...p, stop, url: p.match[1], pid: p.proc.pid, dataDir, syslogPort: syslog ? Number(syslog[1]) : undefined }
}

/** Peak resident set size of a live process (VmHWM), in MiB. */
export function peakRssMiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Math.round(Number(m[1]) / 1024) : undefined
  } catch {
    return undefined
  }
}

/** autocannon in its own process (never inside the server's); resolves its JSON result. */
export function autocannon(url, { connections = 50, duration = 10, method = 'POST', body, headers = {}, pipelining = 1 } = {}) {
  const args = [join(ROOT, 'node_modules/autocannon/autocannon.js'), '--json', '-c', String(connections), '-d', String(duration), '-p', String(pipelining), '-m', method]
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`)
  if (body !== undefined) args.push('-b', body)
  args.push(url)
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    proc.stdout.on('data', (c) => (out += c))
    proc.stderr.on('data', (c) => (err += c))
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(-1000)}`))
      const r = JSON.parse(out)
      resolve({
        rps: r.requests.average,
        p50_ms: r.latency.p50,
        p99_ms: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        total: r.requests.total,
      })
    })
  })
}

export function percentile(values, p) {
  if (values.length === 0) return NaN
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

export const median = (values) => percentile(values, 50)
export const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x)

/** Spread of repeated runs: median with min and max. */
export function spread(values) {
  return { median: round(median(values)), min: round(Math.min(...values)), max: round(Math.max(...values)), runs: values.map((v) => round(v)) }
}

/** Repeated autocannon runs (see `autocannon`) as medians with their spread, errors summed. */
export function summarizeRuns(rs) {
  return {
    rps: spread(rs.map((r) => r.rps)),
    p50_ms: spread(rs.map((r) => r.p50_ms)),
    p99_ms: spread(rs.map((r) => r.p99_ms)),
    non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
    errors: rs.reduce((a, r) => a + r.errors + r.timeouts, 0),
  }
}

export function writeResult(name, result) {
  mkdirSync(RESULTS, { recursive: true })
  const file = join(RESULTS, `${name}.json`)
  writeFileSync(file, JSON.stringify({ machine: machine(), ...result }, null, 2) + '\n')
  return file
}

export function table(rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)))
  const line = (cells) => '| ' + cells.map((x, i) => String(x ?? '').padEnd(widths[i])).join(' | ') + ' |'
  return [line(columns), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n')
}

const LEVEL_WORDS = [
  [/\b(fatal|panic|emerg|crit(ical)?)\b/i, 'fatal'],
  [/\b(error|err|fail(ed|ure)?|exception|severe)\b/i, 'error'],
  [/\b(warn(ing)?)\b/i, 'warn'],
  [/\b(debug|trace|verbose)\b/i, 'debug'],
]

/** Real line shapes from ../shared/data/loghub: { service, level, message } for each line of every system. */
export function loghubLines() {
  const systems = ['Android', 'Apache', 'BGL', 'HDFS', 'HPC', 'Hadoop', 'HealthApp', 'Linux', 'Mac', 'OpenSSH', 'OpenStack', 'Proxifier', 'Spark', 'Thunderbird', 'Windows', 'Zookeeper']
  const lines = []
  for (const s of systems) {
    let text
    try {
      text = readFileSync(join(LOGHUB, `${s}_2k.log`), 'utf8')
    } catch {
      continue
    }
    for (const message of text.split('\n')) {
      if (!message.trim()) continue
      const level = LEVEL_WORDS.find(([re]) => re.test(message))?.[1] ?? 'info'
      lines.push({ service: s.toLowerCase(), level, message: message.slice(0, 2000) })
    }
  }
  if (lines.length === 0) throw new Error(`no loghub samples under ${LOGHUB}`)
  return lines
}

/**
 * CPU seconds a live process has used (user + system, all threads), and its main thread alone (the
 * JavaScript event loop). On a shared machine this says more than wall time: it does not count the
 * time the process waited for a core.
 */
export function cpuSeconds(pid) {
  const ticks = (file) => {
    try {
      const f = readFileSync(file, 'utf8')
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
      return (Number(rest[11]) + Number(rest[12])) / 100 // utime + stime, in clock ticks (USER_HZ 100)
    } catch {
      return NaN
    }
  }
  return { all: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) }
}

/** CPU seconds of a live process's threads, summed by thread name (the engine's pools, libuv's, V8's). */
export function threadCpuSeconds(pid) {
  const out = {}
  for (const [tid, { name, seconds }] of Object.entries(threadCpuById(pid))) {
    const key = tid === String(pid) ? 'event loop' : name.replace(/[0-9]+$/, '')
    out[key] = (out[key] ?? 0) + seconds
  }
  return out
}

/** CPU seconds of each thread of a live process, by thread id: { [tid]: { name, seconds } } (bench/threads.mjs). */
export function threadCpuById(pid) {
  const out = {}
  let tasks
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const t of tasks) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
      out[t] = { name: f.slice(f.indexOf('(') + 1, f.lastIndexOf(')')), seconds: (Number(rest[11]) + Number(rest[12])) / 100 }
    } catch {
      // the thread ended meanwhile
    }
  }
  return out
}

/** One NDJSON body to a started server's POST /logs; throws unless it is accepted (202). */
export async function postLogs(srv, body) {
  const res = await fetch(`${srv.url}/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body })
  if (res.status !== 202) throw new Error(`POST /logs answered ${res.status}: ${await res.text()}`)
}

/**
 * Sends prepared NDJSON `bodies` to a started server's POST /logs from `senders` concurrent senders,
 * then waits until /api/stats counts `total` entries. Returns the milliseconds until every body was
 * accepted and until every entry was queryable, and the server's CPU used meanwhile (cpuSeconds).
 */
export async function postBulk(srv, bodies, { senders, total }) {
  let next = 0
  const cpu0 = cpuSeconds(srv.pid)
  const threads0 = threadCpuSeconds(srv.pid)
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < bodies.length) await postLogs(srv, bodies[next++])
    }),
  )
  const acceptedMs = performance.now() - t0
  for (;;) {
    const stats = await (await fetch(`${srv.url}/api/stats?from=0`)).json()
    if (stats.total_logs >= total) break
    await sleep(20)
  }
  const queryableMs = performance.now() - t0
  const cpu1 = cpuSeconds(srv.pid)
  const threads = threadCpuSeconds(srv.pid)
  for (const k in threads) threads[k] -= threads0[k] ?? 0
  return { acceptedMs, queryableMs, cpu: { all: cpu1.all - cpu0.all, main: cpu1.main - cpu0.main, threads } }
}

/**
 * A CPU control group of its own with the default weight, for servers measured side by side (bench/
 * patterns.mjs --side-by-side): two servers in two groups of equal weight get equal shares of the cores
 * while both want more than their share, however many threads each runs (the scheduler is otherwise fair
 * to threads, not to processes). cgroup v1 (`/sys/fs/cgroup/cpu`) or v2 with the cpu controller; needs
 * root. Returns undefined where no group can be made.
 */
export function cpuGroup(name) {
  const v1 = '/sys/fs/cgroup/cpu'
  let dir
  try {
    if (existsSync(join(v1, 'cgroup.procs'))) {
      dir = join(v1, name)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'cpu.shares'), '1024')
    } else {
      const root = '/sys/fs/cgroup'
      if (!readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) return undefined
      writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu')
      dir = join(root, name)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'cpu.weight'), '100')
    }
  } catch {
    return undefined
  }
  return {
    // The whole process (every thread, and the threads it starts later).
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    // Once its processes have ended (rmdir: a group's directory holds only its control files).
    remove: () => {
      try {
        rmdirSync(dir)
      } catch {
        // still in use: left for the next run, which reuses it
      }
    },
  }
}
