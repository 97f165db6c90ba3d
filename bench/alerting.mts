// Alert rule evaluation (issue 16's performance row): 200 rules in 20 groups at a 30 s interval over
// ROWS generated entries (default 10 M, the last 2 h), evaluated in-process by the real evaluator
// (LogQL engine, state and status writes to the store) for ROUNDS rounds. Reported: wall time per
// round, the process CPU per round (the embedded engine runs in this process, so its threads count)
// and its share of one core at the 30 s interval; beside it, the reference: the same 200 expressions
// run directly as instant queries (runMetric) with no evaluator around them. The evaluator runs a
// round's rules as one batch: the counting rules of a window share one scan (alerting/scan.ts).
//
// With --q, the alerting rules on error counts and on "refused" lines are written in `q` instead
// (`q: _time:5m service:svc-N level:error | stats count() as n by (service) | n:>1000`), and their
// reference is the same q run directly (runQRule).
//
// The 200 rules have 60 distinct filters (service, level, "refused"); rules of one window share one
// scan with a flag per distinct filter. With --distinct, every LogQL rule's filter is its own (a line
// filter that every entry passes, `!= "x3_7"`): the scan's worst case.
//
//   npx tsx bench/alerting.mts [--rows N] [--rounds N] [--q] [--distinct] [--json out.json]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../server/src/app.ts'
import { loadConfig } from '../server/src/config.ts'
import { arg } from './in-process.mts'
import { runMetric } from '../server/src/loki/run.ts'
import { runQRule } from '../server/src/alerting/qrun.ts'
import { DEFAULT_TENANT } from '../server/src/model/tenant.ts'
import type { Alerting } from '../server/src/alerting/index.ts'
import type { Store } from '../server/src/store/index.ts'

const ROWS = arg('rows', 10_000_000)
const ROUNDS = arg('rounds', 5)
const Q = process.argv.includes('--q')
const DISTINCT = process.argv.includes('--distinct')
const INTERVAL_S = 30
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined
const HOUR = 3_600_000
const END = Date.now()

// 200 rules: alerting rules on error counts per service, line filters, rates by level, recording rules.
function rules(): string {
  let y = 'groups:\n'
  for (let g = 0; g < 20; g++) {
    y += `  - name: g${g}\n    interval: ${INTERVAL_S}s\n    rules:\n`
    for (let r = 0; r < 10; r++) {
      const svc = `svc-${(g * 10 + r) % 20}`
      const kind = r % 4
      // --distinct: a line filter that every entry passes, so that no two LogQL rules share a filter.
      const f = DISTINCT ? ` != "x${g}_${r}"` : ''
      if (kind === 0 && Q)
        y += `      - alert: Errors${g}_${r}\n        expr: 'q: _time:5m service:${svc} level:error | stats count() as n by (service) | n:>1000'\n        for: 1m\n`
      else if (kind === 0)
        y += `      - alert: Errors${g}_${r}\n        expr: sum by (service) (count_over_time({service_name="${svc}", level="error"}${f}[5m])) > 1000\n        for: 1m\n`
      else if (kind === 1 && Q)
        y += `      - alert: Refused${g}_${r}\n        expr: 'q: _time:5m service:${svc} refused | stats count() as n | n:>10'\n`
      else if (kind === 1)
        y += `      - alert: Refused${g}_${r}\n        expr: sum(count_over_time({service_name="${svc}"} |= "refused"${f} [5m])) > 10\n`
      else if (kind === 2)
        y += `      - alert: Rate${g}_${r}\n        expr: sum by (level) (rate({service_name="${svc}"}${f}[5m])) > 100\n        labels: { severity: warning }\n`
      else
        y += `      - record: bench:lines:count5m_${g}_${r}\n        expr: sum by (level) (count_over_time({service_name="${svc}"}${f}[5m]))\n`
    }
  }
  return y
}

const dir = mkdtempSync(join(tmpdir(), 'ogls-bench-alerting-'))
mkdirSync(join(dir, 'rules'))
writeFileSync(join(dir, 'rules', 'bench.yml'), rules())
const app = await createApp(
  loadConfig('all', {
    DATA_DIR: join(dir, 'store'),
    RULES_DIR: join(dir, 'rules'),
    RATE_LIMIT_MAX: '0',
    LOG_LEVEL: 'silent',
    WEB_DIR: join(dir, 'x'),
    QUERY_TIMEOUT: '120s',
  }),
)
const store = app.store as Store
const alerting = app.alerting as Alerting
const t0 = performance.now()
await store.sql(`INSERT INTO oglogstream.logs (timestamp, level, service, message, attributes)
  SELECT fromUnixTimestamp64Milli(toInt64(${END - 2 * HOUR} + intDiv(number * ${2 * HOUR}, ${ROWS}))),
    ['debug','info','info','info','warn','error'][number % 6 + 1], concat('svc-', toString(number % 20)),
    concat('request ', toString(number), if(number % 97 = 0, ' connection refused by upstream', concat(' done in ', toString(number % 1000), 'ms'))),
    map('host', concat('h', toString(number % 7)))
  FROM numbers(${ROWS})`)
