// The reference for bulk ingestion: the embedded engine inserting the same entries directly, in its
// fastest input format (TabSeparated, see bench/insert-formats.mts), in blocks of the same size, with
// the server's own schema (its migrations), in this process only. Every block is encoded before the
// clock starts and handed to chdb's raw insert as a Buffer: the figure is the engine's, not ours.
// Also reports bytes on disk per entry after the parts are merged.
// Usage: node --import tsx bench/direct-insert.mts <entries> <batch> [TabSeparated|JSONEachRow]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { validateEntry, type Entry } from '../server/src/model/index.ts'
import { COLUMNS, encodeBody, jsonRow, tsvRow } from '../server/src/store/encode.ts'
import { migrate } from '../server/src/store/migrations.ts'
// @ts-expect-error plain ESM helper without types
import { entries } from './data.mjs'

const total = Number(process.argv[2] ?? 100_000)
const batch = Number(process.argv[3] ?? 1_000)
const format = process.argv[4] === 'JSONEachRow' ? 'JSONEachRow' : 'TabSeparated'
const dir = mkdtempSync(join(tmpdir(), 'ogls-direct-'))
const connection = createChdbConnection({ path: dir })
const client = createClient({ connection } as Parameters<typeof createClient>[0])
await migrate(client, { database: 'oglogstream', cluster: undefined })

// Prepare every block before the clock starts: the reference measures the engine, not the generator.
const toEntry = (e: unknown): Entry => {
  const v = validateEntry(e)
  if (!v.ok) throw new Error(v.error)
  return v.entry
}
const blocks: Buffer[] = []
for (let i = 0; i < total; i += batch) {
  const list = entries(Math.min(batch, total - i), i).map(toEntry)
  blocks.push(encodeBody(list, format === 'TabSeparated' ? tsvRow : jsonRow))
}
const t0 = performance.now()
const cpu0 = process.cpuUsage() // all threads: the engine inserts on its own
let n = 0
for (const values of blocks) {
  await connection.chdb.rawInsert({
    table: 'oglogstream.logs',
    values,
    format,
    columns: format === 'TabSeparated' ? [...COLUMNS] : undefined,
    settings: { async_insert: 0, insert_deduplicate: 1, insert_deduplication_token: `direct-${n++}`, min_insert_block_size_rows: 0, min_insert_block_size_bytes: 0 },
  })
}
const seconds = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)
await client.command({ query: 'OPTIMIZE TABLE oglogstream.logs FINAL' })
const rs = await client.query({
  query: "SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS rows, sum(data_uncompressed_bytes) AS raw FROM system.parts WHERE database = 'oglogstream' AND table = 'logs' AND active",
  format: 'JSONEachRow',
})
const [disk] = await rs.json<{ bytes: string; rows: string; raw: string }>()
await client.close()
rmSync(dir, { recursive: true, force: true })
if (Number(disk?.rows) !== total) throw new Error(`stored ${disk?.rows} rows of ${total}`)
console.log(
  JSON.stringify({
    entries: total,
    batch,
    format,
    seconds,
    entries_per_s: total / seconds,
    cpu_us_per_entry: (cpu.user + cpu.system) / total,
    bytes_on_disk_per_entry: Number(disk?.bytes) / Number(disk?.rows),
    uncompressed_bytes_per_entry: Number(disk?.raw) / Number(disk?.rows),
  }),
)
