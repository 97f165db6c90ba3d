#!/usr/bin/env node
// `make bench`: every benchmark in one run, each in its own processes, each beside its reference.
// Results: bench/results/<name>.json, and bench/results/REPORT.md (the README's Performance table).
// Usage: node bench/run.mjs [--quick] [name ...]   (names: ingest bulk latency ingest-distributed protocols query analytics patterns)
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RESULTS, ROOT, machine } from './lib.mjs'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.filter((a) => !a.startsWith('--'))
const suites = ['ingest', 'bulk', 'latency', 'ingest-distributed', 'protocols', 'query', 'analytics', 'patterns']

const reportOnly = args.includes('--report')
const ran = []
for (const name of reportOnly ? [] : suites) {
  if (only.length && !only.includes(name)) continue
  // A TypeScript bench (.mts) runs the server in-process from its sources, through tsx.
  const js = join(ROOT, 'bench', `${name}.mjs`)
  const ts = join(ROOT, 'bench', `${name}.mts`)
  const script = existsSync(js) ? js : ts
  if (!existsSync(script)) continue
  console.log(`\n== ${name}${quick ? ' (quick)' : ''} ==`)
  const t0 = Date.now()
  const loader = script === ts ? ['--import', 'tsx'] : []
  const r = spawnSync(process.execPath, [...loader, script, ...(quick ? ['--quick'] : [])], { cwd: ROOT, stdio: 'inherit' })
  ran.push({ name, status: r.status, seconds: Math.round((Date.now() - t0) / 1000) })
  if (r.status !== 0) console.error(`${name} failed with ${r.status}`)
}

