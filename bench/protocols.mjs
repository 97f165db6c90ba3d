// Shipper protocols: entries/s through each ingestion endpoint with batches like shippers send
// (1,000 entries a request / a TCP write), beside POST /logs NDJSON (the reference) in the same run.
// "accepted" = every request answered 2xx (syslog: the server's accepted counter reached the total,
// as syslog has no acknowledgement); "queryable" = /api/stats counts every entry (NDJSON and ES bulk).
// The server is the built CLI in its own process (a fresh data directory per endpoint and run); the load
// generator is this file again in its own process (`--generate`, under tsx to reuse the wire encoders).
// Usage: node bench/protocols.mjs [--quick]          Results: table on stdout, bench/results/protocols.json
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOT, median, round, sleep, spread, startServer, table, tempDir, writeResult } from './lib.mjs'

const BATCH = 1_000
const SENDERS = 4 // concurrent requests (or TCP connections) of the generator

const ENDPOINTS = [
  { name: 'ndjson', title: 'POST /logs NDJSON (reference)', queryable: true },
  { name: 'es', title: 'ES _bulk (create, ECS docs)', queryable: true },
  { name: 'loki-json', title: 'Loki push JSON' },
  { name: 'loki-proto', title: 'Loki push protobuf+snappy' },
  { name: 'otlp-json', title: 'OTLP/HTTP JSON' },
  { name: 'otlp-proto', title: 'OTLP/HTTP protobuf' },
  { name: 'syslog-tcp', title: 'syslog TCP 5424 octet-counted' },
]

async function main() {
  const quick = process.argv.includes('--quick')
  const total = quick ? 50_000 : 200_000
  const runs = quick ? 1 : 3
  const results = {}
  for (const ep of ENDPOINTS) results[ep.name] = { accepted: [], queryable: [] }
  for (let run = 0; run < runs; run++) {
    // endpoints interleaved per run, so a noisy minute on the shared machine hits all of them
    for (const ep of ENDPOINTS) {
      const r = await measure(ep, total)
      results[ep.name].accepted.push(r.accepted)
      if (r.queryable !== undefined) results[ep.name].queryable.push(r.queryable)
      process.stderr.write(
        `run ${run + 1}/${runs} ${ep.name}: ${Math.round(r.accepted)} entries/s accepted${r.queryable ? `, ${Math.round(r.queryable)} queryable` : ''}\n`,
      )
    }
  }
  const ref = median(results.ndjson.accepted)
  const rows = ENDPOINTS.map((ep) => {
    const acc = spread(results[ep.name].accepted)
    const q = results[ep.name].queryable.length ? spread(results[ep.name].queryable) : undefined
    return {
      endpoint: ep.title,
      'accepted entries/s': acc.median,
      'min..max': `${acc.min}..${acc.max}`,
      'vs NDJSON': (acc.median / ref).toFixed(2),
      'queryable entries/s': q ? q.median : '',
      _json: { name: ep.name, accepted_per_s: acc, queryable_per_s: q, ratio_to_ndjson: round(acc.median / ref, 2) },
    }
  })
  const columns = ['endpoint', 'accepted entries/s', 'min..max', 'vs NDJSON', 'queryable entries/s']
  console.log(
    `\nShipper protocols, ${total} entries per endpoint and run, ${BATCH} per request, ${SENDERS} concurrent senders, ${runs} run(s), median:\n`,
  )
  console.log(table(rows, columns))
  const file = writeResult('protocols', {
    settings: { quick, entries_per_run: total, batch: BATCH, senders: SENDERS, runs },
    results: rows.map((r) => r._json),
  })
  console.log(`\nwritten ${file}`)
}

/** One endpoint, one run: a fresh server, the generator in its own process, then wait until queryable. */
async function measure(ep, total) {
  const dir = tempDir('ogls-bench-proto-')
  const srv = await startServer('all', { DATA_DIR: join(dir, 'store'), SYSLOG_TCP_PORT: '0', FLUSH_TIMEOUT: '1s' })
  try {
    const out = await runGenerator({ endpoint: ep.name, url: srv.url, syslogPort: srv.syslogPort, total })
    const accepted = total / ((out.end - out.start) / 1000)
    if (!ep.queryable) return { accepted }
    for (;;) {
      const stats = await (await fetch(`${srv.url}/api/stats?from=0`)).json()
      if (stats.total_logs >= total) break
      await sleep(20)
    }
    return { accepted, queryable: total / ((Date.now() - out.start) / 1000) }
  } finally {
    await srv.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

function runGenerator(cfg) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--generate', JSON.stringify(cfg)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    proc.stdout.on('data', (c) => (out += c))
    proc.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`generator ${cfg.endpoint} exited ${code}`)),
    )
  })
}

