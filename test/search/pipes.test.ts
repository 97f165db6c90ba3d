// Issue 14 pipes through the real HTTP API and the embedded engine: generated JSON and logfmt
// messages and real Loghub lines, each result beside the same answer computed in plain JS.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type App } from '../../server/src/app.ts'
import { DEFAULT_TENANT } from '../../server/src/model/index.ts'
import { loadConfig } from '../../server/src/config.ts'
import type { Entry } from '../../server/src/model/index.ts'
import { runPipeline } from '../../server/src/query/analytics.ts'
import { parseQuery } from '../../server/src/query/search/index.ts'
import type { Store } from '../../server/src/store/index.ts'
import { LOGHUB } from '../helpers/server.ts'

const BASE = Date.UTC(2026, 5, 1)
const ts = (ms: number) => new Date(ms).toISOString().replace('Z', '000000Z')
const ROUTES = ['/login', '/search', '/cart', '/pay']
const STATUSES = [200, 201, 404, 500, 503]

interface Gen {
  route: string
  status: number
  took: number
  user: string
  kind: 'json' | 'kv'
  time: number
}
const gen: Gen[] = []
const entries: Entry[] = []
for (let i = 0; i < 600; i++) {
  const g: Gen = {
    route: ROUTES[i % 4] as string,
    status: STATUSES[i % 5] as number,
    took: (i * 37) % 1000,
    user: `u${i % 13}`,
    kind: i % 2 ? 'kv' : 'json',
    time: BASE + i * 60_000,
  }
  gen.push(g)
  const message =
    g.kind === 'json'
      ? JSON.stringify({ route: g.route, status: g.status, took: `${g.took}ms`, user: g.user, ctx: { region: `r${i % 3}` } })
      : `route=${g.route} status=${g.status} took=${g.took}ms user=${g.user} msg="request done"`
  entries.push({
    timestamp: ts(g.time),
    level: g.status >= 500 ? 'error' : 'info',
    service: g.kind,
    message,
    attributes: { host: `h${i % 3}` },
    trace_id: '',
    span_id: '',
  })
}
// Recent entries, for _time:
const NOW = Date.now()
for (let i = 0; i < 7; i++) {
  entries.push({
    timestamp: ts(NOW - i * 30_000 - 1000),
    level: 'warn',
    service: 'recent',
    message: `recent ${i}`,
    attributes: {},
    trace_id: '',
    span_id: '',
  })
}
// Real OpenSSH lines from Loghub.
const ssh = readFileSync(join(LOGHUB, 'OpenSSH_2k.log'), 'utf8').split('\n').filter(Boolean)
ssh.forEach((message, i) => {
  entries.push({
    timestamp: ts(BASE - 86_400_000 + i * 1000),
    level: 'info',
    service: 'OpenSSH',
    message,
    attributes: {},
    trace_id: '',
    span_id: '',
  })
})

