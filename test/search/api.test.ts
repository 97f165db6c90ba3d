// The query API with q: 400s that point at the problem, every endpoint honouring q, cursor paging
// while entries arrive, histogram buckets from the range, and injection through every parameter.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type App } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import type { Entry } from '../../server/src/model/index.ts'
import { matchesSearch } from '../../server/src/query/search/index.ts'
import type { Store } from '../../server/src/store/index.ts'
import { LOGHUB } from '../helpers/server.ts'
import { word } from './reference.ts'

const BASE = Date.UTC(2026, 2, 1)
const DAY = 86_400_000
const ts = (ms: number) => new Date(ms).toISOString().replace('Z', '000000Z')
const entries: Entry[] = []
for (const system of ['OpenSSH', 'HDFS']) {
  const lines = readFileSync(join(LOGHUB, `${system}_2k.log`), 'utf8').split('\n').filter(Boolean)
  for (const message of lines) {
    const i = entries.length
    entries.push({
      // Spread over 24 h, with runs of equal timestamps so that paging has ties to break.
      timestamp: ts(BASE + Math.floor(i / 7) * 7 * (DAY / 4000)),
      level: /\b(ERROR|error|Failed)\b/.test(message) ? 'error' : i % 10 === 0 ? 'warn' : 'info',
      service: system,
      message,
      attributes: { host: `h${i % 3}` },
      trace_id: '',
      span_id: '',
    })
  }
}
const N = entries.length

