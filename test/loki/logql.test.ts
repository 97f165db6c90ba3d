// The LogQL conformance table (README "Loki query API"): every supported construct against a real
// server and its engine, entries pushed through the Loki push API, each answer beside the same answer
// computed here from the entries. Log queries compare lines (and labels), metric queries values.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

const MIN = 60_000_000_000n
const END = (BigInt(Date.now()) * 1_000_000n / MIN) * MIN - 5n * MIN
const STATUSES = [200, 404, 500, 503, 201]

interface E {
  ns: bigint
  service: string
  level: string
  host: string
  status: number
  took: number
  kb: number
  user: string
  json: boolean
  line: string
}
const es: E[] = []
for (let i = 0; i < 120; i++) {
  const e = {
    ns: END - 10n * MIN + BigInt(i + 1) * 5_000_000_000n - 1_000_000n,
    service: i % 2 ? 'web' : 'api',
    level: i % 3 === 0 ? 'error' : 'info',
    host: `h${i % 4}`,
    status: STATUSES[i % 5] as number,
    took: (i * 7) % 300,
    kb: (i % 10) + 1,
    user: `u${i % 3}`,
    json: Math.floor(i / 2) % 2 === 0,
  }
  const msg = `req ${i}${i % 7 === 0 ? ' timeout' : ''}${i % 11 === 0 ? ' refused' : ''}`
  const line = e.json
    ? JSON.stringify({ msg, status: e.status, took: `${e.took}ms`, size: `${e.kb}KB`, user: e.user })
    : `msg="${msg}" status=${e.status} took=${e.took}ms size=${e.kb}KB user=${e.user}`
  es.push({ ...e, line })
}
const msgOf = (e: E) => /req \d+[a-z ]*/.exec(e.line)?.[0] as string

let srv: RunningServer
const qs = (o: Record<string, string | bigint>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&')

async function call(path: string, params: Record<string, string | bigint>) {
  const res = await fetch(`${srv.url}/loki/api/v1/${path}?${qs(params)}`)
  const text = await res.text()
  assert.equal(res.status, 200, `${params.query}: ${text}`)
  return JSON.parse(text).data
}

/** A log query's entries: [line, labels] newest first. */
async function logs(query: string): Promise<{ line: string; labels: Record<string, string> }[]> {
  const d = await call('query_range', { query, start: END - 11n * MIN, end: END + 1n, limit: '1000' })
  assert.equal(d.resultType, 'streams')
  const out = d.result.flatMap((s: any) => s.values.map((v: [string, string]) => ({ ts: BigInt(v[0]), line: v[1], labels: s.stream })))
  return out.sort((a: any, b: any) => (a.ts < b.ts ? 1 : -1))
}
const lines = async (q: string) => (await logs(q)).map((x) => x.line)
const want = (f: (e: E) => boolean, map: (e: E) => string = (e) => e.line) => es.filter(f).reverse().map(map)

/** An instant metric query at END (its [10m] windows hold every entry): series label text → value. */
async function instant(query: string): Promise<Record<string, number>> {
  const d = await call('query', { query, time: END })
  assert.equal(d.resultType, 'vector', query)
  return Object.fromEntries(d.result.map((s: any) => [JSON.stringify(s.metric), Number(s.value[1])]))
}
const by = <T>(xs: E[], key: (e: E) => Record<string, string>, value: (g: E[]) => T) => {
  const m = new Map<string, E[]>()
  for (const e of xs) {
    const k = JSON.stringify(key(e))
    m.set(k, [...(m.get(k) ?? []), e])
  }
  return Object.fromEntries([...m].map(([k, g]) => [k, value(g)]))
}
const svc = (e: E) => ({ service_name: e.service })
const close = (got: Record<string, number>, exp: Record<string, number>, q: string) => {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(exp).sort(), q)
  for (const k of Object.keys(exp)) assert.ok(Math.abs((got[k] as number) - (exp[k] as number)) < 1e-6 * Math.max(1, Math.abs(exp[k] as number)), `${q} ${k}: ${got[k]} != ${exp[k]}`)
}
const stddev = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length)
}
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  const r = q * (s.length - 1)
  const lo = Math.floor(r)
  return (s[lo] as number) + ((s[Math.min(lo + 1, s.length - 1)] as number) - (s[lo] as number)) * (r - lo)
}

