// The floor under issue 12's memory goal (< 300 MiB RSS while 1 M entries wait and are replayed): the
// embedded engine alone, in a Node process that holds nothing else, with the server's schema (its
// migrations), inserting 1 M Loghub-shaped entries in blocks as the worker does (TabSeparated, one
// insert at a time, each block encoded just before its insert so that JavaScript holds one block). RSS
// and its anonymous part are sampled from /proc/self/status: before the engine is loaded, with the
// engine loaded, after the schema, at the peak of the inserts, and a few seconds after.
// Usage: npx tsx bench/engine-rss.mts [entries] [block]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error plain ESM helper without types
import { entries } from './data.mjs'

const total = Number(process.argv[2] ?? 1_000_000)
const block = Number(process.argv[3] ?? 10_000)

const mib = (field: string): number => Number(readFileSync('/proc/self/status', 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0) / 1024
const sample = () => ({ rss: Math.round(mib('VmRSS')), anon: Math.round(mib('RssAnon')), file: Math.round(mib('RssFile')) })

// The server's allocator settings (server/src/store/client.ts), read by the engine when it loads.
const { ENGINE_MALLOC_CONF } = await import('../server/src/store/client.ts')
process.env.JE_MALLOC_CONF ??= ENGINE_MALLOC_CONF
const before = sample()
const { createClient } = await import('@clickhouse/client')
const { createChdbConnection } = await import('chdb/connection')
const { validateEntry } = await import('../server/src/model/index.ts')
const { COLUMNS, encodeBody, tsvRow } = await import('../server/src/store/encode.ts')
const { migrate } = await import('../server/src/store/migrations.ts')
const dir = mkdtempSync(join(tmpdir(), 'ogls-engine-rss-'))
const connection = createChdbConnection({ path: dir })
const client = createClient({ connection } as Parameters<typeof createClient>[0])
const loaded = sample()
await migrate(client, { database: 'oglogstream', cluster: undefined })
const schema = sample()

let peak = schema
const timer = setInterval(() => {
  const s = sample()
  if (s.rss > peak.rss) peak = s
}, 50)
const t0 = performance.now()
for (let i = 0, n = 0; i < total; i += block, n++) {
  const values = encodeBody(
    (entries(Math.min(block, total - i), i) as unknown[]).map((e) => {
      const v = validateEntry(e)
      if (!v.ok) throw new Error(v.error)
      return v.entry
    }),
    tsvRow,
  )
  await connection.chdb.rawInsert({
    table: 'oglogstream.logs',
    values,
    format: 'TabSeparated',
    columns: [...COLUMNS],
    settings: { async_insert: 0, insert_deduplicate: 1, insert_deduplication_token: `rss-${n}`, min_insert_block_size_rows: 0, min_insert_block_size_bytes: 0 },
  })
  const s = sample()
  if (s.rss > peak.rss) peak = s
}
const seconds = (performance.now() - t0) / 1000
await new Promise((r) => setTimeout(r, 3_000))
clearInterval(timer)
const after = sample()
await client.close()
rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify({ entries: total, block, malloc_conf: process.env.JE_MALLOC_CONF, seconds: Math.round(seconds * 10) / 10, mib: { node_alone: before, engine_loaded: loaded, schema, peak_inserting: peak, three_s_after: after } }))
