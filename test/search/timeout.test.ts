// QUERY_TIMEOUT is enforced by the engine and answered with a clear 504 LOG_ERR_QUERY_TIMEOUT.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type App } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import type { Store } from '../../server/src/store/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'ogls-search-timeout-'))
let app: App
before(async () => {
  app = await createApp(
    loadConfig('all', { DATA_DIR: dir, QUERY_TIMEOUT: '20ms', LOG_LEVEL: 'silent', WEB_DIR: join(dir, 'no-dashboard') }),
  )
  // Enough rows that a phrase search over all of them takes well over 20 ms on any machine.
  await (app.store as Store).sql(
    `INSERT INTO oglogstream.logs (timestamp, level, service, message)
     SELECT toDateTime64('2026-01-01 00:00:00', 9, 'UTC') + toIntervalMillisecond(number), 'info', 'load',
            concat('request ', toString(number), ' served from cache node ', toString(number % 97))
     FROM numbers(3000000)`,
  )
})
after(async () => {
  await app.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('a query longer than QUERY_TIMEOUT is stopped and answered 504 with a code', async () => {
  const r = await app.server.inject({ method: 'GET', url: `/api/stats?q=${encodeURIComponent('"cache node 5"')}` })
  assert.equal(r.statusCode, 504, r.body)
  const body = JSON.parse(r.body)
  assert.equal(body.code, 'LOG_ERR_QUERY_TIMEOUT')
  assert.match(body.error, /longer than 20 ms; narrow the time range or the filters/)
})

test('a pipeline (issue 14) is stopped at QUERY_TIMEOUT as well: 504, not a crash', async () => {
  const q = '| extract "node <n>" | stats count_uniq(n) as u, quantile(0.9, n) by (n)'
  const r = await app.server.inject({ method: 'GET', url: `/api/query?q=${encodeURIComponent(q)}` })
  assert.equal(r.statusCode, 504, r.body)
  assert.equal(JSON.parse(r.body).code, 'LOG_ERR_QUERY_TIMEOUT')
})
