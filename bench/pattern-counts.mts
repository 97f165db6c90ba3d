// What the per-hour pattern counts (the `pattern_hours` projection of the logs table, migration 6) cost
// at insert: the same blocks of 10,000 entries (the worker's default BATCH_SIZE; Loghub-shaped, fresh
// values per entry, pattern_id given by the real miner) inserted alternately into the logs table and
// into a copy of it without the projection, through the store's own insert path (chdb raw insert,
// TabSeparated), in this process, merges stopped so that each insert's CPU is its own. CPU time of the
// whole process (the engine inserts on its own threads) per entry, A/B in alternation so that a change
// in a shared machine's load hits both. Then the merge of each table's parts (OPTIMIZE FINAL), timed.
// Writes bench/results/pattern-counts.json. A third argument measures another projection of the logs
// table the same way (`level_minutes`, migration 7: the per-minute counts of stats and histograms), the
// copy lacking only that one; the result goes to bench/results/projection-<name>.json.
//
//   node --import tsx bench/pattern-counts.mts [entries per block] [blocks] [projection]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../server/src/config.ts'
import { validateEntry, type Entry } from '../server/src/model/index.ts'
import { PatternMiner } from '../server/src/patterns/index.ts'
import { Store } from '../server/src/store/index.ts'
import { insertBlock } from '../server/src/store/insert.ts'
// @ts-expect-error plain ESM helper without types
import { entries } from './data.mjs'
// @ts-expect-error plain ESM helper without types
import { vary } from './vary.mjs'
// @ts-expect-error plain ESM helper without types
import { machine, round, spread, writeResult } from './lib.mjs'

const perBlock = Number(process.argv[2] ?? 10_000)
const blocks = Number(process.argv[3] ?? 30)
const projection = process.argv[4] ?? 'pattern_hours'
if (!/^\w+$/.test(projection)) throw new Error(`not a projection name: ${projection}`)
const dir = mkdtempSync(join(tmpdir(), 'ogls-pattern-counts-'))
const store = await Store.open(loadConfig('all', { DATA_DIR: dir }))
try {
  await store.migrate(0)
  await store.command('CREATE TABLE oglogstream.logs_plain AS oglogstream.logs')
  await store.command(`ALTER TABLE oglogstream.logs_plain DROP PROJECTION ${projection}`)
  for (const t of ['logs', 'logs_plain']) await store.command(`SYSTEM STOP MERGES oglogstream.${t}`)

  // The entries as the worker inserts them: validated, each with the pattern_id its miner gives.
  const miner = new PatternMiner()
  const list: Entry[][] = []
  for (let b = 0; b < blocks; b++) {
    list.push(
      entries(perBlock, b * perBlock).map((raw: { message: string }, k: number) => {
        const v = validateEntry({ ...raw, message: vary(raw.message, b * perBlock + k) })
        if (!v.ok) throw new Error(v.error)
        return { ...v.entry, pattern_id: miner.mine('default', v.entry.service, v.entry.message, v.entry.timestamp) }
      }),
    )
  }
  const raw = (store as unknown as { sc: { client: never; rawInsert: never } }).sc
  const target = (table: string) => ({ client: raw.client, table: `oglogstream.${table}`, plainTable: `oglogstream.${table}`, rawInsert: raw.rawInsert })
  const cpu: Record<string, number[]> = { logs: [], logs_plain: [] }
  const insert = async (table: string, b: number) => {
    const c = process.cpuUsage()
    await insertBlock(target(table), list[b] as Entry[], `pc-${table}-${b}`)
    const d = process.cpuUsage(c)
    cpu[table]?.push(((d.user + d.system) / perBlock))
  }
  for (let b = 0; b < blocks; b++) {
    // Alternate which goes first, so that neither always follows the other's allocations.
    const order = b % 2 ? ['logs', 'logs_plain'] : ['logs_plain', 'logs']
    for (const t of order) await insert(t, b)
  }
  const merge: Record<string, number> = {}
  for (const t of ['logs_plain', 'logs']) {
    await store.command(`SYSTEM START MERGES oglogstream.${t}`)
    const c = process.cpuUsage()
    await store.command(`OPTIMIZE TABLE oglogstream.${t} FINAL`)
    const d = process.cpuUsage(c)
    merge[t] = round((d.user + d.system) / (perBlock * blocks), 3)
  }
  const [proj] = await store.sql<{ rows: string; bytes: string }>(
    "SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.projection_parts WHERE database = 'oglogstream' AND table = 'logs' AND active AND name = {p:String}",
    { p: projection },
  )
  const [parts] = await store.sql<{ rows: string; bytes: string }>(
    "SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE database = 'oglogstream' AND table = 'logs' AND active",
  )
  // The first pair warms up (first-use compilation): left out.
  const withP = spread(cpu.logs!.slice(1))
  const without = spread(cpu.logs_plain!.slice(1))
  const out = {
    bench: 'pattern-counts',
    projection,
    date: new Date().toISOString(),
    machine: machine(),
    entries_per_block: perBlock,
    blocks,
    insert_cpu_us_per_entry: {
      with_projection: withP,
      without_projection: without,
      // Block by block (each pair inserted back to back): with minus without.
      extra_paired: spread(cpu.logs!.slice(1).map((c, i) => c - (cpu.logs_plain![i + 1] as number))),
    },
    merge_cpu_us_per_entry: { with_projection: merge.logs, without_projection: merge.logs_plain },
    projection_rows: Number(proj?.rows),
    projection_bytes: Number(proj?.bytes),
    table_rows: Number(parts?.rows),
    table_bytes: Number(parts?.bytes),
  }
  writeResult(projection === 'pattern_hours' ? 'pattern-counts' : `projection-${projection}`, out)
  const brief = (x: { median: number; min: number; max: number }) => `${x.median} (${x.min}–${x.max})`
  console.log(
    `${projection}: insert CPU µs/entry, ${blocks - 1} blocks of ${perBlock}: with the projection ${brief(withP)}, without ${brief(without)}, ` +
      `paired difference ${brief(out.insert_cpu_us_per_entry.extra_paired)}; merge (OPTIMIZE FINAL) µs/entry with ${merge.logs}, without ${merge.logs_plain}; ` +
      `projection ${out.projection_rows} rows, ${out.projection_bytes} B for ${out.table_rows} entries (${out.table_bytes} B)`,
  )
} finally {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