before(async () => {
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0' } })
  const values = es.map((e) => ({ stream: { service_name: e.service, level: e.level }, values: [[e.ns.toString(), e.line, { host: e.host }]] }))
  assert.equal((await postJson(`${srv.url}/loki/api/v1/push`, { streams: values })).status, 204)
  await waitFor(async () => (await lines('{service_name=~".+"}')).length === es.length, 30_000)
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

describe('stream selectors', () => {
  const cases: [string, (e: E) => boolean][] = [
    ['{service_name="api"}', (e) => e.service === 'api'],
    ['{service="web"}', (e) => e.service === 'web'],
    ['{level="error", service_name!="api"}', (e) => e.level === 'error' && e.service !== 'api'],
    ['{service_name=~"ap.*"}', (e) => e.service === 'api'],
    ['{service_name=~".+", detected_level!~"err.*"}', (e) => e.level !== 'error'],
    ['{service_name="api", host="h2"}', (e) => e.service === 'api' && e.host === 'h2'],
    ['{service_name="web", host=~"h[13]"}', (e) => e.service === 'web' && (e.host === 'h1' || e.host === 'h3')],
    ['{service_name="api", missing=""}', (e) => e.service === 'api'],
    ['{service_name="api", host!=""}', (e) => e.service === 'api'],
  ]
  for (const [q, f] of cases) test(q, async () => assert.deepEqual(await lines(q), want(f)))
  test('stream labels: service_name, level and the attributes', async () => {
    const r = await logs('{service_name="api", host="h0"}')
    for (const x of r) assert.deepEqual(x.labels, { host: 'h0', level: es.find((e) => e.line === x.line)?.level, service_name: 'api' })
  })
})

describe('line filters', () => {
  const cases: [string, (e: E) => boolean][] = [
    ['{service_name=~".+"} |= "timeout"', (e) => e.line.includes('timeout')],
    ['{service_name=~".+"} != "timeout"', (e) => !e.line.includes('timeout')],
    ['{service_name=~".+"} |~ "req 1[0-9] "', (e) => /req 1[0-9] /.test(e.line)],
    ['{service_name=~".+"} !~ "status.{2,3}5"', (e) => !/status.{2,3}5/.test(e.line)],
    ['{service_name=~".+"} |= "timeout" != "refused"', (e) => e.line.includes('timeout') && !e.line.includes('refused')],
    ['{service_name=~".+"} |= "timeout" or "refused"', (e) => e.line.includes('timeout') || e.line.includes('refused')],
    ['{service_name=~".+"} |> "msg=<_> status=503 <_>"', (e) => !e.json && e.status === 503],
    ['{service_name="api"} !> "msg=<_>"', (e) => e.service === 'api' && e.json],
  ]
  for (const [q, f] of cases) test(q, async () => assert.deepEqual(await lines(q), want(f)))
})

describe('parsers and label filters', () => {
  const cases: [string, (e: E) => boolean][] = [
    ['{service_name=~".+"} | json | status >= 500', (e) => e.json && e.status >= 500],
    ['{service_name=~".+"} | logfmt | took > 150ms', (e) => !e.json && e.took > 150],
    ['{service_name=~".+"} | json | size > 5KB', (e) => e.json && e.kb > 5],
    ['{service_name=~".+"} | json | user="u1"', (e) => e.json && e.user === 'u1'],
    ['{service_name=~".+"} | logfmt | user=~"u[12]"', (e) => !e.json && e.user !== 'u0'],
    ['{service_name=~".+"} | json | status=200 or status=404', (e) => e.json && (e.status === 200 || e.status === 404)],
    ['{service_name=~".+"} | logfmt | status >= 400, user!="u1"', (e) => !e.json && e.status >= 400 && e.user !== 'u1'],
    ['{service_name=~".+"} | json | took <= 0.1s and status != 200', (e) => e.json && e.took <= 100 && e.status !== 200],
    ['{service_name=~".+"} | logfmt --strict | (status=500 or status=503) and user="u0"', (e) => !e.json && (e.status === 500 || e.status === 503) && e.user === 'u0'],
    ['{service_name=~".+"} | json s="status" | s="503"', (e) => e.json && e.status === 503],
    ['{service_name=~".+"} | pattern "msg=\\"<m>\\" status=<st> <_>" | st="201"', (e) => !e.json && e.status === 201],
    ['{service_name=~".+"} | regexp "took=(?P<t>[0-9]+)ms" | t > 280', (e) => !e.json && e.took > 280],
  ]
  for (const [q, f] of cases) test(q, async () => assert.deepEqual(await lines(q), want(f)))
  test('parsed keys become label names as in Loki: other characters than [A-Za-z0-9_] become _', async () => {
    // Outside the window of the other tests (they look at the last 11 minutes).
    const t = END - 30n * MIN
    const line = JSON.stringify({ 'http.status-code': 418, 'a b': 'c' })
    const push = { streams: [{ stream: { service_name: 'odd' }, values: [[t.toString(), line], [(t + 1n).toString(), 'k.e-y=v1 other=2']] }] }
    assert.equal((await postJson(`${srv.url}/loki/api/v1/push`, push)).status, 204)
    const range = { start: t - MIN, end: t + MIN, limit: '10' }
    const labels = async (query: string) => {
      const d = await waitFor(async () => {
        const r = await call('query_range', { query, ...range })
        return r.result.length ? r : undefined
      })
      return d.result.map((s: any) => s.stream)
    }
    assert.deepEqual(await labels('{service_name="odd"} | json | http_status_code = 418'), [{ a_b: 'c', http_status_code: '418', level: 'info', service_name: 'odd' }])
    assert.deepEqual(await labels('{service_name="odd"} | logfmt | k_e_y="v1"'), [{ k_e_y: 'v1', other: '2', level: 'info', service_name: 'odd' }])
  })
  test('| json adds the fields as labels', async () => {
    const r = await logs('{service_name="api"} | json | user="u2"')
    const e = es.find((x) => x.line === r[0]?.line) as E
    assert.deepEqual(r[0]?.labels, { host: e.host, level: e.level, service_name: 'api', msg: msgOf(e), status: String(e.status), took: `${e.took}ms`, size: `${e.kb}KB`, user: 'u2' })
  })
})

describe('formatting stages', () => {
  test('| line_format', async () => {
    assert.deepEqual(
      await lines('{service_name="web"} | logfmt | line_format "{{.user}} got {{.status}}"'),
      want((e) => e.service === 'web', (e) => (e.json ? ' got ' : `${e.user} got ${e.status}`)),
    )
  })
  test('| line_format with {{__line__}} and {{__timestamp__}}', async () => {
    const r = await lines('{service_name="api", host="h0"} | line_format "[{{__timestamp__}}] {{ __line__ }}"')
    assert.deepEqual(r.map((l) => l.replace(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}\] /, '')), want((e) => e.service === 'api' && e.host === 'h0'))
  })
  test('| label_format (rename and template), | drop, | keep', async () => {
    const r = await logs('{service_name="api"} | logfmt | label_format who=user, code="s{{.status}}" | drop host, msg, took, size | keep who, code, level')
    const exp = want((e) => e.service === 'api', (e) => JSON.stringify(e.json ? { code: 's', level: e.level } : { code: `s${e.status}`, level: e.level, who: e.user }))
    assert.deepEqual(r.map((x) => JSON.stringify(x.labels)), exp)
  })
})

