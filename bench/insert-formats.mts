// Which input format is cheapest end to end for our inserts, and how to insert a backfill that spans
// many days. The embedded engine, the server's own schema (its migrations), 10k-row blocks of loghub
// lines; every block encoded from the same entries. Prints JSON (figures per 10k-row block).
// Usage: node --import tsx bench/insert-formats.mts [blocks] [rows] [--no-backfill]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { validateEntry, type Entry } from '../server/src/model/index.ts'
import { migrate } from '../server/src/store/migrations.ts'
import { COLUMNS, encodeBody, jsonRow, tsvRow } from '../server/src/store/encode.ts'
import { toClickHouse } from '../server/src/model/index.ts'
// @ts-expect-error plain ESM helper without types
import { entries as generate } from './data.mjs'

const blocks = Number(process.argv[2] ?? 8)
const rows = Number(process.argv[3] ?? 10_000)
const dir = mkdtempSync(join(tmpdir(), 'ogls-formats-'))
const conn = createChdbConnection({ path: dir }) as ReturnType<typeof createChdbConnection> & { chdb: { rawInsert(p: object): Promise<unknown> } }
const client = createClient({ connection: conn } as Parameters<typeof createClient>[0])
await migrate(client, { database: 'oglogstream', cluster: undefined })

const toEntry = (e: unknown): Entry => {
  const v = validateEntry(e)
  if (!v.ok) throw new Error(v.error)
  return v.entry
}
const DAY = 86_400_000
const make = (i: number, days = 0): Entry[] =>
  generate(rows, i * rows)
    // A backfill: the block's rows spread evenly over `days` days.
    .map((e: { timestamp: string }, k: number) => (days ? { ...e, timestamp: new Date(Date.UTC(2025, 0, 1) + (k % days) * DAY + k).toISOString() } : e))
    .map(toEntry)
const data = Array.from({ length: blocks }, (_, i) => make(i))

const settings: Record<string, number> = { async_insert: 0, max_execution_time: 0, insert_deduplicate: 1, min_insert_block_size_rows: 0, min_insert_block_size_bytes: 0 }
let tables = 0
async function table(partition = 'toDate(timestamp)'): Promise<string> {
  const name = `oglogstream.t${tables++}`
  await client.command({ query: `CREATE TABLE ${name} AS oglogstream.logs ENGINE = MergeTree PARTITION BY ${partition} ORDER BY (service, timestamp) SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000` })
  return name
}
const ms = (t0: number) => performance.now() - t0
// CPU of the whole process (our thread and the engine's threads alike), in ms: less disturbed than
// wall time by the other work on a shared machine.
const cpu = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / 1000
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN
const compactRow = (e: Entry) => JSON.stringify([toClickHouse(e.timestamp), e.level, e.service, e.message, e.attributes, e.trace_id, e.span_id]) + '\n'

interface Fig { encode_ms: number; engine_ms: number; total_ms: number; rows_per_s: number; encode_cpu_ms: number; engine_cpu_ms: number; encode_share_cpu: number; bytes_per_row: number }
interface Run { encode: number; engine: number; encodeCpu: number; engineCpu: number; bytes: number }
const formats: Record<string, (t: string, b: Entry[], token: string) => Promise<Run>> = {
  // What the store did before: rows as objects, the client's JSON.stringify, one string body.
  'JSONEachRow via client.insert (before)': async (t, b, token) => {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    const values = b.map((e) => ({ timestamp: toClickHouse(e.timestamp), level: e.level, service: e.service, message: e.message, attributes: e.attributes, trace_id: e.trace_id, span_id: e.span_id }))
    const encode = ms(t0)
    const encodeCpu = cpu(c0)
    const t1 = performance.now()
    const c1 = process.cpuUsage()
    // The client stringifies the rows itself, inside this call: counted as the engine's share here.
    await client.insert({ table: t, values, format: 'JSONEachRow', clickhouse_settings: { ...settings, insert_deduplication_token: token } as Record<string, unknown> as never })
    return { encode, engine: ms(t1), encodeCpu, engineCpu: cpu(c1), bytes: NaN }
  },
  ...Object.fromEntries(
    ([['JSONEachRow', jsonRow], ['JSONCompactEachRow', compactRow], ['TabSeparated', tsvRow]] as const).map(([format, row]) => [
      `${format} raw Buffer`,
      async (t: string, b: Entry[], token: string) => {
        const t0 = performance.now()
        const c0 = process.cpuUsage()
        const body = encodeBody(b, row)
        const encode = ms(t0)
        const encodeCpu = cpu(c0)
        const t1 = performance.now()
        const c1 = process.cpuUsage()
        await conn.chdb.rawInsert({ table: t, values: body, format, columns: format === 'TabSeparated' ? [...COLUMNS] : undefined, settings: { ...settings, insert_deduplication_token: token } })
        return { encode, engine: ms(t1), encodeCpu, engineCpu: cpu(c1), bytes: body.length / b.length }
      },
    ]),
  ),
}

