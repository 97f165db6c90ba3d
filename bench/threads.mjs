#!/usr/bin/env node
// CPU of each thread of the built server (by thread id) during bulk ingest: POST /logs NDJSON, 1,000
// entries a request, 4 senders, until /api/stats counts every entry; the entries of bench/patterns.mjs
// (Loghub lines with fresh values). One line per run: entries/s, CPU µs per entry for the whole process,
// then each thread above 0.2 µs an entry as name:tid=µs (the first "node" is the event loop; with
// PATTERNS=on the next is most often the pattern thread). For comparing builds thread by thread, run it
// in each tree in alternating rounds (the figures move by several µs an entry from run to run).
//
//   node bench/threads.mjs [--entries N] [--patterns off,on] [--env KEY=VALUE ...]
import { postBulk, startServer, threadCpuById } from './lib.mjs'
import { entries, ndjson } from './data.mjs'
import { vary } from './vary.mjs'

const args = process.argv.slice(2)
const opt = (name, def) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : def)
const total = Number(opt('entries', 200_000))
const warmup = Number(opt('warmup', 0))
const env = Object.fromEntries(args.flatMap((a, i) => (args[i - 1] === '--env' ? [a.split('=')] : [])))
const bodies = []
for (let i = 0; i < total; i += 1000) bodies.push(ndjson(entries(Math.min(1000, total - i), i).map((e, k) => ({ ...e, message: vary(e.message, i + k) }))))
const warm = []
for (let i = 0; i < warmup; i += 1000) warm.push(ndjson(entries(Math.min(1000, warmup - i), 5_000_000 + i).map((e, k) => ({ ...e, message: vary(e.message, 5_000_000 + i + k) }))))

for (const patterns of opt('patterns', 'off,on').split(',')) {
  const srv = await startServer('all', { PATTERNS: patterns, ...env })
  try {
    if (warmup) await postBulk(srv, warm, { senders: 4, total: warmup })
    const before = threadCpuById(srv.pid)
    const r = await postBulk(srv, bodies, { senders: 4, total: warmup + total })
    const after = threadCpuById(srv.pid)
    const rows = Object.entries(after)
      .map(([t, v]) => ({ t, name: v.name, us: ((v.seconds - (before[t]?.seconds ?? 0)) / total) * 1e6 }))
      .filter((x) => x.us > 0.2)
      .sort((x, y) => y.us - x.us)
    console.log(`PATTERNS=${patterns}`, Math.round(total / (r.queryableMs / 1000)), 'entries/s', ((r.cpu.all / total) * 1e6).toFixed(1), 'µs/entry', rows.map((x) => `${x.name}:${x.t}=${x.us.toFixed(1)}`).join(' '))
  } finally {
    await srv.stop()
  }
}
