// RSS of the all-in-one process with a large backlog in the write-ahead log (issue 12: under 300 MiB
// with 1 M entries waiting). Writes N entries into DATA_DIR/wal with the log itself (as ingest
// would, 1,000 per record), starts the real server on it, and samples RSS and the queue depth
// until the backlog is stored. Usage: npx tsx bench/wal-backlog.mts [entries=1000000]
import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { WalBus } from '../server/src/bus/wal/index.ts'

const N = Number(process.argv[2] ?? 1_000_000)
const dir = mkdtempSync(join(tmpdir(), 'ogls-walbench-'))
const data = join(dir, 'store')
const bus = await WalBus.open({ dir: join(data, 'wal'), sync: 'always', maxBytes: 8 * 1024 ** 3, minFreeDiskBytes: 0, readAheadBytes: 256 * 1024 ** 2 }, pino({ level: 'warn' }))
const t0 = performance.now()
for (let i = 0; i < N; i += 1_000) {
  const entries = Array.from({ length: Math.min(1_000, N - i) }, (_, j) => ({
    timestamp: new Date(Date.UTC(2026, 0, 1) + i + j).toISOString().replace('Z', '000000Z'),
    level: 'info' as const,
    service: `svc-${(i + j) % 10}`,
    message: `GET /api/items/${i + j} 200 in ${(i + j) % 97} ms user=${(i + j) % 1000}`,
    attributes: { host: `h${(i + j) % 20}`, seq: String(i + j) },
    trace_id: '',
    span_id: '',
  }))
  await bus.publish(entries)
}
const written = performance.now() - t0
const bytes = bus.bytes()
await bus.close()
console.log(`wrote ${N} entries, ${(bytes / 1024 / 1024).toFixed(0)} MiB of log, in ${(written / 1000).toFixed(1)} s; this process's RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`)

// The log alone (no engine), on a copy: read the backlog back as the worker does, 256 messages a fetch, acked.
{
  cpSync(join(data, 'wal'), join(dir, 'wal-copy'), { recursive: true })
  const rb = await WalBus.open({ dir: join(dir, 'wal-copy'), sync: 'always', maxBytes: 8 * 1024 ** 3, minFreeDiskBytes: 0, readAheadBytes: 256 * 1024 ** 2 }, pino({ level: 'warn' }))
  let peakRead = 0
  let read = 0
  const tr = performance.now()
  for (;;) {
    const ms = await rb.fetch(256, 0)
    if (ms.length === 0) break
    for (const m of ms) read += m.entries.length
    peakRead = Math.max(peakRead, process.memoryUsage().rss)
    ms.forEach((m) => m.ack())
  }
  console.log(`read back ${read} entries in ${((performance.now() - tr) / 1000).toFixed(1)} s; peak RSS of the reading process ${(peakRead / 1024 / 1024).toFixed(0)} MiB`)
  await rb.close()
}

const proc = spawn(process.execPath, ['server/bin/oglogstream.js', 'all'], {
  env: { ...process.env, DATA_DIR: data, HTTP_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'inherit'],
})
let out = ''
const url = await new Promise<string>((resolve) =>
  proc.stdout.on('data', (c: Buffer) => {
    out += c
    const m = /"address":"(http:\/\/[^"]+)"/.exec(out)
    if (m) resolve(m[1] as string)
  }),
)
// RSS, and its anonymous part: the rest is file pages, mostly the engine's code (libchdb.so, about
// 180 MiB resident) and node's, which are shared and dropped under memory pressure.
const status = () => readFileSync(`/proc/${proc.pid}/status`, 'utf8')
const kib = (text: string, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1]) / 1024
const rss = () => kib(status(), 'VmRSS')
const anon = () => kib(status(), 'RssAnon')
// From /metrics: the entries waiting, and what of the RSS is the JavaScript heap and its buffers (the
// rest is the engine: its code, caches, and the inserts and merges in progress).
const MIB = 1024 * 1024
const sample = async () => {
  const text = await (await fetch(`${url}/metrics`)).text()
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN)
  return {
    waiting: metric('oglogstream_queue_depth_entries'),
    heap: metric('oglogstream_nodejs_heap_size_total_bytes') / MIB,
    external: metric('oglogstream_nodejs_external_memory_bytes') / MIB,
  }
}
let peak = 0
let peakAnon = 0
let peakHeap = 0
let peakExternal = 0
const t1 = performance.now()
const samples: string[] = []
for (;;) {
  const r = rss()
  const a = anon()
  peak = Math.max(peak, r)
  peakAnon = Math.max(peakAnon, a)
  const m = await sample()
  peakHeap = Math.max(peakHeap, m.heap)
  peakExternal = Math.max(peakExternal, m.external)
  samples.push(`${((performance.now() - t1) / 1000).toFixed(0)}s rss=${r.toFixed(0)}MiB anon=${a.toFixed(0)}MiB js-heap=${m.heap.toFixed(0)}MiB external=${m.external.toFixed(0)}MiB waiting=${m.waiting}`)
  if (m.waiting === 0) break
  await new Promise((res) => setTimeout(res, 1_000))
}
const drained = (performance.now() - t1) / 1000
console.log(samples.filter((_, i) => i % 5 === 0).join('\n'))
console.log(`peak RSS ${peak.toFixed(0)} MiB, anonymous ${peakAnon.toFixed(0)} MiB (JS heap at most ${peakHeap.toFixed(0)} MiB, buffers ${peakExternal.toFixed(0)} MiB) with ${N} entries waiting; replayed into the store in ${drained.toFixed(1)} s (${(N / drained).toFixed(0)} entries/s)`)
proc.kill('SIGTERM')
await new Promise((r) => proc.once('exit', r))
rmSync(dir, { recursive: true, force: true })