const out: Record<string, unknown> = { rows_per_block: rows, blocks, formats: {} as Record<string, Fig>, partitions: {} }
// Warm-up: one block in each format, not counted.
for (const [name, f] of Object.entries(formats)) await f(await table(), data[0] as Entry[], `warm-${name}`)
const results: Record<string, { encode: number[]; engine: number[]; encodeCpu: number[]; engineCpu: number[]; bytes: number }> = {}
const targets: Record<string, string> = {}
for (const name of Object.keys(formats)) targets[name] = await table()
for (let i = 0; i < blocks; i++) {
  // Formats interleaved block by block, so the machine's noise falls on all of them alike.
  const list = Object.entries(formats)
  for (let k = 0; k < list.length; k++) {
    // ... and in a rotating order, so that none always runs first after a pause.
    const [name, f] = list[(i + k) % list.length] as [string, (typeof formats)[string]]
    const r = await f(targets[name] as string, data[i] as Entry[], `${name}-${i}`)
    const acc = (results[name] ??= { encode: [], engine: [], encodeCpu: [], engineCpu: [], bytes: r.bytes })
    acc.encode.push(r.encode)
    acc.engine.push(r.engine)
    acc.encodeCpu.push(r.encodeCpu)
    acc.engineCpu.push(r.engineCpu)
  }
}
for (const [name, r] of Object.entries(results)) {
  const encode = median(r.encode)
  const engine = median(r.engine)
  const total = encode + engine
  const encodeCpu = median(r.encodeCpu)
  const engineCpu = median(r.engineCpu)
  const r1 = (x: number) => Math.round(x * 10) / 10
  ;(out.formats as Record<string, Fig>)[name] = {
    encode_ms: r1(encode),
    engine_ms: r1(engine),
    total_ms: r1(total),
    rows_per_s: Math.round(rows / (total / 1000)),
    encode_cpu_ms: r1(encodeCpu),
    engine_cpu_ms: r1(engineCpu),
    encode_share_cpu: Math.round((encodeCpu / (encodeCpu + engineCpu)) * 100) / 100,
    bytes_per_row: Math.round(r.bytes),
  }
}

console.error(JSON.stringify(out.formats, null, 2))

// Backfill: one block spread over `days` days, inserted (a) as one insert with the partition limit
// raised, (b) one insert per day partition, (c) into a table partitioned by month.
const tsvInsert = (t: string, b: Entry[], token: string, extra: Record<string, number> = {}) =>
  conn.chdb.rawInsert({ table: t, values: encodeBody(b), format: 'TabSeparated', columns: [...COLUMNS], settings: { ...settings, ...extra, insert_deduplication_token: token } })
const parts = async (t: string) => Number((await (await client.query({ query: `SELECT count() AS n FROM system.parts WHERE active AND database || '.' || table = '${t}'`, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n)
for (const days of process.argv.includes('--no-backfill') ? [] : [1, 30, 365, 3650]) {
  const b = make(blocks + days, days)
  const strategies: Record<string, (t: string) => Promise<void>> = {
    'one insert, max_partitions_per_insert_block raised': (t) => tsvInsert(t, b, `one-${days}`, { max_partitions_per_insert_block: 0 }).then(() => undefined),
    'one insert per day': async (t) => {
      const byDay = new Map<string, Entry[]>()
      for (const e of b) {
        const d = e.timestamp.slice(0, 10)
        let list = byDay.get(d)
        if (!list) byDay.set(d, (list = []))
        list.push(e)
      }
      let k = 0
      for (const list of byDay.values()) await tsvInsert(t, list, `day-${days}-${k++}`)
    },
    'table partitioned by month, one insert': (t) => tsvInsert(t, b, `month-${days}`, { max_partitions_per_insert_block: 0 }).then(() => undefined),
  }
  const fig: Record<string, { ms: number; parts: number }> = {}
  for (const [name, run] of Object.entries(strategies)) {
    const times: number[] = []
    let p = 0
    for (let r = 0; r < (days > 365 ? 1 : 3); r++) {
      const t = await table(name.includes('month') ? 'toYYYYMM(timestamp)' : 'toDate(timestamp)')
      const t0 = performance.now()
      await run(t)
      times.push(ms(t0))
      p = await parts(t)
      await client.command({ query: `DROP TABLE ${t} SYNC` })
    }
    fig[name] = { ms: Math.round(median(times)), parts: p }
  }
  ;(out.partitions as Record<string, unknown>)[`${rows} rows over ${days} days`] = fig
  console.error(days, JSON.stringify(fig))
}
await client.close()
rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify(out, null, 2))