const dir = mkdtempSync(join(tmpdir(), 'ogls-search-api-'))
let app: App
let store: Store
before(async () => {
  app = await createApp(loadConfig('all', { DATA_DIR: dir, RATE_LIMIT_MAX: '0', LOG_LEVEL: 'silent', WEB_DIR: join(dir, 'no-dashboard') }))
  store = app.store as Store
  await store.insert(entries, 'api-base')
})
after(async () => {
  await app.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function get(url: string) {
  const r = await app.server.inject({ method: 'GET', url })
  let body: any = r.body
  try {
    body = JSON.parse(r.body)
  } catch {
    /* NDJSON or CSV */
  }
  return { status: r.statusCode, body, headers: r.headers }
}
const enc = encodeURIComponent

describe('q errors are 400 LOG_ERR_BAD_QUERY with the position and the problem', () => {
  for (const [q, position, problem] of [
    ['"unterminated phrase', 0, /unterminated quote/],
    ['sshd -', 5, /'-' must be followed/],
    ['sshd level:verbose', 11, /'verbose' is not a level/],
    ['error host:', 11, /field 'host' has no value/],
    ['"a b"c', 5, /space after the closing quote/],
    ['sshd ---', 5, /no letters or digits; quote it/],
    ['ab"cd', 2, /unexpected quote/],
    ['""', 0, /empty phrase/],
  ] as const) {
    test(q, async () => {
      const r = await get(`/api/logs?q=${enc(q)}`)
      assert.equal(r.status, 400)
      assert.equal(r.body.code, 'LOG_ERR_BAD_QUERY')
      assert.match(r.body.error, problem)
      assert.match(r.body.error, new RegExp(`at position ${position}$`))
    })
  }
})

describe('every endpoint honours q and the filters', () => {
  const q = 'Failed password -"invalid user" service:OpenSSH'
  const match = matchesSearch(q)
  const expected = entries.filter((e) => match(e) && e.level === 'error')
  const filters = `q=${enc(q)}&level=error&from=${BASE}&to=${BASE + DAY}`

  test('the expectation is independent of the matcher and not trivial', () => {
    const independent = entries.filter(
      (e) =>
        e.service === 'OpenSSH' &&
        e.level === 'error' &&
        word(e.message, 'failed') &&
        word(e.message, 'password') &&
        !/invalid user/i.test(e.message),
    )
    assert.equal(expected.length, independent.length)
    assert.ok(expected.length > 100 && expected.length < N / 2)
  })

  test('stats', async () => {
    const r = await get(`/api/stats?${filters}`)
    assert.deepEqual(r.body, {
      total_logs: expected.length,
      logs_by_level: { error: expected.length },
      logs_by_service: { OpenSSH: expected.length },
    })
  })

  test('histogram: 24 h gives 30 min buckets, adding up to the stats', async () => {
    const r = await get(`/api/histogram?${filters}`)
    assert.equal(r.status, 200)
    assert.equal(r.body.interval_ms, 1_800_000)
    assert.ok(r.body.buckets.length > 1 && r.body.buckets.length <= 48)
    assert.equal(
      r.body.buckets.reduce((s: number, b: { total: number }) => s + b.total, 0),
      expected.length,
    )
    const h = await get(`/api/histogram?from=${BASE}&to=${BASE + 3_600_000}`)
    assert.equal(h.body.interval_ms, 60_000) // 1 h gives 60 buckets of 1 min
  })

  test('services', async () => {
    const r = await get(`/api/services?q=${enc('blk')}`)
    const blk = entries.filter((e) => word(e.message, 'blk'))
    assert.deepEqual(
      r.body.map((s: { service: string; count: number }) => [s.service, s.count]),
      [['HDFS', blk.length]],
    )
  })

  test('logs and export (NDJSON and CSV)', async () => {
    const logs = await get(`/api/logs?${filters}&limit=1000`)
    assert.equal(logs.body.length, expected.length)
    const nd = await get(`/api/export?${filters}&format=ndjson`)
    assert.equal(nd.status, 200)
    assert.equal(String(nd.body).trim().split('\n').length, expected.length)
    const csv = await get(`/api/export?${filters}&format=csv`)
    assert.equal(String(csv.body).trim().split('\n').length, expected.length + 1)
  })
})

test('cursor paging with q stays exact while newer and tied entries arrive between pages', async () => {
  const q = 'blk'
  const want = entries
    .filter((e) => word(e.message, 'blk'))
    .sort((a, b) => (a.timestamp < b.timestamp ? 1 : -1))
    .map((e) => e.message)
  const seen: string[] = []
  let cursor: string | undefined
  let pages = 0
  do {
    const r = await get(`/api/logs?q=${q}&limit=97${cursor ? `&cursor=${cursor}` : ''}`)
    assert.equal(r.status, 200)
    seen.push(...r.body.map((e: Entry) => e.message))
    cursor = r.headers['x-next-cursor'] as string | undefined
    // Newer matching entries arrive after every page; they must not shift the pages that follow.
    await store.insert(
      [
        {
          timestamp: ts(BASE + 2 * DAY + pages),
          level: 'info',
          service: 'late',
          message: `late blk ${pages}`,
          attributes: {},
          trace_id: '',
          span_id: '',
        },
      ],
      `late-${pages}`,
    )
    pages++
  } while (cursor)
  assert.ok(pages > 10)
  assert.equal(seen.length, want.length, 'no gap and no duplicate')
  assert.equal(new Set(seen).size, new Set(want).size)
  assert.deepEqual([...seen].sort(), [...want].sort())
})

test('newest-first pages are the true newest, whichever time window finds them', async () => {
  const to = BASE + DAY
  for (const [qs, filter] of [
    ['limit=100', () => true], // found in the last hour
    ['limit=1000', () => true], // needs the last 8 hours
    ['limit=1000&offset=2500', () => true], // needs everything
    [
      `q=blk&limit=50&to=${BASE + DAY / 2}`,
      (e: Entry) => word(e.message, 'blk') && Date.parse(e.timestamp.slice(0, 23) + 'Z') < BASE + DAY / 2,
    ],
    ['q=blk_-8775602795571523802&limit=10', (e: Entry) => e.message.includes('blk_-8775602795571523802')], // rare: every window falls short
    ['level=error&limit=300', (e: Entry) => e.level === 'error'],
  ] as const) {
    const withTo = qs.includes('to=') ? qs : `${qs}&to=${to}`
    const limit = Number(/limit=(\d+)/.exec(qs)?.[1])
    const offset = Number(/offset=(\d+)/.exec(qs)?.[1] ?? 0)
    const want = entries
      .filter((e) => filter(e))
      .map((e) => e.timestamp.replace(/000000Z$/, 'Z'))
      .sort()
      .reverse()
      .slice(offset, offset + limit)
    const r = await get(`/api/logs?${withTo}`)
    assert.equal(r.status, 200)
    assert.deepEqual(
      r.body.map((e: Entry) => e.timestamp),
      want,
      qs,
    )
  }
})

describe('guards', () => {
  test('result size: limit, offset and histogram buckets are bounded', async () => {
    assert.equal((await get('/api/logs?limit=1001')).status, 400)
    assert.equal((await get('/api/logs?offset=100001')).status, 400)
    const h = await get(`/api/histogram?from=${BASE}&to=${BASE + 30 * DAY}&interval=1s`)
    assert.equal(h.status, 400)
    assert.match(h.body.error, /at most 10000/)
    assert.equal((await get(`/api/logs?q=${enc(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))}`)).status, 400)
  })

  test('injection through every parameter is inert', async () => {
    const payloads = [
      "' OR 1=1 --",
      "x'); DROP TABLE oglogstream.logs; --",
      '{p0:String}',
      "\\' OR ''='",
      '1 UNION SELECT 1',
      '0x1f',
      '"',
      '`',
      '\u0000',
    ]
    const params = ['level', 'service', 'q', 'from', 'to', 'cursor', 'interval', 'format', 'limit', 'offset', 'order']
    for (const endpoint of ['/api/logs', '/api/stats', '/api/histogram', '/api/services', '/api/export']) {
      for (const name of params) {
        for (const p of payloads) {
          const r = await get(`${endpoint}?${name}=${enc(p)}`)
          assert.ok(r.status === 200 || r.status === 400, `${endpoint} ${name}=${p} -> ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
          if (r.status === 200 && endpoint === '/api/logs' && name === 'service') assert.equal(r.body.length, 0)
          if (r.status === 200 && endpoint === '/api/logs' && name === 'q') {
            const m = matchesSearch(p)
            assert.ok(r.body.every((e: Entry) => m(e)))
          }
        }
      }
    }
    const total = await store.sql<{ c: string }>("SELECT count() AS c FROM oglogstream.logs WHERE service IN ('OpenSSH', 'HDFS')")
    assert.equal(Number(total[0]?.c), N)
  })
})
