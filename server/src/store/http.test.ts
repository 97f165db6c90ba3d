// The insert path toward a ClickHouse server over HTTP: the rows leave as a streamed (chunked) request
// body, one request per insert, each part of a batch (cut by process/parts.ts, here as it would) under
// its token. No ClickHouse server runs here, so a small HTTP front passes
// each request body, as received, to the real embedded engine: what the engine accepts is what a
// server would be sent.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { loadConfig } from '../config.ts'
import type { Entry } from '../model/index.ts'
import { COLUMNS } from './encode.ts'
import { migrate } from './migrations.ts'
import { partToken, splitEntries, Store } from './index.ts'

const dir = mkdtempSync(join(tmpdir(), 'ogls-store-http-'))
let engine: ReturnType<typeof createChdbConnection>
let client: ClickHouseClient
let server: Server
let url = ''
const seen: { query: string; token: string | null; chunked: boolean; chunks: number }[] = []

before(async () => {
  engine = createChdbConnection({ path: dir })
  client = createClient({ connection: engine } as Parameters<typeof createClient>[0])
  await migrate(client, { database: 'oglogstream', cluster: undefined })
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    const body: Buffer[] = []
    req.on('data', (c: Buffer) => body.push(c))
    req.on('end', () => {
      const query = u.searchParams.get('query') ?? ''
      const token = u.searchParams.get('insert_deduplication_token')
      seen.push({ query, token, chunked: req.headers['transfer-encoding'] === 'chunked', chunks: body.length })
      engine.chdb
        .rawInsert({ table: 'oglogstream.logs', values: Buffer.concat(body), format: 'TabSeparated', columns: [...COLUMNS], settings: { insert_deduplication_token: token ?? '' } })
        .then(
          () => res.writeHead(200, { 'X-ClickHouse-Summary': '{}' }).end(),
          (err: Error) => res.writeHead(500, { 'X-ClickHouse-Exception-Code': '27' }).end(err.message),
        )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
after(async () => {
  await new Promise((r) => server.close(r))
  await client.close()
  rmSync(dir, { recursive: true, force: true })
})

test('over HTTP the rows stream as a chunked TabSeparated body, one request per part under its token', async () => {
  const store = await Store.open(loadConfig('all', { DATA_DIR: dir, CLICKHOUSE_URL: url }))
  assert.equal(store.kind, 'http')
  const entries: Entry[] = Array.from({ length: 3_000 }, (_, i) => ({
    timestamp: `2026-01-0${1 + (i % 3)}T00:00:00.${String(i).padStart(9, '0')}Z`,
    level: 'warn',
    service: 'over-http',
    // About 1 KiB a row, so that a part spans several 1 MiB chunks.
    message: `line ${i}\twith a tab ${'x'.repeat(1000)}`,
    attributes: { i: String(i), "q'": '\n' },
    trace_id: '',
    span_id: '',
  }))
  const parts = splitEntries(entries, { ...store.insertBounds, maxEntries: 2_000 })
  for (const [i, part] of parts.entries()) await store.insert(part, partToken('http-batch', i, parts.length))
  await store.close()
  assert.equal(seen.length, 2)
  assert.deepEqual(
    seen.map((s) => s.token),
    ['http-batch#1/2', 'http-batch#2/2'],
  )
  for (const s of seen) {
    assert.match(s.query, /^INSERT INTO `oglogstream`\.logs \(tenant, timestamp, service, message, attributes, trace_id, span_id, id, pattern_id, level\) FORMAT TabSeparated/)
    assert.ok(s.chunked, 'a streamed body, not one with a Content-Length')
  }
  assert.ok((seen[0]?.chunks ?? 0) > 1, `part 1 arrived in ${seen[0]?.chunks} chunk(s)`)
  const rs = await client.query({
    query: "SELECT count() AS c, countIf(position(message, '\\t') > 0 AND attributes['q\\''] = '\\n') AS ok FROM oglogstream.logs WHERE service = 'over-http'",
    format: 'JSONEachRow',
  })
  const [r] = await rs.json<{ c: string; ok: string }>()
  assert.equal(Number(r?.c), 3_000)
  assert.equal(Number(r?.ok), 3_000)
})