console.log(`inserted ${ROWS} entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
await alerting.sync()
const groups = alerting.evaluator.loaded
const nRules = groups.reduce((n, g) => n + g.rules.length, 0)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

// Warm-up round, then ROUNDS measured rounds of each.
async function evaluatorRound(at: number) {
  const c = cpuMs()
  const t = performance.now()
  await alerting.evaluator.evaluateAll(at)
  return { wall: performance.now() - t, cpu: cpuMs() - c }
}
async function referenceRound(at: number) {
  const c = cpuMs()
  const t = performance.now()
  const ns = BigInt(at) * 1_000_000n
  for (const g of groups)
    for (const r of g.rules)
      if (r.metric) await runMetric(store.queryContext(DEFAULT_TENANT), r.metric, { start: ns, end: ns, step: 1_000_000_000n })
      else if (r.q) await runQRule(store, store.queryContext(DEFAULT_TENANT), r.q, at)
  return { wall: performance.now() - t, cpu: cpuMs() - c }
}
// The evaluator's instant query (one step as long as the window) answers as the reference's (1 s step);
// so does the batch of a round (every group's rules: counting rules share one scan, alerting/scan.ts).
const { instantQuery, groupQuery } = await import('../server/src/alerting/index.ts')
const q = instantQuery(store)
const allRules = groups.flatMap((g) => g.rules)
const roundBatch = await groupQuery(store)(DEFAULT_TENANT, allRules, END)
for (const g of groups) {
  const batch = roundBatch.slice(allRules.indexOf(g.rules[0] as (typeof allRules)[number]))
  for (const [i, r] of g.rules.entries()) {
    const a = (await q(DEFAULT_TENANT, r, END)).map((x) => JSON.stringify(x)).sort()
    const c = (batch[i] as { labels: Record<string, string>; value: number }[]).map((x) => JSON.stringify(x)).sort()
    if (JSON.stringify(a) !== JSON.stringify(c)) throw new Error(`batch: ${r.expr}: ${JSON.stringify(a)} != ${JSON.stringify(c)}`)
    const ns = BigInt(END) * 1_000_000n
    if (!r.metric) continue
    const ref = await runMetric(store.queryContext(DEFAULT_TENANT), r.metric, { start: ns, end: ns, step: 1_000_000_000n })
    const b = ref.series.map((x) => JSON.stringify({ labels: x.metric, value: Number(x.values[0]?.[1]) })).sort()
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${r.expr}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`)
  }
}
await evaluatorRound(END)
await referenceRound(END)
if (process.argv.includes('--breakdown')) {
  const gq = groupQuery(store)
  const c = cpuMs()
  const t = performance.now()
  await gq(DEFAULT_TENANT, allRules, END - 7)
  console.log(`  the round's batch alone: ${Math.round(performance.now() - t)} ms wall, ${Math.round(cpuMs() - c)} ms CPU`)
  const c2 = cpuMs()
  const t2 = performance.now()
  for (const g of groups) for (const r of g.rules) await q(DEFAULT_TENANT, r, END - 9)
  console.log(`  one query per rule: ${Math.round(performance.now() - t2)} ms wall, ${Math.round(cpuMs() - c2)} ms CPU`)
}
const ev: { wall: number; cpu: number }[] = []
const ref: { wall: number; cpu: number }[] = []
for (let i = 0; i < ROUNDS; i++) {
  // Each round 30 s later in the data's time, as the evaluator would see it (no result cache hit).
  ref.push(await referenceRound(END - (ROUNDS - i) * INTERVAL_S * 1000))
  ev.push(await evaluatorRound(END - (ROUNDS - i) * INTERVAL_S * 1000 + 1))
}
const result = {
  bench: 'alerting',
  date: new Date().toISOString(),
  machine: { nproc: cpus().length, memGiB: Math.round(totalmem() / 1024 ** 3), node: process.version },
  rows: ROWS,
  rules: nRules,
  qRules: groups.reduce((n, g) => n + g.rules.filter((r) => r.q).length, 0),
  distinctFilters: DISTINCT,
  groups: groups.length,
  intervalS: INTERVAL_S,
  rounds: ROUNDS,
  evaluator: {
    roundWallMsP50: Math.round(median(ev.map((x) => x.wall))),
    roundCpuMsP50: Math.round(median(ev.map((x) => x.cpu))),
    wallMs: ev.map((x) => Math.round(x.wall)),
  },
  reference: { roundWallMsP50: Math.round(median(ref.map((x) => x.wall))), roundCpuMsP50: Math.round(median(ref.map((x) => x.cpu))) },
}
const share = (ms: number) => `${((ms / (INTERVAL_S * 1000)) * 100).toFixed(1)} %`
console.log(
  `${nRules} rules (${result.qRules} in q) in ${groups.length} groups, ${ROWS} entries, p50 of ${ROUNDS} rounds (${cpus().length} cores, Node ${process.version}):`,
)
console.log(
  `  evaluator round: ${result.evaluator.roundWallMsP50} ms wall, ${result.evaluator.roundCpuMsP50} ms CPU = ${share(result.evaluator.roundCpuMsP50)} of one core at a ${INTERVAL_S} s interval`,
)
console.log(
  `  reference (the 200 queries alone): ${result.reference.roundWallMsP50} ms wall, ${result.reference.roundCpuMsP50} ms CPU = ${share(result.reference.roundCpuMsP50)}`,
)
console.log(`  evaluator / reference wall: ${(result.evaluator.roundWallMsP50 / result.reference.roundWallMsP50).toFixed(2)}x`)
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2))
await app.stop()
rmSync(dir, { recursive: true, force: true })