// ---- load generator (its own process) ----

const SERVICES = ['checkout', 'payments', 'search', 'auth', 'inventory', 'shipping', 'email', 'gateway']
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error']
const SEVERITY = { debug: 5, info: 9, warn: 13, error: 17, fatal: 21 }
const SYSLOG_SEV = { debug: 7, info: 6, warn: 4, error: 3, fatal: 2 }
const BASE_MS = Date.parse('2025-01-01T00:00:00Z')

/** `n` entries of realistic shape, deterministic by index. */
function entries(n, offset) {
  return Array.from({ length: n }, (_, k) => {
    const i = offset + k
    const level = LEVELS[i % LEVELS.length]
    return {
      i,
      ms: BASE_MS + i,
      service: SERVICES[i % SERVICES.length],
      level,
      message: `request ${i} ${level === 'error' ? 'failed: upstream timeout after 3000 ms' : 'completed'} method=GET path=/api/v1/items/${i % 977} status=${level === 'error' ? 503 : 200} bytes=${(i * 37) % 9000}`,
      attributes: {
        'http.method': 'GET',
        'http.status_code': level === 'error' ? 503 : 200,
        region: i % 2 ? 'eu-west-1' : 'us-east-1',
        pod: `pod-${i % 13}`,
      },
    }
  })
}

const nsText = (e) => `${BigInt(e.ms) * 1_000_000n}`
const kvs = (attrs) =>
  Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: String(v) } }))

function groupBy(list, key) {
  const m = new Map()
  for (const x of list) {
    const k = key(x)
    if (!m.has(k)) m.set(k, [])
    m.get(k).push(x)
  }
  return m
}

async function bodiesFor(endpoint, total) {
  const bodies = []
  let encodeOtlp, PushRequest, snappy
  if (endpoint === 'otlp-proto') ({ encodeRequest: encodeOtlp } = await import('../server/src/ingest/otlp/proto.ts'))
  if (endpoint === 'loki-proto') {
    ;({ PushRequest } = await import('../server/src/ingest/loki/push.ts'))
    snappy = { compress: (await import('snappy')).compressSync }
  }
  for (let off = 0; off < total; off += BATCH) {
    const batch = entries(Math.min(BATCH, total - off), off)
    switch (endpoint) {
      case 'ndjson':
        bodies.push(
          batch
            .map((e) =>
              JSON.stringify({
                level: e.level,
                message: e.message,
                service: e.service,
                timestamp: new Date(e.ms).toISOString(),
                attributes: e.attributes,
              }),
            )
            .join('\n'),
        )
        break
      case 'es':
        bodies.push(
          batch
            .map(
              (e) =>
                `{"create":{"_index":"logs-${e.service}-default"}}\n` +
                JSON.stringify({
                  '@timestamp': new Date(e.ms).toISOString(),
                  message: e.message,
                  log: { level: e.level },
                  service: { name: e.service },
                  http: { method: 'GET', status_code: e.attributes['http.status_code'] },
                  cloud: { region: e.attributes.region },
                  pod: e.attributes.pod,
                }),
            )
            .join('\n') + '\n',
        )
        break
      case 'loki-json':
      case 'loki-proto': {
        const streams = [...groupBy(batch, (e) => `${e.service}|${e.level}`).values()]
        if (endpoint === 'loki-json') {
          bodies.push(
            JSON.stringify({
              streams: streams.map((g) => ({
                stream: { service_name: g[0].service, level: g[0].level, region: g[0].attributes.region },
                values: g.map((e) => [nsText(e), e.message, { pod: e.attributes.pod }]),
              })),
            }),
          )
        } else {
          const msg = PushRequest.fromObject({
            streams: streams.map((g) => ({
              labels: `{service_name="${g[0].service}", level="${g[0].level}", region="${g[0].attributes.region}"}`,
              entries: g.map((e) => ({
                timestamp: { seconds: Math.floor(e.ms / 1000), nanos: (e.ms % 1000) * 1e6 },
                line: e.message,
                structuredMetadata: [{ name: 'pod', value: e.attributes.pod }],
              })),
            })),
          })
          bodies.push(snappy.compress(Buffer.from(PushRequest.encode(msg).finish())))
        }
        break
      }
      case 'otlp-json':
      case 'otlp-proto': {
        const req = {
          resourceLogs: [...groupBy(batch, (e) => e.service).values()].map((g) => ({
            resource: { attributes: kvs({ 'service.name': g[0].service, 'host.name': 'bench-host' }) },
            scopeLogs: [
              {
                scope: { name: 'bench', version: '1.0.0' },
                logRecords: g.map((e) => ({
                  timeUnixNano: nsText(e),
                  severityNumber: SEVERITY[e.level],
                  severityText: e.level.toUpperCase(),
                  body: { stringValue: e.message },
                  attributes: kvs(e.attributes),
                })),
              },
            ],
          })),
        }
        bodies.push(endpoint === 'otlp-json' ? JSON.stringify(req) : encodeOtlp(req))
        break
      }
      case 'syslog-tcp':
        bodies.push(
          Buffer.from(
            batch
              .map((e) => {
                const m = `<${16 * 8 + SYSLOG_SEV[e.level]}>1 ${new Date(e.ms).toISOString()} bench-host ${e.service} ${e.i % 9000} - [http@32473 method="GET" status="${e.attributes['http.status_code']}"] ${e.message}`
                return `${Buffer.byteLength(m)} ${m}`
              })
              .join(''),
          ),
        )
        break
      default:
        throw new Error(`unknown endpoint ${endpoint}`)
    }
  }
  return bodies
}