const read = (name) => {
  try {
    return JSON.parse(readFileSync(join(RESULTS, `${name}.json`), 'utf8'))
  } catch {
    return undefined
  }
}
const m = machine()
const lines = [
  `Machine: ${m.nproc} cores (${m.cpu}), ${m.memory_gib} GiB, Node ${m.node}; \`make bench${quick ? '-quick' : ''}\` on ${m.date.slice(0, 10)}.`,
  '',
  '| figure | OgLogStream | reference (same run) | ratio | goal |',
  '|---|---|---|---|---|',
]
const ingest = read('ingest')
if (ingest) {
  lines.push(
    `| \`POST /log\` embedded, 50 conn. | ${ingest.embedded.rps.median} req/s, p99 ${ingest.embedded.p99_ms.median} ms | bare Fastify 202: ${ingest.reference.rps.median} req/s, p99 ${ingest.reference.p99_ms.median} ms | ${ingest.ratio_to_reference} | ≥ 0.8, p99 < 10 ms |`,
  )
}
const dist = read('ingest-distributed')
if (dist) {
  lines.push(
    `| \`POST /log\` distributed (one ingest, 202 after the JetStream ack), 50 conn. | ${dist.summary} | ${dist.reference_summary} | ${dist.ratio_to_reference} | ≥ 0.6, p99 < 20 ms |`,
  )
}
const bulk = read('bulk')
if (bulk) {
  lines.push(
    `| bulk \`POST /logs\` NDJSON 1,000/request, accepted → queryable | ${bulk.post_logs_end_to_end_per_s.median} entries/s | engine direct insert, ${bulk.reference_format ?? 'JSONEachRow'} in ${(bulk.reference_batch ?? bulk.batch).toLocaleString('en')}-row blocks: ${bulk.reference_direct_insert_per_s.median} entries/s | ${bulk.ratio_to_reference} | ≥ 0.8 |`,
    `| bytes on disk per entry (loghub lines) | ${bulk.bytes_on_disk_per_entry} B | uncompressed: ${bulk.uncompressed_bytes_per_entry} B | ${Math.round((bulk.uncompressed_bytes_per_entry / bulk.bytes_on_disk_per_entry) * 10) / 10}× | |`,
  )
}
const lat = read('latency')
if (lat) {
  lines.push(
    `| 202 → WS \`/ws/live\` at ${lat.rate_per_s}/s | p50 ${lat.ws_after_202.p50_ms} ms, p99 ${lat.ws_after_202.p99_ms} ms | | | p99 < 50 ms |`,
    `| 202 → visible in \`/api/logs\` (FLUSH_TIMEOUT ${lat.flush_timeout_ms / 1000} s) | p50 ${lat.visible_after_202.p50_ms} ms, p99 ${lat.visible_after_202.p99_ms} ms | | | p99 < ${lat.flush_timeout_ms + 500} ms |`,
  )
}
const rss = [ingest && `all-in-one under single-entry load ${ingest.embedded_peak_rss_mib} MiB`, bulk && `all-in-one under bulk load ${bulk.server_peak_rss_mib} MiB`, dist?.ingest_peak_rss_mib && `ingest role ${dist.ingest_peak_rss_mib} MiB`].filter(Boolean)
if (rss.length) lines.push(`| peak RSS | ${rss.join('; ')} | | | ingest role < 150 MB |`)
const proto = read('protocols')
if (proto) {
  lines.push('', `Shipper endpoints (${proto.settings.batch} entries a request, ${proto.settings.senders} senders, median of ${proto.settings.runs} run(s)):`, '')
  lines.push('| endpoint | accepted entries/s | ratio to `POST /logs` NDJSON | queryable entries/s |', '|---|---|---|---|')
  for (const r of proto.results) lines.push(`| ${r.name} | ${r.accepted_per_s.median} | ${r.ratio_to_ndjson} | ${r.queryable_per_s?.median ?? ''} |`)
}
const query = read('query')
if (query) {
  lines.push('', `Queries over ${query.data.rows.toLocaleString('en')} generated entries (${query.data.bytes_per_entry} bytes on disk per entry), ${query.runs} runs each:`, '')
  lines.push('| query | API p50 / p99 ms | same SQL on the engine p50 / p99 ms | API overhead (p50) | goal p50 |', '|---|---|---|---|---|')
  for (const q of query.queries) {
    const goal = q.goal_p50_ms ? `< ${q.goal_p50_ms} ms ${q.meets_goal ? '✓' : '✗'}` : ''
    lines.push(`| ${q.query} | ${q.api_p50_ms} / ${q.api_p99_ms} | ${q.direct_p50_ms} / ${q.direct_p99_ms} | ${q.overhead_p50_pct}% | ${goal} |`)
  }
}
const analytics = read('analytics')
if (analytics) {
  lines.push(
    '',
    `The query language's analytics (\`npx tsx bench/analytics.mts\`), through \`GET /api/query\` and \`/api/fields\` in-process beside hand-written SQL on the same engine, p50 of ${analytics.runs} runs in ${analytics.rounds} alternating rounds:`,
    '',
  )
  lines.push('| query | entries | API p50 ms | hand-written SQL p50 ms | ratio | API entries/s | SQL entries/s | goal |', '|---|---|---|---|---|---|---|---|')
  for (const r of analytics.results) {
    const goal = r.goal ? `${r.goal} ${r.meets_goal ? '✓' : '✗'}` : ''
    lines.push(`| \`${r.query.replace(/\|/g, '\\|')}\` | ${r.entries.toLocaleString('en')} | ${r.api_p50_ms} | ${r.sql_p50_ms} | ${r.ratio} | ${r.api_entries_per_s.toLocaleString('en')} | ${r.sql_entries_per_s.toLocaleString('en')} | ${goal} |`)
  }
}
const patterns = read('patterns')
if (patterns) {
  lines.push(
    '',
    `The cost of patterns (\`node bench/patterns.mjs\`): bulk \`POST /logs\` → queryable, ${patterns.entries.toLocaleString('en')} Loghub-shaped entries, \`PATTERNS=on\` beside \`PATTERNS=off\` in alternating runs (median of ${patterns.pair_ratios.length}):`,
    '',
    '| figure | PATTERNS=on | PATTERNS=off (reference, same run) | ratio | goal |',
    '|---|---|---|---|---|',
    `| entries/s end to end | ${patterns.patterns_on_end_to_end_per_s.median} | ${patterns.patterns_off_end_to_end_per_s.median} | ${patterns.ratio_on_to_off} (runs: ${patterns.pair_ratios.join(', ')}) | ≥ 0.9 ${patterns.goals.met ? '✓' : '✗'} |`,
    `| server CPU µs per entry (all threads) | ${patterns.patterns_on_cpu_us_per_entry.median} | ${patterns.patterns_off_cpu_us_per_entry.median} | ${patterns.cpu_ratio_off_to_on} (off / on) | ≥ 0.9 ${patterns.goals.cpu_met ? '✓' : '✗'} |`,
    `| the miner alone, messages per CPU second | ${patterns.miner_alone_messages_per_s.median} | | | |`,
  )
}
const report = lines.join('\n') + '\n'
writeFileSync(join(RESULTS, 'REPORT.md'), report)
console.log('\n' + report)
console.log(ran.map((r) => `${r.name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${r.seconds} s`).join('\n'))
process.exit(ran.some((r) => r.status !== 0) ? 1 : 0)
