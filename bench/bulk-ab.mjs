// A/B of the bulk path between builds, interleaved (the order alternates each round): POST /logs NDJSON,
// 1,000 entries a request from 4 senders, accepted -> queryable, as bench/bulk.mjs sends it, without the
// engine-direct reference. Prints each run (load average at its start, entries/s, server CPU µs an entry
// in all and on the event loop, CPU by thread name) and the medians per build.
// Usage: node bench/bulk-ab.mjs ROUNDS LAUNCHER [LAUNCHER...]
//   LAUNCHER: a build's launcher, e.g. server/bin/oglogstream.js (this build) or a copy of another build,
//   kept under server/ so that its packages resolve (not committed):
//     mkdir -p server/ab/before/bin && cp -r server/dist server/ab/before/dist && cp server/bin/oglogstream.js server/ab/before/bin/
//   then server/ab/before/bin/oglogstream.js. Append @flag,flag for node flags of that variant (@--single-threaded-gc).
//   ENTRIES (default 100,000); the server's environment passes through (PATTERNS=off: the path without mining).
import { loadavg } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { ROOT, postBulk, startProcess, tempDir } from './lib.mjs'
import { entries, ndjson } from './data.mjs'

const rounds = Number(process.argv[2])
const variants = process.argv.slice(3)
if (!(rounds > 0) || variants.length === 0) {
  console.error('usage: node bench/bulk-ab.mjs ROUNDS LAUNCHER [LAUNCHER...]')
  process.exit(2)
}
const total = Number(process.env.ENTRIES ?? 100_000)
const bodies = []
for (let i = 0; i < total; i += 1000) bodies.push(ndjson(entries(Math.min(1000, total - i), i)))
const per = (x) => Math.round((x / total) * 1e7) / 10 // CPU seconds -> µs an entry, one decimal
const results = Object.fromEntries(variants.map((v) => [v, []]))
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const [launcher, flags = ''] = v.split('@')
    const p = await startProcess([...flags.split(',').filter(Boolean), isAbsolute(launcher) ? launcher : join(ROOT, launcher), 'all'], {
      env: { HTTP_PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(tempDir(), 'store'), LOG_LEVEL: 'info', RATE_LIMIT_MAX: '0' },
      ready: /"address":"(http:\/\/[^"]+)".*"msg":"oglogstream listening"/,
    })
    const srv = { ...p, url: p.match[1], pid: p.proc.pid }
    const load = loadavg()[0]
    try {
      const { queryableMs, cpu } = await postBulk(srv, bodies, { senders: 4, total })
      const row = {
        variant: v,
        load: Math.round(load * 10) / 10,
        entries_per_s: Math.round(total / (queryableMs / 1000)),
        cpu_us: per(cpu.all),
        event_loop_us: per(cpu.main),
        threads_us: Object.fromEntries(Object.entries(cpu.threads).map(([k, x]) => [k, per(x)]).filter(([, x]) => x >= 0.3)),
      }
      results[v].push(row)
      console.log(JSON.stringify(row))
    } finally {
      await srv.stop()
    }
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)]
for (const v of variants) {
  const rs = results[v]
  const range = (k) => `${median(rs.map((x) => x[k]))} (${Math.min(...rs.map((x) => x[k]))}–${Math.max(...rs.map((x) => x[k]))})`
  console.log(`${v}: ${range('entries_per_s')} entries/s; CPU ${range('cpu_us')} µs an entry, event loop ${range('event_loop_us')}`)
}
