// What is posted is what the query API returns: fields, filters, paging, cursor, stats, export, metrics, health.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

let srv: RunningServer
const BASE = Date.parse('2026-03-01T00:00:00Z')
const LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const
const SERVICES = ['api', 'worker', 'billing']
const N = 300

// Deterministic data: entry i at BASE + i seconds.
const entries = Array.from({ length: N }, (_, i) => ({
  level: LEVELS[i % 5] as string,
  service: SERVICES[i % 3] as string,
  message: `entry number ${i} for ${SERVICES[i % 3]}`,
  timestamp: new Date(BASE + i * 1000).toISOString(),
  attributes: { i, even: i % 2 === 0, host: `h${i % 4}` },
}))

before(async () => {
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0' } })
  const r = await postJson(`${srv.url}/logs`, entries)
  assert.equal(r.status, 202)
  // exact-precision entries
  await postJson(`${srv.url}/log`, { level: 'WARN', service: 'precise', message: 'nanos', timestamp: '2026-03-02T10:11:12.123456789+02:00', trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736', span_id: '00f067aa0ba902b7', attributes: { user: 'alice', n: 1.5 } })
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === N + 1).catch(async (err) => {
    throw new Error(`${err}: ${JSON.stringify((await getJson(`${srv.url}/api/stats`)).body)}\n${srv.output()}`)
  })
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

describe('GET /api/logs', () => {
  test('returns what was posted: level lower-cased, nanoseconds kept, attributes and ids intact', async () => {
    const r = await getJson(`${srv.url}/api/logs?service=precise`)
    assert.equal(r.status, 200)
    // The stable id given at ingest (a UUID), then the entry as posted.
    assert.match(r.body[0]?.id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    // Every stored entry carries the id of its template (patterns/).
    assert.match(r.body[0]?.pattern_id ?? '', /^[0-9a-f]{16}$/)
    delete r.body[0].pattern_id
    assert.deepEqual(r.body, [
      {
        id: r.body[0].id,
        timestamp: '2026-03-02T08:11:12.123456789Z',
        level: 'warn',
        service: 'precise',
        message: 'nanos',
        attributes: { user: 'alice', n: '1.5' },
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        span_id: '00f067aa0ba902b7',
      },
    ])
  })

  test('newest first, default limit 100, attributes as strings', async () => {
    const r = await getJson(`${srv.url}/api/logs?service=api,worker,billing`)
    assert.equal(r.body.length, 100)
    assert.equal(r.body[0].message, `entry number ${N - 1} for ${SERVICES[(N - 1) % 3]}`)
    assert.equal(r.body[0].timestamp, new Date(BASE + (N - 1) * 1000).toISOString())
    const times = r.body.map((e: { timestamp: string }) => Date.parse(e.timestamp))
    assert.deepEqual(times, [...times].sort((a, b) => b - a))
    assert.deepEqual(r.body[0].attributes, { i: String(N - 1), even: String((N - 1) % 2 === 0), host: `h${(N - 1) % 4}` })
  })

  test('level and service lists filter exactly', async () => {
    const r = await getJson(`${srv.url}/api/logs?level=error,FATAL&service=api&limit=1000`)
    const expected = entries.filter((e) => (e.level === 'error' || e.level === 'fatal') && e.service === 'api')
    assert.equal(r.body.length, expected.length)
    assert.ok(r.body.every((e: { level: string; service: string }) => ['error', 'fatal'].includes(e.level) && e.service === 'api'))
  })

  test('from/to: RFC 3339 and epoch milliseconds, from inclusive, to exclusive', async () => {
    const from = new Date(BASE + 10_000).toISOString()
    const r = await getJson(`${srv.url}/api/logs?from=${from}&to=${BASE + 20_000}&order=asc`)
    assert.deepEqual(r.body.map((e: { message: string }) => e.message.split(' ')[2]), ['10', '11', '12', '13', '14', '15', '16', '17', '18', '19'])
  })

  test('relative times', async () => {
    const r = await getJson(`${srv.url}/api/logs?from=now-1h`)
    assert.equal(r.status, 200)
    assert.equal(r.body.length, 0) // all entries are from March 2026
    const all = await getJson(`${srv.url}/api/logs?from=now-3650d&limit=1`)
    assert.equal(all.body.length, 1)
  })

  test('limit/offset paging covers everything once', async () => {
    const seen: string[] = []
    for (let offset = 0; offset < N + 1; offset += 64) {
      const r = await getJson(`${srv.url}/api/logs?limit=64&offset=${offset}`)
      seen.push(...r.body.map((e: { message: string }) => e.message))
    }
    assert.equal(seen.length, N + 1)
    assert.equal(new Set(seen).size, N + 1)
  })

  test('cursor paging with X-Next-Cursor covers everything once, also while entries arrive', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const r = await getJson(`${srv.url}/api/logs?limit=50${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...r.body.map((e: { message: string }) => e.message))
      cursor = r.headers.get('x-next-cursor')
      // newer entries arriving during paging must not shift the pages
      await postJson(`${srv.url}/log`, { level: 'info', service: 'late', message: `late ${pages}`, timestamp: new Date(BASE + 10_000_000).toISOString() })
      pages++
    } while (cursor)
    // The late entries are newer than the first page, so they never shift the later pages.
    assert.equal(seen.length, N + 1)
    assert.equal(new Set(seen).size, N + 1)
    assert.ok(pages >= 7)
  })

  test('bad parameters are 400 naming the parameter', async () => {
    for (const [qs, name] of [
      ['limit=1001', 'limit'],
      ['limit=abc', 'limit'],
      ['level=verbose', 'level'],
      ['from=yesterday', 'from'],
      ['order=sideways', 'order'],
      ['cursor=zzz', 'cursor'],
    ] as const) {
      const r = await getJson(`${srv.url}/api/logs?${qs}`)
      assert.equal(r.status, 400, qs)
      assert.equal(r.body.status, 'error')
      assert.match(r.body.error, new RegExp(`'${name}'`), qs)
    }
  })

  test('injection through parameters is inert', async () => {
    for (const qs of ["service=x'%20OR%201=1%20--", 'service=%7Bp0:String%7D', "level=info'", 'q=%27%29%3B%20DROP%20TABLE%20logs%3B%20--']) {
      const r = await getJson(`${srv.url}/api/logs?${qs}`)
      assert.ok(r.status === 200 || r.status === 400, `${qs} -> ${r.status}`)
      if (r.status === 200) assert.equal(r.body.length, 0, qs)
    }
    assert.equal((await getJson(`${srv.url}/api/stats`)).body.total_logs >= N + 1, true)
  })
})

describe('GET /api/stats', () => {
  test('seed shape with exact counts', async () => {
    const r = await getJson(`${srv.url}/api/stats?service=api,worker,billing`)
    const byLevel: Record<string, number> = {}
    const byService: Record<string, number> = {}
    for (const e of entries) {
      byLevel[e.level] = (byLevel[e.level] ?? 0) + 1
      byService[e.service] = (byService[e.service] ?? 0) + 1
    }
    assert.deepEqual(r.body, { total_logs: N, logs_by_level: byLevel, logs_by_service: byService })
  })

  test('accepts the same filters and time range', async () => {
    const r = await getJson(`${srv.url}/api/stats?level=error&from=${BASE}&to=${BASE + 50_000}`)
    assert.deepEqual(r.body, { total_logs: 10, logs_by_level: { error: 10 }, logs_by_service: { api: 4, worker: 3, billing: 3 } })
  })
})

describe('histogram and services', () => {
  test('histogram buckets add up to the stats', async () => {
    const r = await getJson(`${srv.url}/api/histogram?service=api,worker,billing&from=${BASE}&to=${BASE + N * 1000}&interval=1m`)
    assert.equal(r.status, 200)
    assert.equal(r.body.interval_ms, 60_000)
    assert.equal(r.body.buckets.length, 5)
    assert.equal(r.body.buckets.reduce((s: number, b: { total: number }) => s + b.total, 0), N)
    assert.deepEqual(r.body.buckets[0].counts, { debug: 12, info: 12, warn: 12, error: 12, fatal: 12 })
  })

  test('services with counts and last seen', async () => {
    const r = await getJson(`${srv.url}/api/services?from=${BASE}&to=${BASE + N * 1000}`)
    assert.deepEqual(
      r.body.map((s: { service: string; count: number }) => [s.service, s.count]).sort(),
      [['api', 100], ['billing', 100], ['worker', 100]],
    )
    const api = r.body.find((s: { service: string }) => s.service === 'api')
    assert.equal(api.last_seen, new Date(BASE + 297_000).toISOString())
  })
})

describe('GET /api/export', () => {
  test('NDJSON streams every matching entry', async () => {
    const res = await fetch(`${srv.url}/api/export?service=api,worker,billing&format=ndjson`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /ndjson/)
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    assert.equal(lines.length, N)
    assert.equal(new Set(lines.map((l) => l.message)).size, N)
  })

  test('CSV with a header and quoted fields', async () => {
    await postJson(`${srv.url}/log`, { level: 'info', service: 'csv', message: 'has, comma and "quotes"\nand a newline', timestamp: '2026-03-03T00:00:00Z' })
    await waitFor(async () => (await getJson(`${srv.url}/api/logs?service=csv`)).body.length === 1)
    const text = await (await fetch(`${srv.url}/api/export?service=csv&format=csv`)).text()
    const [entry] = (await getJson(`${srv.url}/api/logs?service=csv`)).body
    assert.equal(text, `timestamp,level,service,message,trace_id,span_id,attributes,pattern_id\n2026-03-03T00:00:00.000Z,info,csv,"has, comma and ""quotes""\nand a newline",,,,${entry.pattern_id}\n`)
  })
})

test('GET /health and GET /metrics', async () => {
  const h = await getJson(`${srv.url}/health`)
  assert.equal(h.status, 200)
  assert.equal(h.body.status, 'ok')
  assert.equal(h.body.service, 'oglogstream')
  assert.equal(h.body.nats_status, 'EMBEDDED')
  assert.ok(!Number.isNaN(Date.parse(h.body.timestamp)))
  await postJson(`${srv.url}/log`, { level: 'bad', service: 'm', message: 'x' })
  const m = await (await fetch(`${srv.url}/metrics`)).text()
  assert.match(m, /oglogstream_http_requests_total\{route="\/log",method="POST",status="202"\} \d+/)
  assert.match(m, /oglogstream_entries_accepted_total\{protocol="json"\} \d+/)
  assert.match(m, /oglogstream_entries_rejected_total\{protocol="json",reason="invalid_level"\} 1/)
  assert.match(m, /oglogstream_batch_size_entries_count \d+/)
  assert.match(m, /oglogstream_insert_duration_seconds_bucket/)
  assert.match(m, /oglogstream_queue_depth_entries \d+/)
  assert.match(m, /oglogstream_live_clients 0/)
})
