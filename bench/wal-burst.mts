// RSS of the all-in-one server while a bulk burst outruns the inserts (the 2.2 GiB at a
// 500,000-entry backlog was measured this way with the in-memory queue). Usage:
// npx tsx bench/wal-burst.mts [seconds=30] [connections=4]
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const seconds = Number(process.argv[2] ?? 30)
const conns = Number(process.argv[3] ?? 4)
const dir = mkdtempSync(join(tmpdir(), 'ogls-walburst-'))
const proc = spawn(process.execPath, ['server/bin/oglogstream.js', 'all'], {
  env: { ...process.env, DATA_DIR: join(dir, 'store'), HTTP_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', RATE_LIMIT_MAX: '0' },
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
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1]) / 1024
const depth = async () => Number(/oglogstream_queue_depth_entries (\d+)/.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN)
let n = 0
const body = (k: number) =>
  Array.from({ length: 1_000 }, (_, i) => JSON.stringify({ level: 'info', service: `svc-${i % 10}`, message: `GET /api/items/${k * 1000 + i} 200 in ${i % 97} ms user=${i % 1000}`, attributes: { host: `h${i % 20}` } })).join('\n')
const end = Date.now() + seconds * 1_000
let accepted = 0
const posters = Array.from({ length: conns }, async () => {
  while (Date.now() < end) {
    const r = await fetch(`${url}/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: body(++n) })
    await r.arrayBuffer()
    if (r.status === 202) accepted += 1_000
  }
})
let peak = 0
let maxDepth = 0
const t0 = Date.now()
while (Date.now() < end) {
  await new Promise((r) => setTimeout(r, 1_000))
  const r = rss()
  const d = await depth()
  peak = Math.max(peak, r)
  maxDepth = Math.max(maxDepth, d)
  console.log(`${((Date.now() - t0) / 1000).toFixed(0)}s rss=${r.toFixed(0)}MiB waiting=${d} accepted=${accepted}`)
}
await Promise.all(posters)
console.log(`accepted ${accepted} in ${seconds} s (${(accepted / seconds).toFixed(0)}/s); peak RSS ${peak.toFixed(0)} MiB; largest backlog ${maxDepth} entries`)
proc.kill('SIGKILL')
await new Promise((r) => proc.once('exit', r))
rmSync(dir, { recursive: true, force: true })