describe('range functions (instant at the end of the data, [10m] holds every entry)', () => {
  const cases: [string, Record<string, number>][] = [
    ['sum(count_over_time({service_name=~".+"}[10m]))', { '{}': es.length }],
    ['sum by (service_name) (rate({service_name=~".+"}[10m]))', by(es, svc, (g) => g.length / 600)],
    ['sum(bytes_over_time({service_name="api"}[10m]))', { '{}': es.filter((e) => e.service === 'api').reduce((n, e) => n + Buffer.byteLength(e.line), 0) }],
    ['sum(bytes_rate({service_name="api"}[10m]))', { '{}': es.filter((e) => e.service === 'api').reduce((n, e) => n + Buffer.byteLength(e.line), 0) / 600 }],
    ['sum_over_time({service_name=~".+"} | json | unwrap status [10m]) by (service_name)', by(es.filter((e) => e.json), svc, (g) => g.reduce((n, e) => n + e.status, 0))],
    ['avg_over_time({service_name=~".+"} | logfmt | unwrap duration(took) [10m]) by (service_name)', by(es.filter((e) => !e.json), svc, (g) => g.reduce((n, e) => n + e.took / 1000, 0) / g.length)],
    ['min_over_time({service_name=~".+"} | json | unwrap bytes(size) [10m]) by (service_name)', by(es.filter((e) => e.json), svc, (g) => Math.min(...g.map((e) => e.kb * 1000)))],
    ['max_over_time({service_name=~".+"} | json | unwrap status [10m]) by (service_name)', by(es.filter((e) => e.json), svc, (g) => Math.max(...g.map((e) => e.status)))],
    ['stddev_over_time({service_name=~".+"} | json | unwrap status [10m]) by (service_name)', by(es.filter((e) => e.json), svc, (g) => stddev(g.map((e) => e.status)))],
    ['stdvar_over_time({service_name=~".+"} | json | unwrap status [10m]) by (service_name)', by(es.filter((e) => e.json), svc, (g) => stddev(g.map((e) => e.status)) ** 2)],
    ['quantile_over_time(0.9, {service_name=~".+"} | logfmt | unwrap duration_seconds(took) [10m]) by (service_name)', by(es.filter((e) => !e.json), svc, (g) => quantile(g.map((e) => e.took / 1000), 0.9))],
    ['first_over_time({service_name=~".+"} | json | unwrap status [10m]) by (service_name)', by(es.filter((e) => e.json), svc, (g) => (g[0] as E).status)],
    ['last_over_time({service_name=~".+"} | json | unwrap status [10m]) by (service_name)', by(es.filter((e) => e.json), svc, (g) => (g[g.length - 1] as E).status)],
    ['absent_over_time({service_name="nothing"}[10m])', { '{"service_name":"nothing"}': 1 }],
    ['absent_over_time({service_name="api"}[10m])', {}],
  ]
  for (const [q, exp] of cases) test(q, async () => close(await instant(q), exp, q))
  test('count_over_time without an aggregation: one series per label set', async () => {
    const q = 'count_over_time({service_name="web"}[10m])'
    close(await instant(q), by(es.filter((e) => e.service === 'web'), (e) => ({ host: e.host, level: e.level, service_name: 'web' }), (g) => g.length), q)
  })
})

