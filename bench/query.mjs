#!/usr/bin/env node
// Query latency on a store of 10 million generated entries (1 million with --quick): a filtered page,
// stats, a 24 h histogram and three searches, each through the HTTP API of the built server and beside
// it the same query functions (so the same SQL) run directly on the embedded engine, p50/p99 over
// several runs. Prints a table and writes bench/results/query.json. Run after `npm run build`.
//
//   node bench/query.mjs [--quick] [--rows N] [--runs N] [--rounds N] [--compare] [--keep | --reuse DIR]
//
// --keep leaves the generated store in place and prints where; --reuse DIR measures that store again.
//
// --compare also copies the data into tables that differ only in the message index (none, tokenbf_v1,
// ngrambf_v1, text) or in the sort key, and times the same searches and pages on each: the measurements
// behind the schema's choices.
//
// The embedded engine binds one data directory per process, so each phase runs in its own process:
// `gen` (fill the store, directly with the engine), the server (API figures), then `direct`.
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LOGHUB as LOGHUB_DIR, ROOT, machine, percentile, round, startServer as startLibServer, tempDir, writeResult } from './lib.mjs'

const LOGHUB = process.env.LOGHUB_DIR ?? LOGHUB_DIR
const args = process.argv.slice(2)
const flag = (name) => args.includes(`--${name}`)
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def
}

const QUICK = flag('quick')
const ROWS = Number(opt('rows', QUICK ? 1_000_000 : 10_000_000))
const RUNS = Number(opt('runs', QUICK ? 15 : 12))
// API and direct runs alternate in rounds, so that a change in the load of a shared machine hits both.
const ROUNDS = Number(opt('rounds', 3))
const COMPARE_RUNS = Number(opt('compare-runs', 7))
// The data spans 26 h ending here; the histogram and searches look at the last 24 h.
const END = Date.UTC(2026, 5, 1)
const SPAN_MS = 26 * 3_600_000
const HOUR = 3_600_000
const RARE = 'zqxv9kdr2'
const PHRASE = '"Failed password for invalid user"'

/**
 * The measured queries: endpoint and parameters, the same for the API and the direct run. Run `i`
 * moves `to` by i ms (past the data, so the result is the same): the engine caches which granules
 * matched a condition (query condition cache), and the same query repeated would measure that cache.
 */
const QUERIES = [
  {
    name: 'filtered page',
    endpoint: 'logs',
    params: (i) => ({ service: 'openssh-1,apache-2', level: 'error,warn', from: END - HOUR, to: END + i, limit: 100 }),
    goal: 50,
  },
  { name: 'stats 24 h', endpoint: 'stats', params: (i) => ({ from: END - 24 * HOUR, to: END + i }), goal: 150 },
  { name: 'histogram 24 h', endpoint: 'histogram', params: (i) => ({ from: END - 24 * HOUR, to: END + i }), goal: 150 },
  // The same over a day that does not start or end on a minute ("last 24 h" at 12:17:30): the whole
  // minutes from the per-minute counts, the two partial minutes from the entries (store/queries.ts).
  { name: 'stats 24 h, not on minutes', endpoint: 'stats', params: (i) => ({ from: END - 24 * HOUR - 1_050_000, to: END - 1_050_000 + i }), goal: 150 },
  {
    name: 'histogram 24 h, not on minutes',
    endpoint: 'histogram',
    params: (i) => ({ from: END - 24 * HOUR - 1_050_000, to: END - 1_050_000 + i }),
    goal: 150,
  },
  { name: 'search common word', endpoint: 'logs', params: (i) => ({ q: 'error', from: END - 24 * HOUR, to: END + i, limit: 100 }) },
  { name: 'search rare token', endpoint: 'logs', params: (i) => ({ q: RARE, to: END + HOUR + i, limit: 100 }), goal: 300 },
  { name: 'search phrase', endpoint: 'logs', params: (i) => ({ q: PHRASE, from: END - 24 * HOUR, to: END + i, limit: 100 }) },
  { name: 'newest page, no filter', endpoint: 'logs', params: (i) => ({ to: END + HOUR + i, limit: 100 }) },
  // The Patterns view of Explore over a day: the 50 most frequent templates with their sparklines.
  { name: 'patterns 24 h', endpoint: 'patterns', params: (i) => ({ from: END - 24 * HOUR, to: END + i }), goal: 300 },
  // The same over a day that does not start or end on an hour ("last 24 h" at 12:17:30): up to two
  // partial hours counted from the entries beside the per-hour counts (store/patterns.ts).
  {
    name: 'patterns 24 h, not on hours',
    endpoint: 'patterns',
    params: (i) => ({ from: END - 24 * HOUR - 1_050_000, to: END - 1_050_000 + i }),
    goal: 300,
  },
]

