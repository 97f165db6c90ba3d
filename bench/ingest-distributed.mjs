// Single-entry POST /log at 50 connections through ONE ingest instance in distributed mode: every
// 202 waits for the JetStream ack of its group-commit message (nats-server with JetStream, file
// storage). Beside it, in the same session and alternating runs, a bare Fastify server answering 202
// (BENCHMARKS.md). autocannon runs in its own process. Goal: >= 0.6 of the reference, p99 < 20 ms.
// Usage: node bench/ingest-distributed.mjs [--quick]
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { ROOT, autocannon, peakRssMiB, round, sleep, startProcess, startServer, summarizeRuns, table, tempDir, writeResult } from './lib.mjs'

const quick = process.argv.includes('--quick')
const runs = quick ? 2 : 3
const duration = quick ? 5 : 10
const connections = 50
const body = JSON.stringify({ level: 'info', service: 'bench', message: 'GET /api/v1/items 200 12ms user=42 request_id=7f3c2a' })
const headers = { 'content-type': 'application/json' }

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

// nats-server with the launcher's config (Debian's 2.9.10 here: no sync_interval, see deploy/nats/native.conf).
const dir = tempDir('ogls-bench-nats-')
mkdirSync(join(dir, 'js'), { recursive: true })
const natsPort = await freePort()
const nats = spawn(process.env.NATS_SERVER_BIN ?? 'nats-server', ['-c', join(ROOT, 'deploy/nats/native.conf')], {
  env: { ...process.env, NATS_SERVER_NAME: 'bench', NATS_LISTEN: `127.0.0.1:${natsPort}`, NATS_STORE_DIR: join(dir, 'js') },
  stdio: ['ignore', 'pipe', 'pipe'],
})
await new Promise((resolve, reject) => {
  let out = ''
  const onData = (b) => {
    out += b
    if (/Server is ready/.test(out)) resolve()
  }
  nats.stdout.on('data', onData)
  nats.stderr.on('data', onData)
  nats.once('exit', (code) => reject(new Error(`nats-server exited ${code}: ${out}`)))
})
const natsVersion = await new Promise((resolve) => {
  const v = spawn(process.env.NATS_SERVER_BIN ?? 'nats-server', ['--version'])
  let out = ''
  v.stdout.on('data', (b) => (out += b))
  v.once('exit', () => resolve(out.trim()))
})

const results = { reference: [], distributed: [] }
let rss, ref, srv
try {
  ref = await startProcess([join(ROOT, 'bench/reference-fastify.mjs')], { ready: /reference listening (http:\/\/\S+)/ })
  const refUrl = ref.match[1]
  srv = await startServer('ingest', { NATS_URL: `nats://127.0.0.1:${natsPort}`, NATS_MAX_BYTES: '4GiB' })
  await autocannon(`${refUrl}/log`, { connections, duration: 2, body, headers })
  await autocannon(`${srv.url}/log`, { connections, duration: 3, body, headers })
  for (let i = 0; i < runs; i++) {
    results.reference.push(await autocannon(`${refUrl}/log`, { connections, duration, body, headers }))
    results.distributed.push(await autocannon(`${srv.url}/log`, { connections, duration, body, headers }))
    await sleep(500)
  }
} finally {
  if (srv) rss = peakRssMiB(srv.pid)
  await ref?.stop()
  await srv?.stop()
  nats.kill('SIGTERM')
  await new Promise((r) => nats.once('exit', r))
  rmSync(dir, { recursive: true, force: true })
}

const reference = summarizeRuns(results.reference)
const distributed = summarizeRuns(results.distributed)
const ratio = round(distributed.rps.median / reference.rps.median, 2)
const out = {
  name: 'ingest-distributed',
  mode: quick ? 'quick' : 'full',
  nats_server: natsVersion,
  connections,
  duration_s: duration,
  runs,
  reference,
  distributed,
  ratio_to_reference: ratio,
  ingest_peak_rss_mib: rss,
  summary: `${distributed.rps.median} req/s, p99 ${distributed.p99_ms.median} ms`,
  reference_summary: `bare Fastify 202: ${reference.rps.median} req/s, p99 ${reference.p99_ms.median} ms`,
  goals: { ratio_min: 0.6, p99_max_ms: 20, met: ratio >= 0.6 && distributed.p99_ms.median < 20 },
}
const file = writeResult('ingest-distributed', out)
console.log(
  table(
    [
      {
        subject: 'bare Fastify 202 (reference)',
        'req/s': reference.rps.median,
        p50: reference.p50_ms.median,
        p99: reference.p99_ms.median,
        ratio: 1,
      },
      {
        subject: 'POST /log, ingest -> JetStream ack',
        'req/s': distributed.rps.median,
        p50: distributed.p50_ms.median,
        p99: distributed.p99_ms.median,
        ratio,
      },
    ],
    ['subject', 'req/s', 'p50', 'p99', 'ratio'],
  ),
)
console.log(`runs: reference ${JSON.stringify(reference.rps.runs)}, distributed ${JSON.stringify(distributed.rps.runs)} req/s`)
console.log(
  `peak RSS (ingest): ${rss} MiB; non-2xx: ${distributed.non2xx}; errors: ${distributed.errors}; ${natsVersion}; goal met: ${out.goals.met}; written ${file}`,
)