describe('vector aggregations', () => {
  const lvl = (e: E) => ({ level: e.level })
  const perHost = by(es, (e) => ({ host: e.host }), (g) => g.length)
  const cases: [string, Record<string, number>][] = [
    ['sum by (level) (count_over_time({service_name=~".+"}[10m]))', by(es, lvl, (g) => g.length)],
    ['sum without (host, service_name) (count_over_time({service_name=~".+"}[10m]))', by(es, lvl, (g) => g.length)],
    ['avg(sum by (host) (count_over_time({service_name=~".+"}[10m])))', { '{}': es.length / 4 }],
    ['min(sum by (host) (count_over_time({service_name=~".+"}[10m])))', { '{}': Math.min(...Object.values(perHost)) }],
    ['max(sum by (host) (count_over_time({service_name=~".+"}[10m])))', { '{}': Math.max(...Object.values(perHost)) }],
    ['count(count_over_time({service_name=~".+"}[10m]))', { '{}': Object.keys(by(es, (e) => ({ h: e.host, l: e.level, s: e.service }), () => 1)).length }],
    ['stddev(sum by (host) (count_over_time({service_name=~".+"}[10m])))', { '{}': stddev(Object.values(perHost)) }],
    ['stdvar(sum by (host) (count_over_time({service_name=~".+"}[10m])))', { '{}': stddev(Object.values(perHost)) ** 2 }],
    ['sum(count_over_time({service_name=~".+"}[10m])) by (service_name)', by(es, svc, (g) => g.length)],
    ['sum by (detected_level) (count_over_time({service=~".+"}[10m]))', by(es, (e) => ({ detected_level: e.level }), (g) => g.length)],
    [
      'max_over_time({service_name=~".+"} | json | unwrap status [10m]) without (host, level, msg, took, size, user)',
      by(es.filter((e) => e.json), svc, (g) => Math.max(...g.map((e) => e.status))),
    ],
  ]
  for (const [q, exp] of cases) test(q, async () => close(await instant(q), exp, q))
  const perUser = Object.entries(by(es.filter((e) => !e.json), (e) => ({ user: e.user }), (g) => g.reduce((n, e) => n + e.took / 1000, 0)))
  test('topk / bottomk / sort / sort_desc', async () => {
    const order = perUser.map(([k, v]) => [k, Math.round(v * 1000) / 1000] as [string, number]).sort((a, b) => b[1] - a[1])
    const q = (s: string) => `${s}sum by (user) (sum_over_time({service_name=~".+"} | logfmt | unwrap duration(took) [10m])))`
    const d = async (s: string) =>
      (await call('query', { query: q(s), time: END })).result.map((r: any) => [JSON.stringify(r.metric), Math.round(Number(r.value[1]) * 1000) / 1000])
    assert.deepEqual(await d('topk(2, '), order.slice(0, 2))
    assert.deepEqual(await d('bottomk(1, '), order.slice(-1))
    assert.deepEqual(await d('sort_desc('), order)
    assert.deepEqual(await d('sort('), [...order].reverse())
  })
})

