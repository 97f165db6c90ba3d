// The query language's analytics (issue 14) beside hand-written SQL on the same engine, in the same run:
//   - `| stats count() by (service, level)` and `| stats count() by (_time:1h)` over ROWS entries (10 M;
//     1 M with --quick), through GET /api/query, beside the GROUP BY one would write by hand;
//   - `| json | stats avg(took) by (route)` over 1 M JSON messages, in entries/s, beside JSONExtract SQL;
//   - GET /api/fields over 1 M entries with 20 attribute keys (p50; goal < 200 ms), beside
//     `arrayJoin(attributes.keys)` by hand (the map's keys subcolumn; mapKeys() is 3-5x slower).
// In-process (createApp + inject: no HTTP socket, the same route code), API and SQL runs alternate in
// ROUNDS so that a change in the load of a shared machine hits both; p50 of all runs. Each run moves `to`
// by 1 ms past the data (the same result), so the engine's query condition cache never answers.
// Writes bench/results/analytics.json.
//
//   npx tsx bench/analytics.mts [--quick] [--rows N] [--runs N] [--rounds N]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../server/src/app.ts'
import { loadConfig } from '../server/src/config.ts'
import type { Store } from '../server/src/store/index.ts'
import { arg } from './in-process.mts'
// @ts-expect-error plain JS helpers shared by the benches
import { machine, percentile, round, writeResult } from './lib.mjs'

const QUICK = process.argv.includes('--quick')
const ROWS = arg('rows', QUICK ? 1_000_000 : 10_000_000)
const SIDE_ROWS = arg('side-rows', 1_000_000)
const RUNS = arg('runs', QUICK ? 4 : 5)
const ROUNDS = arg('rounds', 3)
const HOUR = 3_600_000
const END = Date.UTC(2026, 5, 1)
// Three windows of 26 h, one per data set: the generated entries, the JSON messages, the 20-attribute entries.
const W = [END - 26 * HOUR, END] as const
const WJ = [END - 52 * HOUR, END - 26 * HOUR] as const
const WF = [END - 78 * HOUR, END - 52 * HOUR] as const
const ts = (ms: number) => `toDateTime64(${ms / 1000}, 9, 'UTC')`

const dir = mkdtempSync(join(tmpdir(), 'ogls-bench-analytics-'))
const app = await createApp(
  loadConfig('all', { DATA_DIR: dir, RATE_LIMIT_MAX: '0', LOG_LEVEL: 'silent', WEB_DIR: join(dir, 'x'), QUERY_TIMEOUT: '300s' }),
)
const store = app.store as Store
const t0 = performance.now()
const fill = (rows: number, [from, to]: readonly [number, number], service: string, message: string, attributes: string) =>
  store.sql(`INSERT INTO oglogstream.logs (id, timestamp, level, service, message, attributes)
    SELECT toString(generateUUIDv4(number)), fromUnixTimestamp64Milli(toInt64(${from} + intDiv(number * ${to - from}, ${rows}))),
      multiIf(r < 5, 'fatal', r < 50, 'error', r < 150, 'warn', r < 300, 'debug', 'info'), ${service}, ${message}, ${attributes}
    FROM (SELECT number, cityHash64(number, 9) % 1000 AS r FROM numbers(${rows}))`)
// 80 services, levels skewed as in bench/query.mjs.
await fill(
  ROWS,
  W,
  "concat('svc-', toString(cityHash64(number, 1) % 80))",
  "concat('request ', toString(number), ' done in ', toString(number % 997), 'ms')",
  "map('host', concat('h', toString(number % 50)))",
)
await fill(
  SIDE_ROWS,
  WJ,
  "'json-api'",
  `concat('{"route":"/r', toString(number % 40), '","status":', toString(200 + (number % 4) * 100), ',"took":', toString(cityHash64(number) % 2000), ',"user":"u', toString(number % 1000), '"}')`,
  'map()',
)
await fill(
  SIDE_ROWS,
  WF,
  "'attrs'",
  "concat('event ', toString(number))",
  `map(${Array.from({ length: 20 }, (_, k) => `'key_${k}', toString(number % ${k + 3})`).join(', ')})`,
)
await store.sql('OPTIMIZE TABLE oglogstream.logs FINAL')
const genSeconds = round((performance.now() - t0) / 1000)
process.stderr.write(`generated ${ROWS} + 2 × ${SIDE_ROWS} entries in ${genSeconds} s\n`)

const range = ([from, to]: readonly [number, number], i: number) => `from=${from}&to=${to + 1 + i}`
const where = ([from, to]: readonly [number, number], i: number) =>
  `tenant = 'default' AND timestamp >= ${ts(from)} AND timestamp < ${ts(to + 1 + i)}`