const summary = (xs) => ({
  p50: round(percentile(xs, 50)),
  p99: round(percentile(xs, 99)),
  min: round(Math.min(...xs)),
  max: round(Math.max(...xs)),
  runs: xs.length,
})

/**
 * Times `runs` calls of fn(i) after one warm-up call; `first` makes every i unique across rounds.
 * `cpu` collects the process's CPU time per call too: in the direct phase the engine runs inside this
 * process, and CPU time is much less affected than wall time by other work on a shared machine.
 */
async function timeRuns(fn, runs, first = 0, cpu = undefined) {
  await fn(900_000 + first) // warm-up: caches, first-use compilation
  const ms = []
  for (let i = first; i < first + runs; i++) {
    const c = process.cpuUsage()
    const t = performance.now()
    await fn(i)
    ms.push(performance.now() - t)
    const d = process.cpuUsage(c)
    cpu?.push((d.user + d.system) / 1000)
  }
  return ms
}

/** Runs this file again in a child process with the TypeScript sources loadable (tsx). */
function phase(name, extra = []) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--phase', name, ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`phase ${name} failed with ${r.status}`)
  const last = r.stdout.trim().split('\n').pop()
  return JSON.parse(last)
}

// ---------------------------------------------------------------------------------------------------
// Phase `gen`: the store filled directly by the engine in one INSERT ... SELECT (blocks of ~1 M rows).

async function openStore(dir) {
  const { loadConfig } = await import('../server/src/config.ts')
  const { Store } = await import('../server/src/store/index.ts')
  return Store.open(loadConfig('all', { DATA_DIR: dir, QUERY_TIMEOUT: '120s' }))
}

function templates() {
  const systems = []
  const lines = []
  for (const f of readdirSync(LOGHUB)
    .filter((n) => n.endsWith('.log'))
    .sort()) {
    const system = f.replace(/_2k\.log$/, '').toLowerCase()
    for (const line of readFileSync(join(LOGHUB, f), 'utf8').split('\n')) {
      if (!line.trim()) continue
      systems.push(system)
      lines.push(line)
    }
  }
  return { systems, lines }
}

