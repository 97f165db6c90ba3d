// classifyInsertError against real errors: each one produced by the embedded engine (through the client
// and through chdb's raw insert, the two shapes the insert path sees) or by a real failed connection.
// (Ported from the store's former isRetryable tests: one classifier, here.)
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { migrate } from '../store/migrations.ts'
import { engineCode } from '../store/index.ts'
import { classifyInsertError } from './failure.ts'

const dir = mkdtempSync(join(tmpdir(), 'ogls-failure-'))
let connection: ReturnType<typeof createChdbConnection>
let client: ClickHouseClient
before(async () => {
  connection = createChdbConnection({ path: dir })
  client = createClient({ connection } as Parameters<typeof createClient>[0])
  await migrate(client, { database: 'oglogstream', cluster: undefined })
})
after(async () => {
  await client.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The error `f` throws (it must throw). */
async function caught(f: () => Promise<unknown>): Promise<Error> {
  try {
    await f()
  } catch (err) {
    assert.ok(err instanceof Error)
    return err
  }
  assert.fail('expected an error')
}

const COLUMNS = ['timestamp', 'level', 'service', 'message', 'attributes', 'trace_id', 'span_id']
// Non-empty last fields: the engine trims the text of a query, which would eat trailing empty fields.
const tsv = (ts: string) => Buffer.from(`${ts}\tinfo\ts\tm\t{}\tt\ts\n`)
const raw = (values: Buffer, settings: Record<string, number | string> = {}, table = 'oglogstream.logs') =>
  connection.chdb.rawInsert({ table, values, format: 'TabSeparated', columns: COLUMNS, settings })

test('bad data and wrong types are deterministic', async () => {
  const parse = await caught(() => raw(tsv('not a time')))
  assert.deepEqual(classifyInsertError(parse), { kind: 'deterministic', reason: 'invalid_value' }, parse.message)
  const type = await caught(() =>
    client.insert({ table: 'oglogstream.logs', values: [{ timestamp: '2026-01-01 00:00:00', level: 'info', service: 's', message: { nested: 1 }, attributes: 5 }], format: 'JSONEachRow' }),
  )
  assert.ok(engineCode(type) !== undefined, type.message)
  assert.equal(classifyInsertError(type).kind, 'deterministic', type.message)
})

test('too many partitions for one insert is deterministic (should a bound on them return); too many parts is retryable', async () => {
  const days = Buffer.concat([tsv('2025-01-01 00:00:00'), tsv('2025-01-02 00:00:00'), tsv('2025-01-03 00:00:00')])
  for (const err of [
    await caught(() => raw(days, { max_partitions_per_insert_block: 2 })),
    await caught(() => client.exec({ query: `INSERT INTO oglogstream.logs (${COLUMNS.join(', ')}) SETTINGS max_partitions_per_insert_block = 2 FORMAT TabSeparated\n${days.toString()}` })),
  ]) {
    assert.match(err.message, /too many partitions/i)
    assert.deepEqual(classifyInsertError(err), { kind: 'deterministic', reason: 'too_many_partitions' }, err.message)
  }
  // A table that refuses a second active part in a partition while merges are stopped.
  await client.command({ query: 'CREATE TABLE oglogstream.few_parts AS oglogstream.logs ENGINE = MergeTree PARTITION BY toDate(timestamp) ORDER BY timestamp SETTINGS parts_to_throw_insert = 1, parts_to_delay_insert = 1' })
  await client.command({ query: 'SYSTEM STOP MERGES oglogstream.few_parts' })
  await raw(tsv('2025-01-01 00:00:00'), {}, 'oglogstream.few_parts')
  const parts = await caught(() => raw(tsv('2025-01-01 00:00:01'), {}, 'oglogstream.few_parts'))
  assert.equal(engineCode(parts), 252, parts.message)
  assert.equal(classifyInsertError(parts).kind, 'retryable', parts.message)
})

test('memory limits and timeouts are retryable', async () => {
  const memory = await caught(() => raw(tsv('2025-01-01 00:00:00'), { max_memory_usage: 1 }))
  assert.equal(engineCode(memory), 241, memory.message)
  assert.equal(classifyInsertError(memory).kind, 'retryable', memory.message)
  const timeout = await caught(() => client.query({ query: 'SELECT count() FROM numbers(100000000000)', clickhouse_settings: { max_execution_time: 0.05, timeout_overflow_mode: 'throw' } }))
  assert.equal(engineCode(timeout), 159, timeout.message)
  assert.equal(classifyInsertError(timeout).kind, 'retryable', timeout.message)
})

test('a store that is not there is retryable: a missing table, a refused connection, a closed engine', async () => {
  const table = await caught(() => raw(tsv('2025-01-01 00:00:00'), {}, 'oglogstream.gone'))
  assert.equal(classifyInsertError(table).kind, 'retryable', table.message)
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
  const http = createClient({ url: `http://127.0.0.1:${port}`, request_timeout: 2_000 })
  const refused = await caught(() => http.insert({ table: 'logs', values: [{ a: 1 }], format: 'JSONEachRow' }))
  await http.close()
  assert.equal(classifyInsertError(refused).kind, 'retryable', `${refused.message} ${String((refused as { code?: string }).code)}`)
  const closed = createChdbConnection({ path: dir })
  await closed.close()
  const gone = await caught(() => closed.insert({ query: 'INSERT INTO oglogstream.logs FORMAT TabSeparated', values: tsv('2025-01-01 00:00:00').toString() } as never))
  assert.equal(classifyInsertError(gone).kind, 'retryable', gone.message)
})

test('a body over the limits of a string is deterministic: too large', async () => {
  const size = await caught(async () => 'x'.repeat(2 ** 30))
  assert.ok(size instanceof RangeError)
  assert.deepEqual(classifyInsertError(size), { kind: 'deterministic', reason: 'too_large' })
})

test('an engine error the table does not list, about the insert and not the store, is deterministic: store_refused', async () => {
  // A column the table does not have: the engine answered, and the same insert will fail again.
  const err = await caught(() => connection.chdb.rawInsert({ table: 'oglogstream.logs', values: Buffer.from('1\n'), format: 'TabSeparated', columns: ['no_such_column'] }))
  const code = engineCode(err)
  assert.ok(code !== undefined, err.message)
  assert.deepEqual(classifyInsertError(err), { kind: 'deterministic', reason: 'store_refused' }, `${code}: ${err.message}`)
})
