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