async function gen(dir, rows) {
  const t0 = performance.now()
  const store = await openStore(dir)
  await store.migrate(0)
  const { systems, lines } = templates()
  // Every entry carries the pattern_id of its line's template, as the process role would give it: the
  // real miner over the Loghub lines of each system, one tree per service (5 per system, each with its
  // own ids, as per-service mining makes them). The templates go into the patterns table.
  const { PatternMiner } = await import('../server/src/patterns/index.ts')
  const miner = new PatternMiner()
  const mined = lines.map((l, i) => miner.mine('default', systems[i], l, new Date(END - SPAN_MS).toISOString().replace('Z', '000000Z')))
  const tpls = miner.drain()
  // Every message is a real Loghub line; each run of 4+ digits (block ids, pids, ports, times) is replaced
  // by a number derived from the row, so identifiers are as high-cardinality as in production. 5 services
  // per source system (80), levels skewed (70 % info, 15 % debug, 10 % warn, 4.5 % error, 0.5 % fatal).
  await store.sql(
    `INSERT INTO oglogstream.logs (timestamp, level, service, message, attributes, trace_id, span_id, pattern_id)
     SELECT
       toDateTime64({start:Int64} / 1000, 9, 'UTC') + toIntervalMillisecond(intDiv(number * {span:UInt64}, {rows:UInt64}))
         + toIntervalNanosecond(cityHash64(number, 7) % 1000000) AS timestamp,
       multiIf(r < 5, 'fatal', r < 50, 'error', r < 150, 'warn', r < 300, 'debug', 'info') AS level,
       concat(systems[t], '-', toString(cityHash64(number, 1) % 5)) AS service,
       replaceRegexpAll(lines[t], '[0-9]{4,}', toString(cityHash64(number, 3) % 100000000000)) AS message,
       map('host', concat('host-', toString(cityHash64(number, 4) % 200)), 'region', ['eu', 'us', 'ap'][1 + number % 3]) AS attributes,
       if(number % 10 < 3, lower(concat(hex(cityHash64(number, 5)), hex(cityHash64(number, 6)))), '') AS trace_id,
       if(number % 10 < 3, lower(hex(cityHash64(number, 8))), '') AS span_id,
       lower(hex(cityHash64(service, mined[t]))) AS pattern_id
     FROM (
       SELECT number, 1 + cityHash64(number, 2) % length({lines:Array(String)}) AS t, cityHash64(number, 9) % 1000 AS r,
              {lines:Array(String)} AS lines, {systems:Array(String)} AS systems, {mined:Array(String)} AS mined
       FROM numbers({rows:UInt64})
     )`,
    { start: END - SPAN_MS, span: SPAN_MS, rows, lines, systems, mined },
  )
  await store.sql(
    `INSERT INTO oglogstream.patterns (tenant, service, pattern_id, template, first_seen, last_seen, sample)
     SELECT 'default', concat(z.1, '-', toString(k)) AS service, lower(hex(cityHash64(service, z.2))), z.3,
       toDateTime64({start:Int64} / 1000, 9, 'UTC'), toDateTime64({end:Int64} / 1000, 9, 'UTC'), z.4
     FROM (SELECT arrayJoin(arrayZip({tsys:Array(String)}, {tids:Array(String)}, {ttext:Array(String)}, {tsample:Array(String)})) AS z)
     ARRAY JOIN range(5) AS k`,
    {
      start: END - SPAN_MS,
      end: END,
      tsys: tpls.map((t) => t.service),
      tids: tpls.map((t) => t.pattern_id),
      ttext: tpls.map((t) => t.template),
      tsample: tpls.map((t) => t.sample),
    },
  )
  // One entry in the whole set carries the rare token.
  await store.insert(
    [
      {
        timestamp: new Date(END - 13 * HOUR).toISOString().replace('Z', '000000Z'),
        level: 'error',
        service: 'payments-0',
        message: `payment gateway rejected card token ${RARE} for order 4711`,
        attributes: {},
        trace_id: '',
        span_id: '',
      },
    ],
    'bench-rare',
  )
  await store.sql('OPTIMIZE TABLE oglogstream.logs FINAL')
  const [disk] = await store.sql(
    "SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS raw FROM system.parts WHERE database = 'oglogstream' AND table = 'logs' AND active",
  )
  await store.close()
  return {
    rows: Number(disk.rows),
    bytes_on_disk: Number(disk.bytes),
    uncompressed_bytes: Number(disk.raw),
    seconds: round((performance.now() - t0) / 1000),
  }
}

// ---------------------------------------------------------------------------------------------------
// The API phase: the built server on the data directory, queried over HTTP with keep-alive.

function startServer(dir) {
  // the dashboard is not what is measured; a 10 M-row store can take a while to open
  return startLibServer('all', { DATA_DIR: dir, QUERY_TIMEOUT: '120s', WEB_DIR: join(dir, 'no-dashboard') }, { timeoutMs: 120_000 })
}

const qs = (params) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&')

async function apiPhase(dir, runs, first) {
  const srv = await startServer(dir)
  const out = {}
  try {
    for (const q of QUERIES) {
      let rows = 0
      const ms = await timeRuns(
        async (i) => {
          const url = `${srv.url}/api/${q.endpoint}?${qs(q.params(i))}`
          const res = await fetch(url)
          if (res.status !== 200) throw new Error(`${url} -> ${res.status} ${await res.text()}`)
          const body = await res.json()
          rows = Array.isArray(body) ? body.length : (body.total_logs ?? body.buckets?.length)
        },
        runs,
        first,
      )
      out[q.name] = { ms, result: rows }
    }
  } finally {
    await srv.stop()
  }
  return out
}

