// Rules written in `q` (issue 16: "a q stats query with a condition is accepted too"; issue 17: "alert
// rules can fire on a new pattern"), end to end on the real server: a stats query with a condition
// fires one alert per row with its `by` fields as labels, a q recording rule is a gauge, and
// `| new_patterns` fires on the templates the real miner first saw within the window (not on one first
// seen an hour ago that is still logged). The alerts reach a real Alertmanager (Debian's
// prometheus-alertmanager), which routes them to a webhook this test runs. A bad q is a 400 naming the
// rule and the position, and stops start-up naming the file.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { getJson, postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'
import { startWithRuleFile } from '../helpers/rules.ts'
import { startAlertmanager, type Alertmanager } from '../helpers/alertmanager.ts'

const RULES = `groups:
  - name: q
    interval: 1s
    rules:
      - alert: ServiceErrors
        expr: 'q: _time:10m level:error | stats count() as n by (service) | n:>2'
        labels: { severity: warning }
        annotations: { summary: "{{ $labels.service }}: {{ $value }} errors in 10 min" }
      - record: q:lines:count10m
        expr: 'q: _time:10m | stats count() as lines, count_uniq(host) as hosts by (service)'
      - alert: NewPattern
        expr: 'q: _time:10m service:shop | new_patterns'
        annotations: { summary: "new in {{ $labels.service }}: {{ $labels.template }}" }
`

interface Alert {
  name: string
  state: string
  labels: Record<string, string>
  annotations: Record<string, string>
  value: number
}

let srv: RunningServer
let am: Alertmanager | undefined
let capture: Server
const received: any[] = []
const dir = tempDir('ogls-qrules-')
const alerts = async () => (await getJson(`${srv.url}/api/alerts`)).body as Alert[]

before(async () => {
  capture = createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => (raw += c))
    req.on('end', () => {
      received.push(JSON.parse(raw))
      res.writeHead(200).end('{}')
    })
  })
  await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r))
  const capturePort = (capture.address() as { port: number }).port
  am = await startAlertmanager(join(dir, 'am'), `http://127.0.0.1:${capturePort}/am-webhook`, ['alertname', 'pattern_id'])
  mkdirSync(join(dir, 'rules'))
  writeFileSync(join(dir, 'rules', 'q.yml'), RULES)
  const [s] = await Promise.all([
    startServer({
      dataDir: dir,
      env: {
        RULES_DIR: join(dir, 'rules'),
        ALERTING_EVALUATION_INTERVAL: '1s',
        ALERTMANAGER_URL: am.url,
        RATE_LIMIT_MAX: '0',
      },
    }),
    am.ready,
  ])
  srv = s
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString()
  const entries = [
    // shop: 3 errors of one new template, and a template first seen an hour ago that is logged again now
    ...[1, 2, 3].map((i) => ({
      level: 'error',
      service: 'shop',
      message: `payment declined for order ${1000 + i}`,
      attributes: { host: `h${i}` },
    })),
    { level: 'info', service: 'shop', message: 'disk check took 5 ms', timestamp: hourAgo, attributes: { host: 'h1' } },
    { level: 'info', service: 'shop', message: 'disk check took 7 ms', attributes: { host: 'h1' } },
    // web: 2 errors, under the condition; its templates are new, but the rule reads shop only
    ...[1, 2].map((i) => ({ level: 'error', service: 'web', message: `upstream timeout after ${i}s`, attributes: { host: 'w1' } })),
  ]
  assert.equal((await postJson(`${srv.url}/logs`, entries)).status, 202)
  await waitFor(async () => (await getJson(`${srv.url}/api/stats`)).body.total_logs === entries.length, 20_000)
})
after(async () => {
  await srv?.stop()
  srv?.cleanup()
  am?.stop()
  capture?.close()
})

test('a q stats query with a condition fires one alert per row, its by fields as labels and the compared column as the value', async () => {
  const a = await waitFor(async () => (await alerts()).find((x) => x.name === 'ServiceErrors' && x.state === 'firing'), 20_000)
  assert.deepEqual(a.labels, { alertname: 'ServiceErrors', service: 'shop', severity: 'warning' })
  assert.equal(a.value, 3)
  assert.equal(a.annotations.summary, 'shop: 3 errors in 10 min')
  // web's 2 errors are under the condition: no alert, in a round after the one that fired
  const rules = async () =>
    (await getJson(`${srv.url}/api/rules`)).body.groups[0].rules as { health: string; lastEvaluation: string; lastError: string }[]
  const t0 = Date.parse((await rules())[0]?.lastEvaluation as string)
  await waitFor(async () => Date.parse((await rules())[0]?.lastEvaluation as string) > t0, 20_000)
  assert.deepEqual(
    (await alerts()).filter((x) => x.name === 'ServiceErrors').map((x) => x.labels.service),
    ['shop'],
  )
  for (const r of await rules()) assert.equal(r.health, 'ok', r.lastError)
})

