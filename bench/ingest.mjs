// Single-entry POST /log at 50 connections: the embedded all-in-one server beside a bare Fastify
// server answering 202 (BENCHMARKS.md), alternating runs in the same session. Peak RSS of the server.
// Usage: node bench/ingest.mjs [--quick]
import { join } from 'node:path'
import { ROOT, autocannon, cpuSeconds, peakRssMiB, round, startProcess, startServer, spread, summarizeRuns, table, writeResult } from './lib.mjs'

const quick = process.argv.includes('--quick')
const runs = quick ? 2 : 3
const duration = quick ? 5 : 10
const connections = 50
const body = JSON.stringify({ level: 'info', service: 'bench', message: 'GET /api/v1/items 200 12ms user=42 request_id=7f3c2a' })
const headers = { 'content-type': 'application/json' }

const ref = await startProcess([join(ROOT, 'bench/reference-fastify.mjs')], { ready: /reference listening (http:\/\/\S+)/ })
const refUrl = ref.match[1]
const srv = await startServer('all') // default BATCH_SIZE and FLUSH_TIMEOUT

const results = { reference: [], embedded: [] }
let rss
try {
  // Warm-up: JIT, connection pools, the engine's first parts.
  await autocannon(`${refUrl}/log`, { connections, duration: 2, body, headers })
  await autocannon(`${srv.url}/log`, { connections, duration: 3, body, headers })
  // With the CPU time each server used per request (µs; all threads, and the event loop alone),
  // which waiting for a core on a shared machine does not inflate.
  const measured = async (url, pid) => {
    const c0 = cpuSeconds(pid)
    const r = await autocannon(url, { connections, duration, body, headers })
    const c1 = cpuSeconds(pid)
    const n = r.rps * duration
    return { ...r, cpu_us_per_request: ((c1.all - c0.all) / n) * 1e6, main_cpu_us_per_request: ((c1.main - c0.main) / n) * 1e6 }
  }
  for (let i = 0; i < runs; i++) {
    results.reference.push(await measured(`${refUrl}/log`, ref.proc.pid))
    results.embedded.push(await measured(`${srv.url}/log`, srv.pid))
  }
} finally {
  rss = peakRssMiB(srv.pid)
  await ref.stop()
  await srv.stop()
}

const reference = summarizeRuns(results.reference)
const embedded = summarizeRuns(results.embedded)
const ratio = round(embedded.rps.median / reference.rps.median, 2)
const out = {
  name: 'ingest-single',
  mode: quick ? 'quick' : 'full',
  connections,
  duration_s: duration,
  runs,
  reference,
  embedded,
  ratio_to_reference: ratio,
  embedded_peak_rss_mib: rss,
  cpu_us_per_request: {
    reference: spread(results.reference.map((r) => round(r.cpu_us_per_request, 1))),
    embedded: spread(results.embedded.map((r) => round(r.cpu_us_per_request, 1))),
    embedded_event_loop: spread(results.embedded.map((r) => round(r.main_cpu_us_per_request, 1))),
  },
  goals: { ratio_min: 0.8, p99_max_ms: 10, met: ratio >= 0.8 && embedded.p99_ms.median < 10 },
}
const file = writeResult('ingest', out)
console.log(
  table(
    [
      { subject: 'bare Fastify 202 (reference)', 'req/s': reference.rps.median, p50: reference.p50_ms.median, p99: reference.p99_ms.median, ratio: 1 },
      { subject: 'POST /log, embedded', 'req/s': embedded.rps.median, p50: embedded.p50_ms.median, p99: embedded.p99_ms.median, ratio },
    ],
    ['subject', 'req/s', 'p50', 'p99', 'ratio'],
  ),
)
console.log(
  `CPU per request: reference ${out.cpu_us_per_request.reference.median} µs; embedded ${out.cpu_us_per_request.embedded.median} µs (event loop ${out.cpu_us_per_request.embedded_event_loop.median} µs)`,
)
console.log(`peak RSS (all-in-one): ${rss} MiB; non-2xx: ${embedded.non2xx}; written ${file}`)