// ---------------------------------------------------------------------------------------------------
// Phase `direct`: the same query functions as the routes (same SQL, same parameters), no HTTP.

async function directQueries(store) {
  const { queries } = await import('../server/src/store/index.ts')
  const { parseFilter, chooseInterval } = await import('../server/src/query/params.ts')
  /** What each route does with its parameters, minus HTTP. */
  return (ctx, q, i) => {
    const p = Object.fromEntries(Object.entries(q.params(i)).map(([k, v]) => [k, String(v)]))
    const filter = parseFilter(p)
    if (q.endpoint === 'logs')
      return queries.listLogs(ctx, filter, { limit: Number(p.limit ?? 100), order: 'desc' }).then((r) => r.entries.length)
    if (q.endpoint === 'stats') return queries.stats(ctx, filter).then((r) => r.total_logs)
    if (q.endpoint === 'patterns') {
      // What the route does with a range: about 30 buckets, the 50 most frequent templates.
      const intervalMs = chooseInterval(Date.parse(filter.to) - Date.parse(filter.from), 30)
      return store.listPatterns(ctx, filter, { limit: 50, intervalMs, from: filter.from, to: filter.to }).then((r) => r.length)
    }
    const interval = chooseInterval(Date.parse(filter.to) - Date.parse(filter.from))
    return queries.histogram(ctx, filter, interval).then((r) => r.length)
  }
}

async function direct(dir, runs, first, compare) {
  const store = await openStore(dir)
  const run = await directQueries(store)
  const out = { queries: {} }
  for (const q of runs > 0 ? QUERIES : []) {
    let rows = 0
    const cpu = []
    const ms = await timeRuns(
      async (i) => {
        rows = await run(store.queryContext('default'), q, i)
      },
      runs,
      first,
      cpu,
    )
    out.queries[q.name] = { ms, cpu, result: rows }
  }
  if (compare) out.compare = await compareSchemas(store, run)
  await store.close()
  return out
}

/**
 * Tables that differ from `logs` in one respect, filled with the same rows. Message indexes are
 * compared on count() queries written for each index's own condition shape; sort keys on the API's queries.
 */
const VARIANTS = [
  { name: 'no message index', table: 'v_none', ddl: ['ALTER TABLE {t} DROP INDEX idx_message_tokens'] },
  { name: 'tokenbf_v1(32768,3,0) (current)', table: 'logs', ddl: [] },
  {
    name: 'ngrambf_v1(4,32768,3,0)',
    table: 'v_ngram',
    ddl: [
      'ALTER TABLE {t} DROP INDEX idx_message_tokens',
      'ALTER TABLE {t} ADD INDEX idx_message_ngram lower(message) TYPE ngrambf_v1(4, 32768, 3, 0) GRANULARITY 1',
    ],
    like: true,
  },
  {
    name: 'text(splitByNonAlpha, lower)',
    table: 'v_text',
    ddl: [
      'ALTER TABLE {t} DROP INDEX idx_message_tokens',
      "ALTER TABLE {t} ADD INDEX idx_message_text message TYPE text(tokenizer = 'splitByNonAlpha', preprocessor = lower(message))",
    ],
    text: true,
  },
  { name: 'sort key (timestamp)', table: 'v_time', engine: 'ORDER BY timestamp', ddl: [] },
  {
    name: 'sort key (toStartOfHour(ts), service, ts)',
    table: 'v_hour',
    engine: 'ORDER BY (toStartOfHour(timestamp), service, timestamp)',
    ddl: [],
  },
]

