// Explore's reads (issue 19) on generated entries (ROWS, default 2 M, over 26 h, 4 attributes each, one
// of them unique per entry, each with its id): GET /api/field_summary (attributes of the newest `sample`
// matching entries with their top 5 values) beside GET /api/stats (a count over the same filter), and one
// entry by id (GET /api/logs/{id}) and its context (GET /api/context, 20 each side).
// In-process (createApp + inject), p50 of RUNS after a warm-up.
//
//   npx tsx bench/field-summary.mts [--rows N] [--runs N]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../server/src/app.ts'
import { loadConfig } from '../server/src/config.ts'
import { arg, medianGetMs } from './in-process.mts'
import type { Store } from '../server/src/store/index.ts'

const ROWS = arg('rows', 2_000_000)
const RUNS = arg('runs', 7)
const END = Date.UTC(2026, 5, 1)
const HOUR = 3_600_000
const dir = mkdtempSync(join(tmpdir(), 'ogls-bench-fields-'))
const app = await createApp(loadConfig('all', { DATA_DIR: dir, RATE_LIMIT_MAX: '0', LOG_LEVEL: 'silent', WEB_DIR: join(dir, 'x'), QUERY_TIMEOUT: '120s' }))
const store = app.store as Store
await store.sql(`INSERT INTO oglogstream.logs (id, timestamp, level, service, message, attributes)
  SELECT toString(generateUUIDv4(number)), fromUnixTimestamp64Milli(toInt64(${END - 26 * HOUR} + intDiv(number * ${26 * HOUR}, ${ROWS}))),
    ['debug','info','info','info','warn','error'][number % 6 + 1], concat('svc-', toString(number % 20)),
    concat('request ', toString(number), if(number % 97 = 0, ' connection refused by upstream', ' done')),
    map('host', concat('h', toString(number % 7)), 'region', ['eu','us','ap'][number % 3 + 1], 'status', toString(200 + (number % 5) * 100), 'request_id', toString(number))
  FROM numbers(${ROWS})`)

const p50 = (mk: (i: number) => string) => medianGetMs(app.server, mk, RUNS)
const from = END - 24 * HOUR
const rows: [string, number][] = []
for (const [label, qs] of [
  ['all services', ''],
  ['service=svc-3', '&service=svc-3'],
  ['q=refused', '&q=refused'],
] as const) {
  rows.push([`/api/stats ${label} 24 h`, await p50((i) => `/api/stats?from=${from}&to=${END + i}${qs}`)])
  for (const sample of [10_000, 100_000]) {
    rows.push([`/api/field_summary ${label} sample=${sample} 24 h`, await p50((i) => `/api/field_summary?from=${from}&to=${END + i}&sample=${sample}${qs}`)])
  }
}
const ids = (await store.sql<{ id: string }>(`SELECT id FROM oglogstream.logs WHERE service = 'svc-7' ORDER BY timestamp LIMIT 1 OFFSET ${Math.min(5000, Math.floor(ROWS / 40))}`)).map((r) => r.id)
const id = ids[0] as string
rows.push([`/api/logs/{id} (one of ${ROWS})`, await p50(() => `/api/logs/${id}`)])
rows.push(['/api/context?id= before=20 after=20', await p50(() => `/api/context?id=${id}&before=20&after=20`)])
console.log(`${ROWS} entries, p50 of ${RUNS} runs (ms):`)
for (const [n, v] of rows) console.log(`  ${String(v).padStart(8)}  ${n}`)
await app.stop()
rmSync(dir, { recursive: true, force: true })