const dir = mkdtempSync(join(tmpdir(), 'ogls-pipes-'))
let app: App
before(async () => {
  app = await createApp(loadConfig('all', { DATA_DIR: dir, RATE_LIMIT_MAX: '0', LOG_LEVEL: 'silent', WEB_DIR: join(dir, 'no-dashboard') }))
  await (app.store as Store).insert(entries, 'pipes')
})
after(async () => {
  await app.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function query(q: string, extra = '') {
  const r = await app.server.inject({ method: 'GET', url: `/api/query?q=${encodeURIComponent(q)}${extra}` })
  return { status: r.statusCode, body: JSON.parse(r.body), headers: r.headers }
}
async function rows(q: string, extra = '') {
  const r = await query(q, extra)
  assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`)
  assert.equal(r.body.truncated, false, q)
  assert.ok(r.body.stats.rows_read > 0 && typeof r.body.stats.elapsed_ms === 'number', q)
  return r.body as { columns: { name: string; type: string }[]; rows: unknown[][] }
}

/** Counts by key, as [key, count] sorted by key. */
function countBy<T>(xs: T[], key: (x: T) => string): [string, number][] {
  const m = new Map<string, number>()
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1)
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}
const json = gen.filter((g) => g.kind === 'json')
const kv = gen.filter((g) => g.kind === 'kv')

describe('pipes on generated JSON and logfmt messages', () => {
  test('| json, then a comparison on an extracted field, then stats by it', async () => {
    const r = await rows('service:json | json | status:>=500 | stats count() as n by (route)')
    assert.deepEqual(r.columns, [
      { name: 'route', type: 'string' },
      { name: 'n', type: 'number' },
    ])
    assert.deepEqual(
      r.rows,
      countBy(
        json.filter((g) => g.status >= 500),
        (g) => g.route,
      ),
    )
  })

  test('| logfmt: sum, avg, min, max of a duration field by route', async () => {
    const r = await rows('service:kv | logfmt | stats sum(took) as s, avg(took) as a, min(took) as lo, max(took) as hi by (route)')
    const want = countBy(kv, (g) => g.route).map(([route]) => {
      const t = kv.filter((g) => g.route === route).map((g) => g.took)
      return [route, t.reduce((x, y) => x + y, 0), t.reduce((x, y) => x + y, 0) / t.length, Math.min(...t), Math.max(...t)]
    })
    assert.equal(r.rows.length, want.length)
    r.rows.forEach((row, i) => {
      const w = want[i] as number[]
      assert.deepEqual([row[0], row[1], row[3], row[4]], [w[0], w[1], w[3], w[4]])
      assert.ok(Math.abs((row[2] as number) - (w[2] as number)) < 1e-9)
    })
  })

  test('count_uniq, count(field) and quantile', async () => {
    const r = await rows(
      'service:json | json | stats count_uniq(user) as u, count(status) as c, count(nope) as z, quantile(0.5, status) as q',
    )
    const sorted = json.map((g) => g.status).sort((a, b) => a - b)
    const [u, c, z, q] = r.rows[0] as number[]
    assert.deepEqual([u, c, z], [new Set(json.map((g) => g.user)).size, json.length, 0])
    assert.ok(
      (q as number) >= (sorted[Math.floor(sorted.length * 0.4)] as number) &&
        (q as number) <= (sorted[Math.ceil(sorted.length * 0.6)] as number),
      String(q),
    )
  })

  test('| fields, | sort by (x desc) numerically, | limit', async () => {
    const r = await rows('service:json | json | fields route, took, user | sort by (took desc) | limit 5')
    assert.deepEqual(
      r.columns.map((c) => c.name),
      ['route', 'took', 'user'],
    )
    const want = [...json].sort((a, b) => b.took - a.took).slice(0, 5)
    assert.deepEqual(
      r.rows.map((row) => row[1]),
      want.map((g) => `${g.took}ms`),
    )
    // The order survives a later projection.
    const again = await rows('service:json | json | sort by (took) | fields user | limit 3')
    assert.deepEqual(
      again.rows.map((row) => row[0]),
      [...json]
        .sort((a, b) => a.took - b.took)
        .slice(0, 3)
        .map((g) => g.user),
    )
  })

  test('| top N by (f) and | uniq by (f)', async () => {
    const top = await rows('service:kv | logfmt | top 3 by (user)')
    assert.deepEqual(
      top.columns.map((c) => c.name),
      ['user', 'hits'],
    )
    const counts = countBy(kv, (g) => g.user).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    assert.deepEqual(top.rows, counts.slice(0, 3))
    const uniq = await rows('service:json | json | uniq by (route)')
    assert.deepEqual(
      uniq.rows,
      [...new Set(json.map((g) => g.route))].sort().map((r) => [r]),
    )
  })

  test('| extract "<pattern>" and a duration comparison on what it took out', async () => {
    const r = await rows('service:kv | extract "took=<took>ms user=<user> " | took:>500ms | stats count() as n by (user)')
    assert.deepEqual(
      r.rows,
      countBy(
        kv.filter((g) => g.took > 500),
        (g) => g.user,
      ),
    )
  })

  test('| filter <filter>: words and phrases after a pipe, NOT and AND', async () => {
    const r = await rows('service:kv | logfmt | filter "request done" NOT status:500 AND user:u1 | stats count() as n')
    assert.deepEqual(r.rows, [[kv.filter((g) => g.status !== 500 && g.user === 'u1').length]])
    const none = await rows('service:json | filter "request done" | stats count() as n')
    assert.deepEqual(none.rows, [[0]])
  })

  test('results named like the entry columns do not stand for them (level, service, timestamp)', async () => {
    const n = kv.filter((g) => g.status >= 500).length
    const r = await rows('level:error service:kv | stats count() as level, count() as service, count() as timestamp')
    assert.deepEqual(r.rows, [[n, n, n]])
    const byKey = await rows('service:json | json | stats count() as message by (level) | level:error')
    assert.deepEqual(byKey.rows, [['error', json.filter((g) => g.status >= 500).length]])
  })

  test('a filter on stats results: | n:>K', async () => {
    const r = await rows('service:kv | logfmt | stats count() as n by (user) | n:>23')
    const want = countBy(kv, (g) => g.user).filter(([, n]) => n > 23)
    assert.ok(want.length > 0 && want.length < 13)
    assert.deepEqual(r.rows, want)
  })

  test('stats by (_time:1h) buckets, and _time:5m', async () => {
    const r = await rows('service:json,kv | stats count() as n by (_time:1h)')
    assert.deepEqual(r.columns[0], { name: '_time', type: 'time' })
    assert.deepEqual(
      r.rows,
      countBy(gen, (g) => new Date(g.time - (g.time % 3_600_000)).toISOString()),
    )
    const recent = await rows('_time:5m | stats count() as n')
    assert.deepEqual(recent.rows, [[7]])
  })

  test('every bucket size counts whole buckets from the epoch (UTC), whatever unit the SQL uses', async () => {
    // Entries over 600 minutes and the OpenSSH lines a day before: several buckets for every size.
    const times = [...gen.map((g) => g.time), ...ssh.map((_m, i) => BASE - 86_400_000 + i * 1000)]
    for (const [bucket, ms] of [
      ['1s', 1000],
      ['90s', 90_000],
      ['1m', 60_000],
      ['5m', 300_000],
      ['7m', 420_000],
      ['15m', 900_000],
      ['90m', 5_400_000],
      ['1h', 3_600_000],
      ['2h', 7_200_000],
      ['5h', 18_000_000],
      ['6h', 21_600_000],
      ['1d', 86_400_000],
      ['2d', 172_800_000],
      ['7d', 604_800_000],
    ] as const) {
      const r = await rows(`service:json,kv,OpenSSH | stats count() as n by (_time:${bucket})`, '&limit=10000')
      const want = countBy(times, (t) => new Date(t - (t % ms)).toISOString())
      assert.ok(want.length > 1 || ms >= 172_800_000, bucket)
      assert.deepEqual(r.rows, want, bucket)
    }
  })

  test('nested JSON keys by path, OR inside a filter stage', async () => {
    const r = await rows('service:json | json | ctx.region:r1 (route:/pay OR route:/cart) | stats count() as n')
    const want = json.filter((g) => gen.indexOf(g) % 3 === 1 && (g.route === '/pay' || g.route === '/cart')).length
    assert.ok(want > 0)
    assert.deepEqual(r.rows, [[want]])
  })

  test('without fields or stats the rows are the entries, newest first', async () => {
    const r = await rows('service:json | json | status:503 | limit 2')
    assert.deepEqual(
      r.columns.map((c) => c.name),
      ['_time', 'level', 'service', 'message'],
    )
    const want = json
      .filter((g) => g.status === 503)
      .sort((a, b) => b.time - a.time)
      .slice(0, 2)
    assert.deepEqual(
      r.rows.map((row) => row[0]),
      want.map((g) => new Date(g.time).toISOString()),
    )
  })

  test('more rows than limit: truncated is true, never a silent cut', async () => {
    const r = await query('service:kv | logfmt | uniq by (user)', '&limit=5')
    assert.equal(r.status, 200)
    assert.equal(r.body.rows.length, 5)
    assert.equal(r.body.truncated, true)
    const big = await query('| stats count()', '&limit=10001')
    assert.equal(big.status, 400)
    assert.equal(big.body.code, 'LOG_ERR_BAD_PARAMETER')
  })

  test('/api/logs and /api/stats take a filter only: a pipe there is a 400 pointing at /api/query', async () => {
    for (const url of ['/api/logs', '/api/stats']) {
      const r = await app.server.inject({ method: 'GET', url: `${url}?q=${encodeURIComponent('error | stats count()')}` })
      assert.equal(r.statusCode, 400)
      assert.match(JSON.parse(r.body).error, /pipes \(\|\) are not allowed here: .* run pipes with \/api\/query at position 6$/)
    }
  })

  test('a plain filter answers entries, as /api/logs', async () => {
    const r = await query('recent', '&limit=3')
    assert.equal(r.status, 200)
    assert.ok(Array.isArray(r.body))
    assert.deepEqual(
      r.body.map((e: { message: string }) => e.message),
      ['recent 0', 'recent 1', 'recent 2'],
    )
    assert.ok(r.headers['x-next-cursor'])
  })
})

test('a query over the memory bound is a clear 400 LOG_ERR_QUERY_TOO_LARGE, and the next one runs', async () => {
  const ctx = (app.store as Store).queryContext(DEFAULT_TENANT)
  const pl = parseQuery('| stats count_uniq(message) as u, quantile(0.5, took) by (message)')
  await assert.rejects(runPipeline(ctx, {}, pl, 100, 64 * 1024), (err: { code?: string; statusCode?: number; message: string }) => {
    assert.equal(err.code, 'LOG_ERR_QUERY_TOO_LARGE')
    assert.equal(err.statusCode, 400)
    assert.match(err.message, /needs more than 0 MiB of memory/)
    return true
  })
  assert.equal((await runPipeline(ctx, {}, pl, 10)).truncated, true)
})

describe('/api/fields and /api/field_values', () => {
  test('attribute and extracted field names with counts', async () => {
    const r = await app.server.inject({ method: 'GET', url: `/api/fields?q=${encodeURIComponent('service:json | json')}` })
    assert.equal(r.statusCode, 200, r.body)
    const fields = Object.fromEntries(JSON.parse(r.body).fields.map((f: { name: string; hits: number }) => [f.name, f.hits]))
    assert.deepEqual(fields, { host: 300, route: 300, status: 300, took: 300, user: 300, ctx: 300 })
    const plain = JSON.parse((await app.server.inject({ method: 'GET', url: '/api/fields?q=service:kv' })).body)
    assert.deepEqual(plain.fields, [{ name: 'host', hits: 300 }])
  })

  test('top values of a field', async () => {
    const r = await app.server.inject({
      method: 'GET',
      url: `/api/field_values?name=route&limit=2&q=${encodeURIComponent('service:kv | logfmt')}`,
    })
    assert.equal(r.statusCode, 200, r.body)
    const want = countBy(kv, (g) => g.route)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 2)
    assert.deepEqual(JSON.parse(r.body), { name: 'route', values: want.map(([value, hits]) => ({ value, hits })) })
    const bad = await app.server.inject({ method: 'GET', url: '/api/field_values?name=a%20b' })
    assert.equal(bad.statusCode, 400)
    assert.match(JSON.parse(bad.body).error, /invalid parameter 'name'/)
  })
})

describe('pipes on real Loghub lines (OpenSSH)', () => {
  test('| extract the source address of failed passwords, | top 5 by (ip)', async () => {
    const r = await rows('service:OpenSSH "Failed password" | extract "from <ip> port <port> " | top 5 by (ip)')
    const ips = ssh
      .filter((m) => /\bFailed password\b/i.test(m))
      .map((m) => /from (.*?) port (.*?) /.exec(m)?.[1])
      .filter((x): x is string => x !== undefined)
    const want = countBy(ips, (x) => x)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 5)
    assert.ok((want[0]?.[1] ?? 0) > 10)
    assert.deepEqual(r.rows, want)
  })

  test('| stats by (user) on a regex and OR filter, then a filter on the count', async () => {
    const q =
      'service:OpenSSH ("Invalid user" OR ~"invalid user [a-z]+ from") | extract "nvalid user <user> from" | stats count() as n by (user) | n:>=10 | sort by (n desc)'
    const r = await rows(q)
    // The phrase is case-insensitive; an entry the pattern does not fit has an empty user.
    const users = ssh
      .filter((m) => /\binvalid user\b/i.test(m) || /invalid user [a-z]+ from/u.test(m))
      .map((m) => /nvalid user (.*?) from/.exec(m)?.[1] ?? '')
    const want = countBy(users, (x) => x)
      .filter(([, n]) => n >= 10)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    assert.ok(want.length > 1)
    assert.deepEqual(
      r.rows.map((row) => row[1]),
      want.map(([, n]) => n),
    )
    assert.deepEqual(new Set(r.rows.map((row) => row[0])), new Set(want.map(([u]) => u)))
  })
})

describe('bad queries are 400 LOG_ERR_BAD_QUERY naming the problem and the position', () => {
  for (const [q, position, problem] of [
    ['| json | stats avg(message)', 19, /avg\(message\): 'message' is text, not a number/],
    ['| stats sum(_time)', 12, /sum\(_time\): '_time' is a time/],
    ['| stats mean(took)', 8, /unknown function 'mean'; functions are count\(\), count_uniq\(\), sum\(\)/],
    ['error | frobnicate', 8, /unknown pipe 'frobnicate'; pipes are json, logfmt, extract, fields, sort, limit, stats, top, uniq, filter/],
    ['| fields user | sort by (took)', 25, /unknown field 'took' at this point; the rows have user/],
    ['| stats count() as n | json', 23, /json reads the message, which is gone/],
    ['| stats count() as n | error', 23, /unknown pipe 'error'/],
    ['| stats count() as n | filter error', 30, /search the message, which is gone/],
    ['| limit 0', 8, /limit 0 is out of range; allowed 1..10000/],
    ['| stats quantile(2, took)', 17, /quantile takes a level from 0 to 1/],
    ['| stats count() by (level, level)', 27, /'level' appears twice/],
    ['| extract "no placeholder"', 10, /no <field> placeholder/],
    ['| sort by (took', 15, /expected '\)'/],
    ['a |', 3, /expected a pipe after '\|'/],
    ['| stats count() by (_time:5x)', 26, /only _time takes a bucket/],
  ] as const) {
    test(q, async () => {
      const r = await query(q)
      assert.equal(r.status, 400, JSON.stringify(r.body))
      assert.equal(r.body.code, 'LOG_ERR_BAD_QUERY')
      assert.match(r.body.error, problem)
      assert.match(r.body.error, new RegExp(`at position ${position}$`))
    })
  }
})

describe('hostile and random queries never reach the engine as SQL text', () => {
  test('payloads in every place of a pipeline: a 200 or a 400, the table intact', async () => {
    const payloads = ["' OR 1=1 --", "x'); DROP TABLE oglogstream.logs; --", '{p0:String}', '`', '\\\\', '\u0000', 'a`b', 'é']
    for (const p of payloads) {
      const esc = p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')
      for (const q of [
        `| json | fields ${p}`,
        `| extract "${esc} <x>" | stats count() by (x)`,
        `| json | k:"${esc}" | stats count_uniq(k)`,
        `| logfmt | k:~"${esc}" | top by (k)`,
        `| stats count() as ${p}`,
        `"${esc}" | uniq by (service)`,
      ]) {
        const r = await query(q)
        assert.ok(r.status === 200 || r.status === 400, `${q} -> ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
        if (r.status === 400) assert.equal(r.body.code, 'LOG_ERR_BAD_QUERY', q)
      }
      const v = await app.server.inject({ method: 'GET', url: `/api/field_values?name=${encodeURIComponent(p)}` })
      assert.equal(v.statusCode, 400)
    }
    assert.deepEqual((await rows('| stats count() as n')).rows, [[entries.length]])
  })

  test('random near-valid queries over HTTP: 200 or 400 LOG_ERR_BAD_QUERY, never a 500', async () => {
    const { default: fc } = await import('fast-check')
    const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31))
    const pieces = [
      'service:json',
      'service:kv',
      ' ',
      '| json',
      '| logfmt',
      '| extract "took=<took>ms"',
      '| fields route, took',
      '| sort by (took desc)',
      '| limit 3',
      '| stats count() as n by (route)',
      '| stats avg(took) as a, quantile(0.9, took) by (_time:1h)',
      '| top 2 by (user)',
      '| uniq by (route)',
      '| n:>5',
      '| took:>500ms',
      '| status:>=500',
      '(route:/pay OR route:/cart)',
      'NOT user:u1',
      '~"u[0-9]"',
      'req*',
      '| a:~"^x"',
      '| filter done',
      '_time:1h',
    ]
    let ok = 0
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 6 }), async (parts) => {
        const q = parts.join(' ')
        const r = await query(q)
        assert.ok(
          r.status === 200 || (r.status === 400 && r.body.code === 'LOG_ERR_BAD_QUERY'),
          `${q} -> ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`,
        )
        if (r.status === 200) ok++
      }),
      { numRuns: 150, seed },
    )
    assert.ok(ok > 20, `only ${ok} of 150 random queries ran`)
  })
})
