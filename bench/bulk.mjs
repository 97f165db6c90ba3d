// Bulk ingestion end to end: POST /logs NDJSON, 1,000 entries a request, from accepted to queryable
// (every entry counted by /api/stats), beside the embedded engine inserting the same entries
// directly in its fastest format and block size (direct-insert.mts, its own process: TabSeparated,
// 100,000-row blocks, see BENCHMARKS.md and bench/insert-formats.mts). Also: bytes on disk
// per entry for loghub-shaped data, and the server's peak RSS.
// Usage: node bench/bulk.mjs [--quick]
import { spawnSync } from 'node:child_process'
import { ROOT, peakRssMiB, postBulk, round, spread, startServer, table, writeResult } from './lib.mjs'
import { entries, ndjson } from './data.mjs'

const quick = process.argv.includes('--quick')
const total = quick ? 100_000 : 500_000
const batch = 1_000
// The engine at its best, not at ours: measured with direct-insert.mts on 100k entries, TabSeparated
// went 41k rows/s in 1k-row blocks, 100k in 10k-row blocks and 210k in 100k-row blocks (JSONEachRow:
// 41k, 87k, 123k).
const refBatch = 100_000
const refFormat = 'TabSeparated'
const senders = 4
const runs = quick ? 1 : 3

function direct() {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/direct-insert.mts', String(total), String(Math.min(total, refBatch)), refFormat], { cwd: ROOT, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`direct insert failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

async function throughServer() {
  const srv = await startServer('all') // default BATCH_SIZE (10,000) and FLUSH_TIMEOUT
  try {
    // Bodies are prepared first: the clock measures the server, not the generator.
    const bodies = []
    for (let i = 0; i < total; i += batch) bodies.push(ndjson(entries(Math.min(batch, total - i), i)))
    const { acceptedMs: accepted, queryableMs: queryable, cpu } = await postBulk(srv, bodies, { senders, total })
    return {
      accepted_per_s: total / (accepted / 1000),
      end_to_end_per_s: total / (queryable / 1000),
      rss_mib: peakRssMiB(srv.pid),
      // CPU per entry, all threads and the event loop alone (µs): what bounds the rate on 2 cores.
      cpu_us_per_entry: (cpu.all / total) * 1e6,
      main_thread_cpu_us_per_entry: (cpu.main / total) * 1e6,
      // The same by thread name (µs per entry), largest first: where the rest of the CPU goes.
      threads_cpu_us_per_entry: Object.fromEntries(
        Object.entries(cpu.threads)
          .map(([k, v]) => [k, round((v / total) * 1e6, 1)])
          .filter(([, v]) => v > 0)
          .sort((a, b) => b[1] - a[1]),
      ),
    }
  } finally {
    await srv.stop()
  }
}

const ref = []
const ours = []
for (let i = 0; i < runs; i++) {
  ref.push(direct())
  ours.push(await throughServer())
}
const refRate = spread(ref.map((r) => r.entries_per_s))
const e2e = spread(ours.map((r) => r.end_to_end_per_s))
const acc = spread(ours.map((r) => r.accepted_per_s))
const ratio = round(e2e.median / refRate.median, 2)
const out = {
  name: 'bulk',
  mode: quick ? 'quick' : 'full',
  entries: total,
  batch,
  reference_batch: Math.min(total, refBatch),
  reference_format: refFormat,
  senders,
  reference_direct_insert_per_s: refRate,
  post_logs_accepted_per_s: acc,
  post_logs_end_to_end_per_s: e2e,
  ratio_to_reference: ratio,
  bytes_on_disk_per_entry: round(ref[0].bytes_on_disk_per_entry, 1),
  uncompressed_bytes_per_entry: round(ref[0].uncompressed_bytes_per_entry, 1),
  server_peak_rss_mib: Math.max(...ours.map((r) => r.rss_mib ?? 0)),
  // CPU time per entry (µs), which waiting for a core on a shared machine does not inflate: the server
  // (all threads, and its event loop alone) against the engine inserting directly (all threads).
  server_cpu_us_per_entry: spread(ours.map((r) => round(r.cpu_us_per_entry, 1))),
  server_main_thread_cpu_us_per_entry: spread(ours.map((r) => round(r.main_thread_cpu_us_per_entry, 1))),
  reference_cpu_us_per_entry: spread(ref.map((r) => round(r.cpu_us_per_entry, 1))),
  // The last run's server CPU by thread name (µs per entry).
  server_threads_cpu_us_per_entry: ours[ours.length - 1].threads_cpu_us_per_entry,
  goals: { ratio_min: 0.8, met: ratio >= 0.8 },
}
const file = writeResult('bulk', out)
console.log(
  table(
    [
      { subject: `engine direct insert, ${refFormat}, ${Math.min(total, refBatch).toLocaleString('en')}/block (reference)`, 'entries/s': refRate.median, ratio: 1 },
      { subject: 'POST /logs NDJSON -> queryable', 'entries/s': e2e.median, ratio },
      { subject: 'POST /logs NDJSON -> 202 (accepted only)', 'entries/s': acc.median, ratio: round(acc.median / refRate.median, 2) },
    ],
    ['subject', 'entries/s', 'ratio'],
  ),
)
console.log(
  `CPU per entry: server ${out.server_cpu_us_per_entry.median} µs (event loop ${out.server_main_thread_cpu_us_per_entry.median} µs); engine inserting directly ${out.reference_cpu_us_per_entry.median} µs`,
)
console.log(`server CPU by thread (µs per entry): ${JSON.stringify(out.server_threads_cpu_us_per_entry)}`)
console.log(`bytes on disk per entry: ${out.bytes_on_disk_per_entry} (uncompressed ${out.uncompressed_bytes_per_entry}); peak RSS ${out.server_peak_rss_mib} MiB; written ${file}`)