describe('binary operators', () => {
  const n = es.length
  const api = es.filter((e) => e.service === 'api').length
  const cases: [string, Record<string, number>][] = [
    ['sum(count_over_time({service_name=~".+"}[10m])) * 2 + 1', { '{}': n * 2 + 1 }],
    ['sum(count_over_time({service_name="api"}[10m])) / sum(count_over_time({service_name=~".+"}[10m]))', { '{}': api / n }],
    ['sum(count_over_time({service_name="api"}[10m])) - sum(count_over_time({service_name=~".+"}[10m])) ^ 2', { '{}': api - n * n }],
    ['sum(count_over_time({service_name=~".+"}[10m])) % 7', { '{}': n % 7 }],
    ['sum by (level) (count_over_time({service_name=~".+"}[10m])) > 50', { '{"level":"info"}': es.filter((e) => e.level === 'info').length }],
    ['sum by (level) (count_over_time({service_name=~".+"}[10m])) > bool 50', { '{"level":"error"}': 0, '{"level":"info"}': 1 }],
    ['sum by (level) (count_over_time({service_name=~".+"}[10m])) == sum by (level) (count_over_time({service_name=~".+"}[10m]))', by(es, (e) => ({ level: e.level }), (g) => g.length)],
    ['vector(1) + vector(1)', { '{}': 2 }],
  ]
  for (const [q, exp] of cases) test(q, async () => close(await instant(q), exp, q))
  test('a scalar expression answers a scalar', async () => {
    const d = await call('query', { query: '1 + 2 * 3', time: END })
    assert.deepEqual([d.resultType, d.result[1]], ['scalar', '7'])
  })
})

describe('query_range: steps and windows', () => {
  test('count_over_time at each step counts the entries in (t - range, t]', async () => {
    const step = MIN
    const start = END - 10n * MIN
    const d = await call('query_range', { query: 'sum(count_over_time({service_name=~".+"}[2m]))', start, end: END, step: '60s' })
    const exp: [number, string][] = []
    for (let t = start; t <= END; t += step) {
      const c = es.filter((e) => e.ns > t - 2n * MIN && e.ns <= t).length
      if (c) exp.push([Number(t / 1_000_000n) / 1000, String(c)])
    }
    assert.deepEqual(d.result[0].values, exp)
  })
})