test('a q recording rule is a gauge per row on /metrics', async () => {
  await waitFor(async () => {
    const t = await (await fetch(`${srv.url}/metrics`)).text()
    return /^q:lines:count10m\{service="shop"\} 4$/m.test(t) && /^q:lines:count10m\{service="web"\} 2$/m.test(t)
  }, 20_000)
})

test('| new_patterns fires on each template the miner first saw within the window, with pattern_id, service and template', async () => {
  const firing = await waitFor(async () => {
    const l = (await alerts()).filter((x) => x.name === 'NewPattern' && x.state === 'firing')
    return l.length >= 1 && l
  }, 20_000)
  // the pattern ids are the ones the stored entries carry
  const logs = (await getJson(`${srv.url}/api/logs?service=shop&limit=100`)).body as { message: string; pattern_id: string }[]
  const declined = logs.find((e) => e.message.startsWith('payment declined'))?.pattern_id
  const disk = logs.find((e) => e.message.startsWith('disk check'))?.pattern_id
  assert.ok(declined && disk && declined !== disk)
  assert.equal(firing.length, 1, JSON.stringify(firing))
  const [a] = firing as [Alert]
  assert.equal(a.labels.pattern_id, declined)
  assert.equal(a.labels.service, 'shop')
  assert.match(a.labels.template as string, /^payment declined for order <\*>$/)
  assert.equal(a.value, 3)
  assert.equal(a.annotations.summary, `new in shop: ${a.labels.template}`)
  // the template first seen an hour ago, though logged within the window, is not new
  assert.ok(!(await alerts()).some((x) => x.labels.pattern_id === disk))

  // the real Alertmanager got both rules' alerts and routed them to its webhook
  const got = await waitFor(async () => {
    const all = received.flatMap((b) => b.alerts as { labels: Record<string, string>; status: string }[])
    const np = all.find((x) => x.labels.alertname === 'NewPattern')
    const se = all.find((x) => x.labels.alertname === 'ServiceErrors')
    return np && se && { np, se }
  }, 30_000)
  assert.equal(got.np.status, 'firing')
  assert.equal(got.np.labels.pattern_id, declined)
  assert.equal(got.np.labels.template, a.labels.template)
  assert.equal(got.se.labels.service, 'shop')
})

test('a bad q rule is a 400 naming the rule and the position', async () => {
  const r = await postJson(`${srv.url}/api/rules`, {
    name: 'bad',
    rules: [{ alert: 'BadQ', expr: 'q: _time:5m | stats count() as n by (service) | m:>1' }],
  })
  assert.equal(r.status, 400)
  assert.equal(r.body.code, 'LOG_ERR_BAD_RULE')
  assert.match(r.body.error, /group "bad", rule 1 \(BadQ\): could not parse expression: unknown field 'm'.* at position 48/)
  const ok = await postJson(`${srv.url}/api/rules?namespace=team`, {
    name: 'fromapi',
    interval: '1s',
    rules: [{ alert: 'ApiQ', expr: 'q: _time:10m service:web | stats count() as n by (service, level) | n:>=2' }],
  })
  assert.equal(ok.status, 201, JSON.stringify(ok.body))
  const a = await waitFor(async () => (await alerts()).find((x) => x.name === 'ApiQ' && x.state === 'firing'), 20_000)
  assert.deepEqual(a.labels, { alertname: 'ApiQ', service: 'web', level: 'error' })
})

test('a rule file with a bad q stops start-up, naming the file, the rule and the position', () => {
  const r = startWithRuleFile(
    'bad.yml',
    "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: 'q: level:error | stats count() as n'\n",
  )
  assert.equal(r.status, 2, r.stderr + r.stdout)
  assert.match(
    r.stderr,
    /invalid rules: .*bad\.yml:5: group "g", rule 1 \(A\): could not parse expression: .*_time:<duration>.* at position 3/,
  )
})
