// GET /loki/api/v1/patterns (Loki's pattern endpoint, Grafana's Logs Drilldown "Patterns"), against a
// real server: the templates the miner gave the entries a stream selector matches, most frequent first,
// variable parts as `<_>`, and counts per step as [seconds, count] that add up to the entries sent.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

const MIN = 60_000
/** A whole hour, two hours ago: entries each minute of its first 30 minutes. */
const START = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000
const entries = [
  ...Array.from({ length: 30 }, (_, i) => ({ service: 'api', message: `GET /items/${i} answered 200 in ${i + 3} ms`, t: START + i * MIN })),
  ...Array.from({ length: 10 }, (_, i) => ({ service: 'api', message: `cache warmed with ${i * 10} keys`, t: START + i * 3 * MIN + 1000 })),
  ...Array.from({ length: 5 }, (_, i) => ({ service: 'db', message: `vacuum of table t${i}x took ${i} s`, t: START + i * MIN })),
].map((e) => ({ level: 'info', service: e.service, message: e.message, timestamp: new Date(e.t).toISOString() }))

let srv: RunningServer
const sec = (ms: number) => String(Math.floor(ms / 1000))

before(async () => {
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0' } })
  assert.equal((await postJson(`${srv.url}/logs`, entries)).status, 202)
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === entries.length, 20_000)
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

interface Pattern {
  pattern: string
  samples: [number, number][]
}

test('patterns of a stream selector: Loki shape, <_> for variables, samples per step adding up', async () => {
  const q = encodeURIComponent('{service_name="api"}')
  const r = await getJson(`${srv.url}/loki/api/v1/patterns?query=${q}&start=${sec(START)}&end=${sec(START + 3_600_000)}&step=10m`)
  assert.equal(r.status, 200)
  assert.equal(r.body.status, 'success')
  const data = r.body.data as Pattern[]
  assert.deepEqual(
    data.map((p) => p.pattern),
    ['GET <_> answered <_> in <_>', 'cache warmed with <_> keys'],
    'most frequent first; the other service left out',
  )
  const [get, cache] = data as [Pattern, Pattern]
  // 10-minute steps from the hour: 10 requests in each of the first three.
  assert.deepEqual(get.samples, [0, 1, 2].map((k) => [(START + k * 10 * MIN) / 1000, 10]))
  assert.equal(cache.samples.reduce((a, [, c]) => a + c, 0), 10)
  for (const [t] of [...get.samples, ...cache.samples]) assert.ok(Number.isInteger(t) && t % 600 === 0, `seconds on the step: ${t}`)

  // A pipeline narrows the entries counted; no selector: every service.
  const filtered = (await getJson(`${srv.url}/loki/api/v1/patterns?query=${encodeURIComponent('{service_name="api"} |= "warmed"')}&start=${sec(START)}&end=${sec(START + 3_600_000)}&step=3600`)).body
  assert.deepEqual(filtered.data, [{ pattern: 'cache warmed with <_> keys', samples: [[START / 1000, 10]] }])
  const everything = (await getJson(`${srv.url}/loki/api/v1/patterns?start=${sec(START)}&end=${sec(START + 3_600_000)}&step=1h`)).body.data as Pattern[]
  assert.equal(everything.length, 3)
  // Outside the range: nothing.
  const before = (await getJson(`${srv.url}/loki/api/v1/patterns?query=${q}&start=${sec(START - 7_200_000)}&end=${sec(START - 1000)}`)).body
  assert.deepEqual(before, { status: 'success', data: [] })
})

test('a metric query is not a selector: 400 as Loki answers, plain text', async () => {
  const res = await fetch(`${srv.url}/loki/api/v1/patterns?query=${encodeURIComponent('count_over_time({service_name="api"}[5m])')}`)
  assert.equal(res.status, 400)
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/)
  assert.match(await res.text(), /stream selector/)
})