async function compareSchemas(store, run) {
  const results = []
  for (const v of VARIANTS) {
    const t = `oglogstream.${v.table}`
    let buildSeconds = 0
    if (v.table !== 'logs') {
      await store.sql(`DROP TABLE IF EXISTS ${t}`)
      const engine = v.engine ? ` ENGINE = MergeTree PARTITION BY toDate(timestamp) ${v.engine}` : ''
      await store.sql(`CREATE TABLE ${t} AS oglogstream.logs${engine}`)
      for (const d of v.ddl) await store.sql(d.replaceAll('{t}', t))
      const t0 = performance.now()
      await store.sql(`INSERT INTO ${t} SELECT * FROM oglogstream.logs`)
      await store.sql(`OPTIMIZE TABLE ${t} FINAL`)
      buildSeconds = round((performance.now() - t0) / 1000)
    }
    const [idx] = await store.sql(
      "SELECT sum(data_compressed_bytes) AS b FROM system.data_skipping_indices WHERE database = 'oglogstream' AND table = {t:String} AND name LIKE 'idx_message%'",
      { t: v.table },
    )
    // Each index's own condition shape for "has this token" (lower-cased), then the exact check.
    const has = (tok) =>
      v.text
        ? `hasAllTokens(message, ['${tok}'])`
        : v.like
          ? `lower(message) LIKE '%${tok}%' AND hasToken(lower(message), '${tok}')`
          : `hasToken(lower(message), '${tok}')`
    const phrase = `${['failed', 'password', 'for', 'invalid', 'user'].map(has).join(' AND ')} AND match(lower(message), '(?:^|[^a-z0-9])failed password for invalid user(?:$|[^a-z0-9])')`
    const range = `timestamp >= toDateTime64(${(END - 24 * HOUR) / 1000}, 9, 'UTC') AND timestamp < toDateTime64(${END / 1000}, 9, 'UTC')`
    const sqls = {
      'rare token count': `SELECT count() AS c FROM ${t} WHERE ${has(RARE)}`,
      'common word count 24 h': `SELECT count() AS c FROM ${t} WHERE ${has('error')} AND ${range}`,
      'phrase count 24 h': `SELECT count() AS c FROM ${t} WHERE ${phrase} AND ${range}`,
    }
    const row = { variant: v.name, table: v.table, index_bytes: Number(idx?.b ?? 0), build_seconds: buildSeconds }
    for (const [name, sql] of Object.entries(sqls)) {
      let c = 0
      const ms = await timeRuns(async () => {
        c = Number((await store.sql(`${sql} SETTINGS use_query_condition_cache = 0`))[0].c)
      }, COMPARE_RUNS)
      row[name] = { ...summary(ms), result: c }
    }
    // The API's own queries on this table (same SQL as the routes): sort-key effects. The searches
    // compile to the token index's condition shape, so they are only meaningful on the bloom-filter tables.
    for (const q of QUERIES.filter((x) => !x.name.startsWith('search') || (!v.text && !v.like))) {
      const ms = await timeRuns((i) => run({ ...store.queryContext('default'), table: t }, q, i), COMPARE_RUNS)
      row[q.name] = summary(ms)
    }
    results.push(row)
    process.stderr.write(`compared ${v.name}\n`)
  }
  return results
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const phaseName = opt('phase', undefined)
  if (phaseName === 'gen') return console.log(JSON.stringify(await gen(opt('dir'), Number(opt('rows')))))
  if (phaseName === 'direct')
    return console.log(JSON.stringify(await direct(opt('dir'), Number(opt('runs')), Number(opt('first')), flag('compare'))))

  const reuse = opt('reuse', undefined)
  const base = reuse ?? tempDir('ogls-bench-query-')
  const dir = join(base, 'store')
  try {
    let data
    if (reuse) data = JSON.parse(readFileSync(join(base, 'data.json'), 'utf8'))
    else {
      process.stderr.write(`generating ${ROWS} entries in ${dir} ...\n`)
      data = phase('gen', ['--dir', dir, '--rows', String(ROWS)])
      writeFileSync(join(base, 'data.json'), JSON.stringify(data))
      process.stderr.write(`generated in ${data.seconds} s\n`)
    }
    const perRound = Math.ceil(RUNS / ROUNDS)
    const samples = { api: {}, direct: {} }
    const add = (side, res) => {
      for (const [name, r] of Object.entries(res)) {
        const s = (samples[side][name] ??= { ms: [], cpu: [], result: r.result })
        s.ms.push(...r.ms)
        s.cpu.push(...(r.cpu ?? []))
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`round ${round + 1}/${ROUNDS}: the API ...\n`)
      add('api', await apiPhase(dir, perRound, round * perRound))
      process.stderr.write(`round ${round + 1}/${ROUNDS}: the same queries directly on the engine ...\n`)
      add('direct', phase('direct', ['--dir', dir, '--runs', String(perRound), '--first', String(round * perRound)]).queries)
    }
    const api = Object.fromEntries(Object.entries(samples.api).map(([k, v]) => [k, { ...summary(v.ms), result: v.result }]))
    const directRes = {
      queries: Object.fromEntries(
        Object.entries(samples.direct).map(([k, v]) => [k, { ...summary(v.ms), cpu_ms: summary(v.cpu), result: v.result }]),
      ),
    }
    if (flag('compare')) {
      process.stderr.write('comparing schemas ...\n')
      directRes.compare = phase('direct', ['--dir', dir, '--runs', '0', '--first', '0', '--compare']).compare
    }

    const rows = QUERIES.map((q) => {
      const a = api[q.name]
      const d = directRes.queries[q.name]
      return {
        query: q.name,
        api_p50_ms: a.p50,
        api_p99_ms: a.p99,
        direct_p50_ms: d.p50,
        direct_p99_ms: d.p99,
        direct_cpu_p50_ms: d.cpu_ms.p50,
        overhead_p50_pct: round((a.p50 / d.p50 - 1) * 100),
        result: a.result,
        goal_p50_ms: q.goal ?? null,
        meets_goal: q.goal ? a.p50 < q.goal : null,
      }
    })
    const result = {
      bench: 'query',
      mode: QUICK ? 'quick' : 'full',
      date: new Date().toISOString(),
      machine: machine(),
      data: { ...data, bytes_per_entry: round(data.bytes_on_disk / data.rows) },
      runs: perRound * ROUNDS,
      rounds: ROUNDS,
      queries: rows,
      api,
      direct: directRes.queries,
      ...(directRes.compare ? { compare: directRes.compare } : {}),
    }
    writeResult('query', result)

    console.log(
      `\nquery latency, ${data.rows.toLocaleString('en')} entries (${result.data.bytes_per_entry} B/entry on disk), ${result.runs} runs in ${ROUNDS} alternating rounds, ${result.machine.nproc} cores, Node ${process.version}\n`,
    )
    console.log(
      '| query | API p50 ms | API p99 ms | direct p50 ms | direct p99 ms | direct CPU p50 ms | API overhead | result | goal p50 |',
    )
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|')
    for (const r of rows) {
      const goal = r.goal_p50_ms ? `< ${r.goal_p50_ms} ms ${r.meets_goal ? 'ok' : 'MISSED'}` : ''
      console.log(
        `| ${r.query} | ${r.api_p50_ms} | ${r.api_p99_ms} | ${r.direct_p50_ms} | ${r.direct_p99_ms} | ${r.direct_cpu_p50_ms} | ${r.overhead_p50_pct} % | ${r.result} | ${goal} |`,
      )
    }
    if (result.compare) {
      const cols = [
        'rare token count',
        'common word count 24 h',
        'phrase count 24 h',
        'filtered page',
        'stats 24 h',
        'histogram 24 h',
        'newest page, no filter',
        'search rare token',
      ]
      console.log(`\nschema comparison (p50 ms; index size in MiB; copy + merge seconds)\n`)
      console.log(`| variant | index MiB | build s | ${cols.join(' | ')} |`)
      console.log(`|---|---:|---:|${cols.map(() => '---:').join('|')}|`)
      for (const c of result.compare) {
        console.log(
          `| ${c.variant} | ${round(c.index_bytes / 1048576)} | ${c.build_seconds} | ${cols.map((k) => c[k]?.p50 ?? '').join(' | ')} |`,
        )
      }
    }
    console.log('\nwritten bench/results/query.json')
  } finally {
    if (!flag('keep') && !reuse) rmSync(base, { recursive: true, force: true })
    else process.stderr.write(`kept ${base}\n`)
  }
}

await main()
