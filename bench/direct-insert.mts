// The reference for bulk ingestion: the embedded engine inserting the same entries directly as
// JSONEachRow blocks of the same size, with the server's own schema (its migrations), in this
// process only. Also reports bytes on disk per entry after the parts are merged.
// Usage: node --import tsx bench/direct-insert.mts <entries> <batch>
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../server/src/config.ts'
import { validateEntry, type Entry } from '../server/src/model/index.ts'
import { Store } from '../server/src/store/index.ts'
// @ts-expect-error plain ESM helper without types
import { entries } from './data.mjs'

const total = Number(process.argv[2] ?? 100_000)
const batch = Number(process.argv[3] ?? 1_000)
const dir = mkdtempSync(join(tmpdir(), 'ogls-direct-'))
const store = await Store.open(loadConfig('all', { DATA_DIR: dir }))
await store.migrate(0)

// Prepare every block before the clock starts: the reference measures the engine, not the generator.
const blocks = []
const toEntry = (e: unknown): Entry => {
  const v = validateEntry(e)
  if (!v.ok) throw new Error(v.error)
  return v.entry
}
for (let i = 0; i < total; i += batch) blocks.push(entries(Math.min(batch, total - i), i).map(toEntry))
const t0 = performance.now()
let n = 0
for (const b of blocks) await store.insert(b, `direct-${n++}`)
const seconds = (performance.now() - t0) / 1000
await store.sql('OPTIMIZE TABLE oglogstream.logs FINAL')
const [disk] = await store.sql<{ bytes: string; rows: string; raw: string }>(
  "SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS rows, sum(data_uncompressed_bytes) AS raw FROM system.parts WHERE database = 'oglogstream' AND table = 'logs' AND active",
)
await store.close()
rmSync(dir, { recursive: true, force: true })
console.log(
  JSON.stringify({
    entries: total,
    batch,
    seconds,
    entries_per_s: total / seconds,
    bytes_on_disk_per_entry: Number(disk?.bytes) / Number(disk?.rows),
    uncompressed_bytes_per_entry: Number(disk?.raw) / Number(disk?.rows),
  }),
)
