// CLICKHOUSE_CLUSTER: the DDL the migrations and the retention generate for a cluster, recorded from a
// client that only writes down what it is asked to run (a fresh cluster: no migration applied yet), then
// parsed one by one by the real engine (EXPLAIN AST in the embedded ClickHouse). What this proves: the
// statements are ClickHouse syntax, every DDL goes to each node (ON CLUSTER), the tables rows are
// written to are ReplicatedMergeTree on the shard's Keeper path, and reads go through Distributed
// tables over them. What it cannot: running them on a cluster (no ClickHouse server or Keeper here).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ClickHouseClient } from '@clickhouse/client'
import { tempStore } from '../../../test/helpers/store.ts'
import {
  applyRetention,
  deadLetterTable,
  migrate,
  MIGRATIONS,
  patternTable,
  readTable,
  writeTable,
  type SchemaContext,
} from './migrations.ts'

const temp = tempStore('cluster-ddl')
const ctx: SchemaContext = { database: 'oglogstream', cluster: 'logs_cluster' }

/** Records every statement; answers reads as a fresh cluster would (no migration, tables tenant-first, no TTL). */
function recorder(): { client: ClickHouseClient; statements: string[] } {
  const statements: string[] = []
  const rows = (query: string) => (/system\.tables/.test(query) ? [{ ddl: '', key: 'tenant, service, timestamp', comment: '' }] : [])
  const client = {
    command: async ({ query }: { query: string }) => void statements.push(query),
    query: async ({ query }: { query: string }) => ({ json: async () => rows(query) }),
    insert: async () => {},
  } as unknown as ClickHouseClient
  return { client, statements }
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim()

test('CLICKHOUSE_CLUSTER: the cluster DDL parses in ClickHouse, runs ON CLUSTER, writes to replicated local tables and reads through Distributed ones', async (t) => {
  const { client, statements } = recorder()
  const applied = await migrate(client, ctx)
  t.diagnostic(`${statements.length} statements from the migrations`)
  assert.deepEqual(
    applied,
    MIGRATIONS.map((m) => m.version),
  )
  await applyRetention(client, ctx, 30)
  await applyRetention(client, ctx, 0, { acme: 7 })
  assert.ok(statements.length >= MIGRATIONS.length, `${statements.length} statements`)

  // The engine's own client (Store keeps it private; a test may look): EXPLAIN AST as plain text.
  const engine = (temp.store as unknown as { sc: { client: ClickHouseClient } }).sc.client
  const kinds: Record<string, RegExp> = {
    CREATE: /CreateQuery/,
    ALTER: /AlterQuery/,
    DROP: /DropQuery/,
    EXCHANGE: /RenameQuery|ExchangeQuery/,
  }
  for (const s of statements) {
    // The real parser: a syntax error throws here.
    const rs = await engine
      .query({ query: `EXPLAIN AST ${s}`, format: 'TabSeparatedRaw' })
      .catch((err: Error) => assert.fail(`${err.message}\n${s}`))
    const ast = await rs.text()
    const kind = kinds[(/^\s*(\w+)/.exec(s)?.[1] ?? '').toUpperCase()]
    assert.ok(kind, `a statement of a kind this test knows: ${oneLine(s).slice(0, 120)}`)
    assert.match(ast, kind, `parsed as that kind of statement: ${oneLine(s).slice(0, 120)}`)
    if (/^\s*(CREATE|ALTER|DROP|EXCHANGE|RENAME)\b/i.test(s))
      assert.match(oneLine(s), / ON CLUSTER `logs_cluster`/, `runs on every node: ${oneLine(s).slice(0, 200)}`)
  }

  const created = (table: string) =>
    statements.map(oneLine).filter((s) => new RegExp(`^CREATE TABLE IF NOT EXISTS \`oglogstream\`\\.${table} ON CLUSTER`).test(s))
  for (const table of ['logs', 'dead_letters', 'patterns']) {
    const local = created(`${table}_local`)
    assert.equal(local.length, 1, `${table}_local created once`)
    assert.match(
      local[0] as string,
      new RegExp(`ENGINE = Replicated\\w*MergeTree\\('/clickhouse/tables/\\{shard\\}/oglogstream/${table}_local', '\\{replica\\}'`),
    )
    const dist = created(table)
    assert.equal(dist.length, 1, `${table} created once`)
    assert.match(dist[0] as string, new RegExp(`ENGINE = Distributed\\(\`logs_cluster\`, \`oglogstream\`, ${table}_local, `))
  }
  // The per-hour pattern counts (migration 6) live in the parts of the local tables, built for the
  // parts already there by one mutation on every node; deletes rebuild them.
  const lines = statements.map(oneLine)
  assert.ok(lines.some((s) => /^ALTER TABLE `oglogstream`\.logs_local ON CLUSTER `logs_cluster` ADD PROJECTION IF NOT EXISTS pattern_hours \(/.test(s)))
  assert.ok(lines.some((s) => /^ALTER TABLE `oglogstream`\.logs_local ON CLUSTER `logs_cluster` MODIFY SETTING lightweight_mutation_projection_mode = 'rebuild'/.test(s)))
  assert.ok(lines.some((s) => /^ALTER TABLE `oglogstream`\.logs_local ON CLUSTER `logs_cluster` MATERIALIZE PROJECTION pattern_hours$/.test(s)))
  // So do the per-minute counts of stats and histograms (migration 7).
  assert.ok(lines.some((s) => /^ALTER TABLE `oglogstream`\.logs_local ON CLUSTER `logs_cluster` ADD PROJECTION IF NOT EXISTS level_minutes \(/.test(s)))
  assert.ok(lines.some((s) => /^ALTER TABLE `oglogstream`\.logs_local ON CLUSTER `logs_cluster` MATERIALIZE PROJECTION level_minutes$/.test(s)))
  assert.ok(!lines.some((s) => /PROJECTION/.test(s) && !/logs_local/.test(s)), 'no projection on a Distributed table')
  assert.equal(writeTable(ctx), '`oglogstream`.logs_local', 'entries are inserted into the local replicated table')
  assert.equal(readTable(ctx), '`oglogstream`.logs', 'queries read the Distributed table')
  assert.equal(deadLetterTable(ctx), '`oglogstream`.dead_letters')
  assert.equal(patternTable(ctx), '`oglogstream`.patterns')
})