const REQUEST = {
  ndjson: { path: '/logs', type: 'application/x-ndjson', ok: 202 },
  es: { path: '/es/_bulk', type: 'application/x-ndjson', ok: 200 },
  'loki-json': { path: '/loki/api/v1/push', type: 'application/json', ok: 204 },
  'loki-proto': { path: '/loki/api/v1/push', type: 'application/x-protobuf', ok: 204 },
  'otlp-json': { path: '/v1/logs', type: 'application/json', ok: 200 },
  'otlp-proto': { path: '/v1/logs', type: 'application/x-protobuf', ok: 200 },
}

async function generate({ endpoint, url, syslogPort, total }) {
  // Bodies are built first: the clock measures the server, not the generator.
  const bodies = await bodiesFor(endpoint, total)
  let next = 0
  const start = Date.now()
  if (endpoint === 'syslog-tcp') {
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        const sock = connect({ host: '127.0.0.1', port: syslogPort })
        await new Promise((r, j) => sock.once('connect', r).once('error', j))
        while (next < bodies.length) {
          const body = bodies[next++]
          if (!sock.write(body)) await new Promise((r) => sock.once('drain', r))
        }
        await new Promise((r) => sock.end(r))
      }),
    )
    for (;;) {
      const text = await (await fetch(`${url}/metrics`)).text()
      const m = /^oglogstream_entries_accepted_total\{protocol="syslog"\} (\d+)/m.exec(text)
      if (m && Number(m[1]) >= total) break
      await sleep(10)
    }
  } else {
    const { path, type, ok } = REQUEST[endpoint]
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]
          const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type }, body })
          const text = await res.text()
          if (res.status !== ok) throw new Error(`${endpoint} ${path} answered ${res.status}: ${text.slice(0, 500)}`)
          if (endpoint === 'es' && text.includes('"errors":true')) throw new Error(`ES bulk item errors: ${text.slice(0, 500)}`)
          if (endpoint === 'otlp-json' && text.includes('partialSuccess')) throw new Error(`OTLP partial success: ${text.slice(0, 500)}`)
        }
      }),
    )
  }
  console.log(JSON.stringify({ start, end: Date.now() }))
}

// last, so that every constant above is initialised
if (process.argv[2] === '--generate') await generate(JSON.parse(process.argv[3]))
else await main()