interface Case {
  name: string
  rows: number
  api: (i: number) => string
  sql: (i: number) => string
  /** What the two must agree on: the number of result rows. */
  goal?: string
}
const CASES: Case[] = [
  {
    name: '| stats count() by (service, level)',
    rows: ROWS,
    api: (i) => `/api/query?q=${encodeURIComponent('| stats count() by (service, level)')}&${range(W, i)}`,
    sql: (i) => `SELECT service, level, count() FROM oglogstream.logs WHERE ${where(W, i)} GROUP BY service, level ORDER BY service, level`,
    goal: '≤ 1.2× SQL',
  },
  {
    name: '| stats count() by (_time:1h)',
    rows: ROWS,
    api: (i) => `/api/query?q=${encodeURIComponent('| stats count() by (_time:1h)')}&${range(W, i)}`,
    sql: (i) =>
      `SELECT toStartOfInterval(timestamp, INTERVAL 1 HOUR) AS t, count() FROM oglogstream.logs WHERE ${where(W, i)} GROUP BY t ORDER BY t`,
    goal: '≤ 1.2× SQL',
  },
  {
    name: '| json | stats avg(took) by (route)',
    rows: SIDE_ROWS,
    api: (i) => `/api/query?q=${encodeURIComponent('| json | stats avg(took) by (route)')}&${range(WJ, i)}`,
    sql: (i) =>
      `SELECT JSONExtractString(message, 'route') AS route, avg(JSONExtractFloat(message, 'took')) FROM oglogstream.logs WHERE ${where(WJ, i)} GROUP BY route ORDER BY route`,
  },
  {
    name: '/api/fields, 20 attribute keys',
    rows: SIDE_ROWS,
    api: (i) => `/api/fields?${range(WF, i)}`,
    sql: (i) =>
      `SELECT arrayJoin(attributes.keys) AS name, count() AS hits FROM oglogstream.logs WHERE ${where(WF, i)} GROUP BY name ORDER BY hits DESC, name`,
    goal: 'p50 < 200 ms',
  },
]

async function apiRun(c: Case, i: number): Promise<number> {
  const r = await app.server.inject({ method: 'GET', url: c.api(i) })
  if (r.statusCode !== 200) throw new Error(`${c.api(i)}: ${r.statusCode} ${r.body.slice(0, 300)}`)
  const body = JSON.parse(r.body) as { rows?: unknown[]; fields?: unknown[] }
  return (body.rows ?? body.fields ?? []).length
}
const sqlRun = async (c: Case, i: number): Promise<number> => (await store.sql(c.sql(i))).length

const samples = new Map<string, { api: number[]; sql: number[]; apiRows: number; sqlRows: number }>()
for (const c of CASES) {
  const s = { api: [] as number[], sql: [] as number[], apiRows: await apiRun(c, 900_000), sqlRows: await sqlRun(c, 900_001) }
  samples.set(c.name, s)
  if (s.apiRows !== s.sqlRows) throw new Error(`${c.name}: the API gave ${s.apiRows} rows, the SQL ${s.sqlRows}`)
}
let n = 0
for (let round = 0; round < ROUNDS; round++) {
  process.stderr.write(`round ${round + 1}/${ROUNDS}\n`)
  for (const c of CASES) {
    const s = samples.get(c.name)!
    for (let k = 0; k < RUNS; k++) {
      // API and SQL alternate run by run.
      let t = performance.now()
      await apiRun(c, n++)
      s.api.push(performance.now() - t)
      t = performance.now()
      await sqlRun(c, n++)
      s.sql.push(performance.now() - t)
    }
  }
}
await app.stop()
rmSync(dir, { recursive: true, force: true })

const results = CASES.map((c) => {
  const s = samples.get(c.name)!
  const api = percentile(s.api, 50) as number
  const sql = percentile(s.sql, 50) as number
  return {
    query: c.name,
    entries: c.rows,
    result_rows: s.apiRows,
    api_p50_ms: round(api),
    api_min_ms: round(Math.min(...s.api)),
    api_max_ms: round(Math.max(...s.api)),
    sql_p50_ms: round(sql),
    sql_min_ms: round(Math.min(...s.sql)),
    sql_max_ms: round(Math.max(...s.sql)),
    ratio: round(api / sql, 2),
    api_entries_per_s: Math.round(c.rows / (api / 1000)),
    sql_entries_per_s: Math.round(c.rows / (sql / 1000)),
    goal: c.goal ?? null,
    meets_goal: c.goal?.startsWith('≤') ? api / sql <= 1.2 : c.goal ? api < 200 : null,
  }
})
const file = writeResult('analytics', {
  bench: 'analytics',
  mode: QUICK ? 'quick' : 'full',
  date: new Date().toISOString(),
  machine: machine(),
  runs: RUNS * ROUNDS,
  rounds: ROUNDS,
  generate_seconds: genSeconds,
  results,
})
console.log(`\nanalytics, p50 of ${RUNS * ROUNDS} runs in ${ROUNDS} alternating rounds (ms):\n`)
console.log('| query | entries | API p50 (min–max) | hand-written SQL p50 (min–max) | ratio | API entries/s | SQL entries/s | goal |')
console.log('|---|---:|---|---|---:|---:|---:|---|')
for (const r of results) {
  const goal = r.goal ? `${r.goal} ${r.meets_goal ? 'ok' : 'MISSED'}` : ''
  console.log(
    `| ${r.query} | ${r.entries} | ${r.api_p50_ms} (${r.api_min_ms}–${r.api_max_ms}) | ${r.sql_p50_ms} (${r.sql_min_ms}–${r.sql_max_ms}) | ${r.ratio} | ${r.api_entries_per_s} | ${r.sql_entries_per_s} | ${goal} |`,
  )
}
console.log(`\nwritten ${file}`)
