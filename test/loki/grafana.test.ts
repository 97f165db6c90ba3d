// The requests Grafana's Loki data source makes (health check, label browser, log query with
// X-Query-Tags, log volume, live tail), replayed against a real server: entries go in through the Loki
// push API, answers are checked against Loki's documented shapes, and metric values against counts
// computed here from the entries pushed.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

const MIN = 60_000_000_000n
const NOW = BigInt(Date.now()) * 1_000_000n
/** Entries over the 40 minutes before a whole minute, 20 minutes ago. */
const END = (NOW / MIN) * MIN - 20n * MIN
const START = END - 40n * MIN
const SERVICES = ['api', 'web']
const LEVELS = ['info', 'warn', 'error']

interface Pushed {
  ns: bigint
  service: string
  level: string
  host: string
  line: string
}
const pushed: Pushed[] = []
for (let i = 0; i < 240; i++) {
  const ns = START + BigInt(i) * 10_000_000_000n + 1_000_000n
  const service = SERVICES[i % 2] as string
  const level = LEVELS[i % 3] as string
  const host = `h${i % 4}`
  const line = i % 5 === 0 ? `request timeout after ${i}ms status=504 took=${i}ms` : JSON.stringify({ msg: 'done', status: 200 + (i % 7), took: `${i}ms` })
  pushed.push({ ns, service, level, host, line })
}

