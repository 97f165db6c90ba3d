// The Loki query API beside the native API on the same store (issue 15's performance rows): a 24 h
// log volume `sum by (level) (count_over_time({service_name="x"}[1m]))` beside `/api/histogram` with
// `interval=1m`, and a newest-first log query with a line filter beside `/api/logs?q=`. Generated
// entries (ROWS, default 2 M, over 26 h), in-process (createApp + inject), p50 of RUNS after a warm-up.
//
//   npx tsx bench/loki.mts [--rows N] [--runs N]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../server/src/app.ts'
import { loadConfig } from '../server/src/config.ts'
import { arg, medianGetMs } from './in-process.mts'
import type { Store } from '../server/src/store/index.ts'

const ROWS = arg('rows', 2_000_000)
const RUNS = arg('runs', 9)
const END = Date.UTC(2026, 5, 1)
const HOUR = 3_600_000
const dir = mkdtempSync(join(tmpdir(), 'ogls-bench-loki-'))
const app = await createApp(loadConfig('all', { DATA_DIR: dir, RATE_LIMIT_MAX: '0', LOG_LEVEL: 'silent', WEB_DIR: join(dir, 'x'), QUERY_TIMEOUT: '120s' }))
const store = app.store as Store
await store.sql(`INSERT INTO oglogstream.logs (timestamp, level, service, message, attributes)
  SELECT fromUnixTimestamp64Milli(toInt64(${END - 26 * HOUR} + intDiv(number * ${26 * HOUR}, ${ROWS}))),
    ['debug','info','info','info','warn','error'][number % 6 + 1], concat('svc-', toString(number % 20)),
    concat('request ', toString(number), if(number % 97 = 0, ' connection refused by upstream', concat(' done in ', toString(number % 1000), 'ms'))),
    map('host', concat('h', toString(number % 7)))
  FROM numbers(${ROWS})`)

const ns = (ms: number) => `${ms}000000`
const p50 = (mk: (i: number) => string) => medianGetMs(app.server, mk, RUNS)
const from = END - 24 * HOUR
const rows: [string, number][] = []
// `i` moves the end by i ms past the data (same answer, no condition cache hit).
rows.push(['/api/histogram service=svc-3 interval=1m 24 h', await p50((i) => `/api/histogram?service=svc-3&interval=1m&from=${from}&to=${END + i}`)])
rows.push([
  'loki sum by (level) (count_over_time({service_name="svc-3"}[1m])) step 60s 24 h',
  await p50((i) => `/loki/api/v1/query_range?query=${encodeURIComponent('sum by (level) (count_over_time({service_name="svc-3"}[1m]))')}&start=${ns(from)}&end=${ns(END + i)}&step=60s`),
])
rows.push(['/api/logs service=svc-3 q=refused limit 100, 24 h', await p50((i) => `/api/logs?service=svc-3&q=refused&from=${from}&to=${END + i}&limit=100`)])
rows.push([
  'loki {service_name="svc-3"} |= "refused" limit 100, 24 h',
  await p50((i) => `/loki/api/v1/query_range?query=${encodeURIComponent('{service_name="svc-3"} |= "refused"')}&start=${ns(from)}&end=${ns(END + i)}&limit=100`),
])
console.log(`${ROWS} entries, p50 of ${RUNS} runs (ms):`)
for (const [n, v] of rows) console.log(`  ${String(v).padStart(8)}  ${n}`)
await app.stop()
rmSync(dir, { recursive: true, force: true })
