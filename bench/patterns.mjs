#!/usr/bin/env node
// The cost of patterns (issue 17: "ingest throughput with patterns on >= 0.9 of off"): bulk ingestion
// end to end (POST /logs NDJSON, 1,000 entries a request, 4 senders, until every entry is counted by
// /api/stats) of the built all-in-one server with PATTERNS=on beside the same server with PATTERNS=off,
// the same Loghub-shaped entries (bench/data.mjs), runs alternating off/on in the same session. Also the
// miner alone on those messages (messages/s on one core). `/api/patterns` over 10 M entries is in
// bench/query.mjs. Writes bench/results/patterns.json.
//
//   node bench/patterns.mjs [--quick] [--entries N] [--warmup N] [--runs N] [--side-by-side] [--cycled] [--miner-only] [--miner path/to/patterns/index.ts]
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ROOT, cpuGroup, median, peakRssMiB, postBulk, postLogs, round, spread, startServer, table, writeResult } from './lib.mjs'
import { entries, ndjson } from './data.mjs'
import { vary } from './vary.mjs'

const args = process.argv.slice(2)
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : def
}
const quick = args.includes('--quick')
// The entries sent: with fresh values per entry (bench/vary.mjs, the default) or the Loghub lines as they are.
const cycled = args.includes('--cycled')
// The miner measured alone (another copy of server/src/patterns, e.g. an older commit's, for before/after).
const minerModule = args.includes('--miner') ? args[args.indexOf('--miner') + 1] : 'server/src/patterns/index.ts'
const total = opt('entries', quick ? 100_000 : 300_000)
// Entries sent to each server before it is measured (other values of the same lines): the steady state,
// past the start of the miner (its learning of shapes and templates, and its code's compilation).
const warmup = opt('warmup', 0)
// Both servers measured at once rather than in alternating runs (sideBySidePair).
const sideBySide = args.includes('--side-by-side')
const runs = opt('runs', quick ? 1 : 3)
const batch = 1_000
const senders = 4

const variedEntries = (n, start = 0) => entries(n, start).map((e, k) => ({ ...e, message: vary(e.message, start + k) }))

if (args[0] === '--phase') {
  // The miner alone, in a child process with the TypeScript sources (tsx): the same messages, one core;
  // the Loghub lines as they are (cycled: every line seen many times) and with fresh values per entry.
  const { PatternMiner } = await import(pathToFileURL(resolve(ROOT, args[2])).href)
  const n = Number(args[1])
  const result = {}
  for (const [name, list] of [['cycled', entries(n)], ['varied', variedEntries(n)]]) {
    const rates = []
    let templates = 0
    for (let r = 0; r < 3; r++) {
      const miner = new PatternMiner()
      // CPU time of the one thread (less moved by other load than wall time), the records made as per batch
      const c = process.cpuUsage()
      // in batches, as the pattern thread mines them (with the C scan's keys where it is built)
      for (let at = 0; at < list.length; at += batch) {
        const part = list.slice(at, at + batch)
        const keys = miner.keys?.(part.map((e) => e.message))
        for (let k = 0; k < part.length; k++) miner.mine('default', part[k].service, part[k].message, part[k].timestamp, keys, k)
        if ((at / batch) % 10 === 9) miner.drain()
      }
      const d = process.cpuUsage(c)
      rates.push(list.length / ((d.user + d.system) / 1e6))
      templates = miner.size()
    }
    result[name] = { messages_per_s: spread(rates), templates }
  }
  console.log(JSON.stringify(result))
  process.exit(0)
}

function minerAlone(n) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--phase', String(n), minerModule], { cwd: ROOT, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`miner phase failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

if (args.includes('--miner-only')) {
  console.log(JSON.stringify(minerAlone(total)))
  process.exit(0)
}

// Bodies are prepared once: the clock measures the server, not the generator.
const bodies = []
for (let i = 0; i < total; i += batch) bodies.push(ndjson((cycled ? entries : variedEntries)(Math.min(batch, total - i), i)))
const warmBodies = []
for (let i = 0; i < warmup; i += batch) warmBodies.push(ndjson((cycled ? entries : variedEntries)(Math.min(batch, warmup - i), 5_000_000 + i)))

// The result of one measured run of a started server (postBulk's answer).
async function result(srv, patterns, { queryableMs: queryable, acceptedMs: accepted, cpu }) {
  const cpuUs = (cpu.all / total) * 1e6
  let templates
  if (patterns === 'on') {
    const ps = await (await fetch(`${srv.url}/api/patterns?from=0&limit=1000`)).json()
    templates = ps.length
  }
  // CPU by thread (µs per entry): the event loop, the engine's pools, and "node" (the pattern thread,
  // libuv's pool where chdb runs the insert, V8's helpers)
  const threads = Object.fromEntries(Object.entries(cpu.threads).filter(([, s]) => s > 0).map(([k, s]) => [k, round((s / total) * 1e6, 1)]))
  return { end_to_end_per_s: total / (queryable / 1000), cpu_us_per_entry: cpuUs, accepted_per_s: total / (accepted / 1000), rss_mib: peakRssMiB(srv.pid), templates, threads }
}

async function ingest(patterns) {
  const srv = await startServer('all', { PATTERNS: patterns })
  try {
    if (warmup) await postBulk(srv, warmBodies, { senders, total: warmup })
    return await result(srv, patterns, await postBulk(srv, bodies, { senders, total: warmup + total }))
  } finally {
    await srv.stop()
  }
}