let srv: RunningServer
const ns = (n: bigint) => n.toString()

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${srv.url}${path}`, { headers })
  const text = await res.text()
  let body: any = text
  try {
    body = JSON.parse(text)
  } catch {
    /* plain text, as Loki's errors */
  }
  return { status: res.status, body, type: res.headers.get('content-type') ?? '' }
}
const qs = (o: Record<string, string | bigint | number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&')

before(async () => {
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0' } })
  const streams = new Map<string, { stream: Record<string, string>; values: [string, string, Record<string, string>][] }>()
  for (const p of pushed) {
    const k = `${p.service}/${p.level}`
    if (!streams.has(k)) streams.set(k, { stream: { service_name: p.service, level: p.level }, values: [] })
    streams.get(k)?.values.push([ns(p.ns), p.line, { host: p.host }])
  }
  const r = await postJson(`${srv.url}/loki/api/v1/push`, { streams: [...streams.values()] })
  assert.equal(r.status, 204, JSON.stringify(r.body))
  // Stored once a log query over the whole range sees every entry.
  await waitFor(async () => {
    const r = await get(`/loki/api/v1/query?${qs({ query: 'sum(count_over_time({service_name=~"api|web"}[41m]))', time: END })}`)
    return r.body?.data?.result?.[0]?.value?.[1] === String(pushed.length)
  }, 30_000)
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

describe('Grafana Loki data source', () => {
  test('health check: vector(1)+vector(1) answers 2 as a vector', async () => {
    const r = await get(`/loki/api/v1/query?${qs({ query: 'vector(1)+vector(1)', time: NOW, direction: 'backward' })}`)
    assert.equal(r.status, 200)
    assert.equal(r.body.status, 'success')
    assert.equal(r.body.data.resultType, 'vector')
    assert.deepEqual(r.body.data.result.map((s: any) => [s.metric, s.value[1]]), [[{}, '2']])
    assert.equal(typeof r.body.data.result[0].value[0], 'number')
    assert.ok(r.body.data.stats.summary, 'stats.summary')
  })

  test('buildinfo, detected_labels, then labels', async () => {
    const b = await get('/loki/api/v1/status/buildinfo')
    assert.match(b.body.version, /^\d+\.\d+\.\d+$/)
    const range = qs({ start: START, end: END })
    const d = await get(`/loki/api/v1/detected_labels?query=${encodeURIComponent('{service_name=~".+"}')}&${range}`)
    assert.equal(d.status, 200)
    const card = Object.fromEntries(d.body.detectedLabels.map((l: any) => [l.label, l.cardinality]))
    assert.deepEqual(card, { host: 4, level: 3, service_name: 2 })
    const l = await get(`/loki/api/v1/labels?${range}`)
    assert.deepEqual(l.body, { status: 'success', data: ['host', 'level', 'service_name'] })
  })

  test('label values, with and without a query; series by match[]', async () => {
    const range = qs({ start: START, end: END })
    const v = await get(`/loki/api/v1/label/service_name/values?${range}`)
    assert.deepEqual(v.body, { status: 'success', data: ['api', 'web'] })
    const q = await get(`/loki/api/v1/label/host/values?${range}&query=${encodeURIComponent('{service_name="api"}')}`)
    // api entries are the even ones: hosts h0 and h2.
    assert.deepEqual(q.body.data, ['h0', 'h2'])
    const s = await get(`/loki/api/v1/series?${range}&${qs({ 'match[]': '{service_name="web", level="warn"}' })}`)
    const want = new Set(pushed.filter((p) => p.service === 'web' && p.level === 'warn').map((p) => p.host))
    assert.equal(s.body.status, 'success')
    assert.deepEqual(
      s.body.data.map((x: any) => x.host).sort(),
      [...want].sort(),
    )
    for (const x of s.body.data) assert.deepEqual(Object.keys(x).sort(), ['host', 'level', 'service_name'])
  })

  test('log query with X-Query-Tags: streams, newest first, limit, stats', async () => {
    const query = '{service_name="api"} |= "timeout"'
    const r = await get(`/loki/api/v1/query_range?${qs({ direction: 'backward', end: END, limit: 5, query, start: START, step: '2000ms' })}`, {
      'X-Query-Tags': 'Source=grafana-explore',
    })
    assert.equal(r.status, 200)
    assert.equal(r.body.data.resultType, 'streams')
    const want = pushed.filter((p) => p.service === 'api' && p.line.includes('timeout')).sort((a, b) => (a.ns < b.ns ? 1 : -1)).slice(0, 5)
    const got = r.body.data.result.flatMap((s: any) => s.values.map((v: [string, string]) => ({ ts: v[0], line: v[1], stream: s.stream })))
    got.sort((a: any, b: any) => (BigInt(a.ts) < BigInt(b.ts) ? 1 : -1))
    assert.deepEqual(got.map((g: any) => [g.ts, g.line]), want.map((w) => [ns(w.ns), w.line]))
    for (const g of got) assert.equal(g.stream.service_name, 'api')
    assert.equal(typeof r.body.data.stats.summary.execTime, 'number')
  })

  test('log query over a longer range (newest-first windows): same entries as counted here', async () => {
    const long = qs({ start: END - 180n * MIN, end: END, direction: 'backward' })
    const three = await get(`/loki/api/v1/query_range?${long}&${qs({ query: '{service_name="web"}', limit: 3 })}`)
    const got = three.body.data.result.flatMap((s: any) => s.values.map((v: [string, string]) => v[0])).sort().reverse()
    const exp = pushed.filter((p) => p.service === 'web').map((p) => ns(p.ns)).sort().reverse().slice(0, 3)
    assert.deepEqual(got, exp)
    const none = await get(`/loki/api/v1/query_range?${long}&${qs({ query: '{service_name="web"} |= "no such line"', limit: 3 })}`)
    assert.deepEqual(none.body.data.result, [])
    const many = await get(`/loki/api/v1/query_range?${long}&${qs({ query: '{service_name=~".+"}', limit: 1000 })}`)
    assert.equal(many.body.data.result.reduce((n: number, s: any) => n + s.values.length, 0), pushed.length)
  })

  test('log volume: sum by (level) (count_over_time(...[$__auto])) with a concrete step, against counts of the pushed entries', async () => {
    const step = 60n * 1_000_000_000n
    const query = 'sum by (level) (count_over_time({service_name="web"} | drop __error__[1m]))'
    const r = await get(`/loki/api/v1/query_range?${qs({ query, start: START, end: END, step: '60s' })}`)
    assert.equal(r.status, 200, r.body)
    assert.equal(r.body.data.resultType, 'matrix')
    const want = new Map<string, Map<number, number>>()
    for (let t = START; t <= END; t += step) {
      for (const p of pushed) {
        if (p.service !== 'web' || !(p.ns > t - step && p.ns <= t)) continue
        const m = want.get(p.level) ?? new Map<number, number>()
        m.set(Number(t / 1_000_000n) / 1000, (m.get(Number(t / 1_000_000n) / 1000) ?? 0) + 1)
        want.set(p.level, m)
      }
    }
    const got = Object.fromEntries(r.body.data.result.map((s: any) => [s.metric.level, s.values.map((v: [number, string]) => [v[0], Number(v[1])])]))
    assert.deepEqual(Object.keys(got).sort(), [...want.keys()].sort())
    for (const [level, m] of want) assert.deepEqual(got[level], [...m].sort((a, b) => a[0] - b[0]), level)
    for (const s of r.body.data.result) assert.deepEqual(Object.keys(s.metric), ['level'])
  })

  test('POST form query_range, start/end as RFC 3339', async () => {
    const body = new URLSearchParams({
      query: 'count_over_time({service_name="api"} | logfmt | status >= 500 [40m])',
      start: new Date(Number(END / 1_000_000n)).toISOString(),
      end: new Date(Number(END / 1_000_000n)).toISOString(),
      step: '60',
    })
    const res = await fetch(`${srv.url}/loki/api/v1/query_range`, { method: 'POST', body })
    const j = (await res.json()) as any
    assert.equal(res.status, 200, JSON.stringify(j))
    const want = pushed.filter((p) => p.service === 'api' && p.line.includes('status=504') && p.ns > END - 40n * MIN && p.ns <= END)
    // Grouped by all labels (service_name, level, host and the logfmt fields): each took= is its own series.
    const total = j.data.result.reduce((n: number, s: any) => n + Number(s.values[0][1]), 0)
    assert.equal(total, want.length)
  })

  test('a query that does not parse: 400, plain text, Loki\'s parse error', async () => {
    const r = await get(`/loki/api/v1/query_range?${qs({ query: 'sum(count_over_time({service_name="api"}[1m]', start: START, end: END })}`)
    assert.equal(r.status, 400)
    assert.match(r.type, /^text\/plain/)
    assert.match(r.body, /^parse error at line 1, col \d+: syntax error: unexpected/)
    const u = await get(`/loki/api/v1/query_range?${qs({ query: 'rate({service_name="api"}[1m] offset 5m)', start: START, end: END })}`)
    assert.equal(u.status, 400)
    assert.match(u.body, /offset is not supported/)
  })

  test('live tail over WebSocket: Loki frames for matching entries only', async () => {
    const query = '{service_name="api"} |= "tail-me"'
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/loki/api/v1/tail?${qs({ query, limit: 100, start: NOW })}`)
    const frames: any[] = []
    ws.on('message', (d) => frames.push(JSON.parse(String(d))))
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    const t = BigInt(Date.now()) * 1_000_000n
    const r = await postJson(`${srv.url}/loki/api/v1/push`, {
      streams: [
        { stream: { service_name: 'web', level: 'info' }, values: [[ns(t), 'tail-me but web']] },
        { stream: { service_name: 'api', level: 'error' }, values: [[ns(t + 1n), 'tail-me from api', { host: 'h9' }]] },
      ],
    })
    assert.equal(r.status, 204)
    await waitFor(async () => frames.length >= 1, 30_000)
    ws.close()
    assert.deepEqual(frames[0], {
      streams: [{ stream: { host: 'h9', service_name: 'api', level: 'error' }, values: [[ns(t + 1n), 'tail-me from api']] }],
      dropped_entries: null,
    })
    assert.ok(frames.every((f) => f.streams[0].stream.service_name === 'api'))
  })

  test('live tail with start: the history first (oldest first, at most limit), in one Loki frame', async () => {
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/loki/api/v1/tail?${qs({ query: '{service_name="web"}', limit: 2, start: START })}`)
    const frames: any[] = []
    ws.on('message', (d) => frames.push(JSON.parse(String(d))))
    await waitFor(async () => frames.length >= 1, 30_000)
    ws.close()
    const got = frames[0].streams.flatMap((s: any) => s.values.map((v: [string, string]) => [v[0], v[1], s.stream.service_name]))
    const exp = pushed.filter((p) => p.service === 'web').slice(0, 2).map((p) => [ns(p.ns), p.line, 'web'])
    assert.deepEqual(got.sort(), exp.sort())
    assert.equal(frames[0].dropped_entries, null)
  })

  test('tail refuses a metric query or a parser before the upgrade', async () => {
    for (const query of ['rate({service_name="api"}[1m])', '{service_name="api"} | json']) {
      const r = await get(`/loki/api/v1/tail?${qs({ query })}`)
      assert.equal(r.status, 400, query)
      assert.match(r.body, /tail/)
    }
  })
})
