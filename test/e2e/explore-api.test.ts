// The endpoints behind Explore's field list (issue 19): GET /api/field_summary over the real engine.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

let srv: RunningServer
const BASE = Date.parse('2026-03-01T00:00:00Z')
const N = 200
// Entry i at BASE + i s: region eu for 3 in 4, us for the rest; status on the even ones; user unique.
const entries = Array.from({ length: N }, (_, i) => ({
  level: i % 10 === 0 ? 'error' : 'info',
  service: 'api',
  message: `request ${i}`,
  timestamp: new Date(BASE + i * 1000).toISOString(),
  attributes: { region: i % 4 === 3 ? 'us' : 'eu', user: `u${i}`, ...(i % 2 === 0 ? { status: i % 20 === 0 ? '500' : '200' } : {}) },
}))
const RANGE = `from=${new Date(BASE).toISOString()}&to=${new Date(BASE + N * 1000).toISOString()}`

before(async () => {
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0' } })
  assert.equal((await postJson(`${srv.url}/logs`, entries)).status, 202)
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === N, 20_000)
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

describe('GET /api/field_summary', () => {
  test('every attribute of the matching entries with its hits, distinct values and top values', async () => {
    const r = await getJson(`${srv.url}/api/field_summary?${RANGE}`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body.sampled, N)
    assert.deepEqual(
      r.body.fields.map((f: { name: string; hits: number; distinct: number }) => [f.name, f.hits, f.distinct]),
      [
        ['region', N, 2],
        ['user', N, N],
        ['status', N / 2, 2],
      ],
    )
    const region = r.body.fields[0]
    assert.deepEqual(region.values, [
      { value: 'eu', hits: 150 },
      { value: 'us', hits: 50 },
    ])
    assert.equal(r.body.fields[1].values.length, 5, 'at most `values` values per field')
    assert.deepEqual(r.body.fields[2].values, [
      { value: '200', hits: 90 },
      { value: '500', hits: 10 },
    ])
  })

  test('follows the filter (q, level) and examines only the newest `sample` entries', async () => {
    const r = await getJson(`${srv.url}/api/field_summary?${RANGE}&level=error&q=${encodeURIComponent('region:eu')}`)
    assert.equal(r.status, 200)
    assert.equal(r.body.sampled, 20)
    // Errors are every 10th entry; half of them have status 500. Ties in order of the value.
    assert.deepEqual(r.body.fields.find((f: { name: string }) => f.name === 'status').values, [
      { value: '200', hits: 10 },
      { value: '500', hits: 10 },
    ])
    const s = await getJson(`${srv.url}/api/field_summary?${RANGE}&sample=8&fields=1&values=10`)
    assert.equal(s.body.sampled, 8)
    // The newest 8 are entries 192..199: regions eu eu eu us eu eu eu us.
    assert.deepEqual(s.body.fields, [
      {
        name: 'region',
        hits: 8,
        distinct: 2,
        values: [
          { value: 'eu', hits: 6 },
          { value: 'us', hits: 2 },
        ],
      },
    ])
    const none = await getJson(`${srv.url}/api/field_summary?${RANGE}&q=nomatchanywhere`)
    assert.deepEqual(none.body, { sampled: 0, fields: [] })
  })

  test('bounds are enforced with a 400 naming the parameter', async () => {
    for (const [qs, name] of [
      ['sample=0', 'sample'],
      ['sample=100001', 'sample'],
      ['fields=501', 'fields'],
      ['values=51', 'values'],
      ['q=%22unclosed', 'q'],
    ] as const) {
      const r = await getJson(`${srv.url}/api/field_summary?${qs}`)
      assert.equal(r.status, 400, qs)
      assert.match(JSON.stringify(r.body), new RegExp(name), qs)
    }
  })
})

describe('entry ids: GET /api/logs/{id} and GET /api/context', () => {
  const T0 = Date.parse('2026-04-01T00:00:00Z')
  // Two services interleaved, a second apart; three identical entries of `ctx-a` share one timestamp.
  const ctxEntries = [
    ...Array.from({ length: 20 }, (_, i) => ({
      level: 'info',
      service: i % 2 ? 'ctx-b' : 'ctx-a',
      message: `step ${i}`,
      timestamp: new Date(T0 + i * 1000).toISOString(),
    })),
    ...Array.from({ length: 3 }, () => ({ level: 'warn', service: 'ctx-a', message: 'same', timestamp: new Date(T0 + 30_000).toISOString() })),
  ]
  const CTX_RANGE = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 60_000).toISOString()}`
  let listed: { id: string; message: string; service: string; timestamp: string }[] = []

  before(async () => {
    assert.equal((await postJson(`${srv.url}/logs`, ctxEntries)).status, 202)
    await waitFor(async () => {
      const r = await getJson(`${srv.url}/api/logs?${CTX_RANGE}&order=asc&limit=100`)
      if (r.body.length !== ctxEntries.length) return false
      listed = r.body
      return true
    }, 20_000)
  })

  test('every entry has a unique UUID, returned by /api/logs and found by GET /api/logs/{id}', async () => {
    const ids = listed.map((e) => e.id)
    assert.ok(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)), JSON.stringify(ids))
    assert.equal(new Set(ids).size, ids.length)
    // The identical entries are three, each with its own id, and each is found by it.
    const same = listed.filter((e) => e.message === 'same')
    assert.equal(same.length, 3)
    for (const e of same) {
      const r = await getJson(`${srv.url}/api/logs/${e.id.toUpperCase()}`)
      assert.equal(r.status, 200)
      assert.deepEqual(r.body, e)
    }
  })

  test('the cursor separates identical entries of the same timestamp: paging by 1 lists each once', async () => {
    const seen: string[] = []
    let cursor = ''
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${srv.url}/api/logs?${CTX_RANGE}&service=ctx-a&limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      const page = (await res.json()) as { id: string }[]
      seen.push(...page.map((e) => e.id))
      cursor = res.headers.get('x-next-cursor') ?? ''
      if (!cursor) break
    }
    const want = listed.filter((e) => e.service === 'ctx-a').map((e) => e.id)
    assert.equal(seen.length, want.length)
    assert.deepEqual([...seen].sort(), [...want].sort())
  })

  test('context: N entries of the same service before and after by time, oldest first', async () => {
    const anchor = listed.find((e) => e.message === 'step 10') as { id: string }
    const r = await getJson(`${srv.url}/api/context?id=${anchor.id}&before=3&after=2`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(r.body.entry.message, 'step 10')
    assert.deepEqual(
      r.body.before.map((e: { message: string }) => e.message),
      ['step 4', 'step 6', 'step 8'],
    )
    assert.deepEqual(
      r.body.after.map((e: { message: string }) => e.message),
      ['step 12', 'step 14'],
    )
    // Around one of three identical entries: the other two are on either side, never the entry itself.
    const same = listed.filter((e) => e.message === 'same')
    const mid = await getJson(`${srv.url}/api/context?id=${(same[1] as { id: string }).id}&before=50&after=50`)
    const around = [...mid.body.before, ...mid.body.after].map((e: { id: string }) => e.id)
    assert.ok(!around.includes((same[1] as { id: string }).id))
    assert.equal(around.filter((id) => same.some((s) => s.id === id)).length, 2)
    assert.equal(mid.body.before.length + mid.body.after.length, 12, 'all the other ctx-a entries')
    // The end of the service's history: fewer than asked.
    const first = listed.find((e) => e.message === 'step 0') as { id: string }
    const edge = await getJson(`${srv.url}/api/context?id=${first.id}&before=5&after=0`)
    assert.deepEqual(edge.body.before, [])
    assert.deepEqual(edge.body.after, [])
  })

  test('an unknown id is a 404 LOG_ERR_ENTRY_NOT_FOUND; a malformed one a 400 naming id', async () => {
    const missing = '00000000-0000-4000-8000-000000000000'
    for (const url of [`/api/logs/${missing}`, `/api/context?id=${missing}`]) {
      const r = await getJson(srv.url + url)
      assert.equal(r.status, 404, url)
      assert.equal(r.body.code, 'LOG_ERR_ENTRY_NOT_FOUND')
      assert.match(r.body.error, new RegExp(missing))
    }
    for (const url of ['/api/logs/not-an-id', '/api/context', '/api/context?id=x', `/api/context?id=${missing}&before=501`]) {
      const r = await getJson(srv.url + url)
      assert.equal(r.status, 400, url)
      assert.equal(r.body.code, 'LOG_ERR_BAD_PARAMETER')
    }
  })
})

describe('trace_id: and span_id: in q', () => {
  const T1 = Date.parse('2026-05-01T00:00:00Z')
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
  const traced = [
    { level: 'info', service: 'front', message: 'start', timestamp: new Date(T1).toISOString(), trace_id: TRACE.toUpperCase(), span_id: '00f067aa0ba902b7' },
    { level: 'info', service: 'back', message: 'work', timestamp: new Date(T1 + 1000).toISOString(), trace_id: TRACE, span_id: '1111111111111111' },
    { level: 'info', service: 'back', message: 'other', timestamp: new Date(T1 + 2000).toISOString(), trace_id: 'ffffffffffffffffffffffffffffffff', attributes: { trace_id: TRACE } },
  ]
  const R = `from=${new Date(T1).toISOString()}&to=${new Date(T1 + 60_000).toISOString()}`
  before(async () => {
    assert.equal((await postJson(`${srv.url}/logs`, traced)).status, 202)
    await waitFor(async () => (await getJson(`${srv.url}/api/logs?${R}`)).body.length === 3, 20_000)
  })
  const messages = async (q: string) => (await getJson(`${srv.url}/api/logs?${R}&order=asc&q=${encodeURIComponent(q)}`)).body.map((e: { message: string }) => e.message)

  test('every entry of a trace, across services, in any case; not an attribute of that name', async () => {
    assert.deepEqual(await messages(`trace_id:${TRACE}`), ['start', 'work'])
    assert.deepEqual(await messages(`trace_id:"${TRACE.toUpperCase()}"`), ['start', 'work'])
    assert.deepEqual(await messages(`span_id:1111111111111111`), ['work'])
    assert.deepEqual(await messages(`trace_id:${TRACE} -span_id:00f067aa0ba902b7`), ['work'])
    assert.deepEqual(await messages(`attr.trace_id:${TRACE}`), ['other'])
    const stats = await getJson(`${srv.url}/api/stats?${R}&q=trace_id:${TRACE}`)
    assert.equal(stats.body.total_logs, 2)
  })
})

describe('saved searches: GET, PUT, DELETE /api/saved-searches', () => {
  const put = (name: string, body: unknown) =>
    fetch(`${srv.url}/api/saved-searches/${encodeURIComponent(name)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  test('save by name, list in name order, save again replaces, delete; an unknown name is a 404', async () => {
    assert.deepEqual((await getJson(`${srv.url}/api/saved-searches`)).body, { searches: [] })
    const a = await put('Payment errors', { view: '?q=payment&level=error&range=24h' })
    assert.equal(a.status, 200)
    const saved = (await a.json()) as { name: string; view: string; updated: string }
    assert.equal(saved.view, 'q=payment&level=error&range=24h')
    assert.equal((await put('api 5xx', { view: 'q=status:>=500&service=api' })).status, 200)
    assert.equal((await put('Payment errors', { view: 'q=payment&level=error,fatal' })).status, 200)
    const list = (await getJson(`${srv.url}/api/saved-searches`)).body.searches as { name: string; view: string; updated: string }[]
    assert.deepEqual(
      list.map((s) => [s.name, s.view]),
      [
        ['api 5xx', 'q=status:>=500&service=api'],
        ['Payment errors', 'q=payment&level=error,fatal'],
      ],
    )
    assert.ok(list.every((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(s.updated)), JSON.stringify(list))
    const del = await fetch(`${srv.url}/api/saved-searches/api%205xx`, { method: 'DELETE' })
    assert.equal(del.status, 204)
    assert.deepEqual(
      ((await getJson(`${srv.url}/api/saved-searches`)).body.searches as { name: string }[]).map((s) => s.name),
      ['Payment errors'],
    )
    const again = await fetch(`${srv.url}/api/saved-searches/api%205xx`, { method: 'DELETE' })
    assert.equal(again.status, 404)
    assert.equal(((await again.json()) as { code: string }).code, 'LOG_ERR_SAVED_SEARCH_NOT_FOUND')
  })

  test('a missing view or a blank name is a 400 naming it', async () => {
    const r1 = await put('x', {})
    assert.equal(r1.status, 400)
    assert.match(await r1.text(), /view/)
    const r2 = await put('  ', { view: 'q=a' })
    assert.equal(r2.status, 400)
    assert.match(await r2.text(), /name/)
  })
})