// Both servers at once (--side-by-side), each in a CPU group of the same weight, sent the same bodies at
// the same time. The one done first is sent more entries until the other is done, so that each is
// measured while the other takes its share of the cores: each server's rate is its entries over its own
// time to queryable, on a machine both see alike.
async function sideBySidePair(pair) {
  const modes = pair % 2 === 0 ? ['off', 'on'] : ['on', 'off']
  const srv = {}
  try {
    for (const p of modes) {
      srv[p] = await startServer('all', { PATTERNS: p })
      groups[p]?.add(srv[p].pid)
    }
    if (warmup) await Promise.all(modes.map((p) => postBulk(srv[p], warmBodies, { senders, total: warmup })))
    let done = 0
    const fill = async (p) => {
      for (let k = 0; done < 2; k++) await postLogs(srv[p], fillBodies[k % fillBodies.length])
    }
    const runs = await Promise.all(
      modes.map(async (p) => {
        const r = await postBulk(srv[p], bodies, { senders, total: warmup + total })
        done++
        await Promise.all(Array.from({ length: senders }, () => fill(p)))
        return r
      }),
    )
    return Object.fromEntries(await Promise.all(modes.map(async (p, i) => [p, await result(srv[p], p, runs[i])])))
  } finally {
    for (const p of modes) await srv[p]?.stop()
  }
}

const off = []
const on = []
const groups = sideBySide ? { off: cpuGroup('oglogstream-bench-off'), on: cpuGroup('oglogstream-bench-on') } : {}
if (sideBySide && !(groups.off && groups.on)) console.error('no CPU groups (not root, or no cpu controller): the scheduler shares the cores by thread, which favours the server with more busy threads')
const fillBodies = warmBodies.length ? warmBodies : bodies
for (let i = 0; i < runs; i++) {
  if (sideBySide) {
    const pair = await sideBySidePair(i)
    off.push(pair.off)
    on.push(pair.on)
  } else {
    off.push(await ingest('off'))
    on.push(await ingest('on'))
  }
}
for (const g of Object.values(groups)) g?.remove()
const miner = minerAlone(Math.min(total, 200_000))
const offRate = spread(off.map((r) => r.end_to_end_per_s))
const onRate = spread(on.map((r) => r.end_to_end_per_s))
const ratio = round(onRate.median / offRate.median, 2)
const pairRatios = on.map((r, i) => round(r.end_to_end_per_s / off[i].end_to_end_per_s, 2))
// CPU time per entry moves much less with the other load of a shared machine than wall time: the
// server's CPU per entry with patterns off over on is the throughput ratio where the cores are the limit.
const offCpu = spread(off.map((r) => r.cpu_us_per_entry))
const onCpu = spread(on.map((r) => r.cpu_us_per_entry))
const cpuRatio = round(offCpu.median / onCpu.median, 2)
const out = {
  name: 'patterns',
  mode: quick ? 'quick' : 'full',
  method: sideBySide ? `side by side${groups.off && groups.on ? ', in CPU groups of the same weight' : ', without CPU groups'}` : 'alternating runs, off then on',
  values: cycled ? 'cycled Loghub lines' : 'Loghub lines with fresh values per entry (bench/vary.mjs)',
  entries: total,
  warmup_entries: warmup,
  batch,
  senders,
  patterns_off_end_to_end_per_s: offRate,
  patterns_on_end_to_end_per_s: onRate,
  ratio_on_to_off: ratio,
  pair_ratios: pairRatios,
  pair_ratio_median: round(median(pairRatios), 3),
  pair_cpu_ratios: on.map((r, i) => round(off[i].cpu_us_per_entry / r.cpu_us_per_entry, 2)),
  patterns_off_cpu_us_per_entry: offCpu,
  patterns_on_cpu_us_per_entry: onCpu,
  cpu_ratio_off_to_on: cpuRatio,
  templates_mined: on[0]?.templates,
  // the last run of each
  threads_cpu_us_per_entry: { off: off[off.length - 1]?.threads, on: on[on.length - 1]?.threads },
  miner_alone_messages_per_s: { cycled: miner.cycled.messages_per_s, varied: miner.varied.messages_per_s },
  peak_rss_mib: { off: Math.max(...off.map((r) => r.rss_mib ?? 0)), on: Math.max(...on.map((r) => r.rss_mib ?? 0)) },
  goals: { ratio_min: 0.9, met: ratio >= 0.9, cpu_met: cpuRatio >= 0.9 },
}
const file = writeResult('patterns', out)
console.log(
  table(
    [
      { subject: 'POST /logs -> queryable, PATTERNS=off (reference)', 'entries/s': offRate.median, ratio: 1, 'CPU µs/entry': offCpu.median, 'CPU ratio': 1 },
      { subject: 'POST /logs -> queryable, PATTERNS=on', 'entries/s': onRate.median, ratio, 'CPU µs/entry': onCpu.median, 'CPU ratio': cpuRatio },
      ...['varied', 'cycled'].map((k) => ({ subject: `the miner alone, one thread, ${k} values`, 'entries/s': miner[k].messages_per_s.median, ratio: '', 'CPU µs/entry': round(1e6 / miner[k].messages_per_s.median, 2), 'CPU ratio': '' })),
    ],
    ['subject', 'entries/s', 'ratio', 'CPU µs/entry', 'CPU ratio'],
  ),
)
console.log(`CPU by thread (µs per entry), last runs: off ${JSON.stringify(out.threads_cpu_us_per_entry.off)}; on ${JSON.stringify(out.threads_cpu_us_per_entry.on)}`)
console.log(`per-run ratios ${pairRatios.join(', ')}; ${out.templates_mined} templates; written ${file}`)
