// deploy/prometheus/rules.yml and deploy/grafana/oglogstream.json against the metrics a running
// server really exports: Debian's promtool checks the rules and runs their unit tests
// (rules_test.yml), and proves a broken threshold fails them; every PromQL expression of the rules
// and of the dashboard (syntax-checked by promtool as recording rules) may only name metrics and
// labels found in a real /metrics scrape.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { parse, stringify } from 'yaml'
import { ROOT, getJson, postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

const PROMTOOL = '/usr/bin/promtool'
const RULES = join(ROOT, 'deploy/prometheus/rules.yml')
const RULES_TEST = join(ROOT, 'deploy/prometheus/rules_test.yml')
const DASHBOARD = join(ROOT, 'deploy/grafana/oglogstream.json')

interface Rule {
  alert?: string
  record?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules)

interface Panel {
  id: number
  title: string
  type: string
  datasource?: { uid: string }
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[]
}
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  uid: string
  panels: Panel[]
  templating: { list: { name: string; type: string; query: unknown }[] }
}
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })))

/** The dashboard's Grafana variables replaced as Grafana would (all jobs, a 5-minute rate window). */
const grafanaToPromql = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$job', '.*')

const FUNCTIONS = new Set(
  'sum min max avg count stddev stdvar topk bottomk quantile count_values group rate irate increase delta idelta deriv predict_linear histogram_quantile clamp_min clamp_max clamp abs ceil floor round sqrt exp ln log2 log10 time timestamp vector scalar label_replace label_join absent absent_over_time changes resets sort sort_desc avg_over_time min_over_time max_over_time sum_over_time count_over_time last_over_time quantile_over_time and or unless by without on ignoring group_left group_right bool offset'.split(
    ' ',
  ),
)
/** Labels that Prometheus adds (job, instance), that Kubernetes scrapes add (pod), and of histograms (le). */
const TARGET_LABELS = new Set(['job', 'instance', 'pod', 'le'])

/** The metric names and the label names an expression uses. */
function namesOf(expr: string): { metrics: Set<string>; labels: Set<string> } {
  const labels = new Set<string>()
  let e = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')
  for (const m of e.matchAll(/\{([^}]*)\}/g))
    for (const l of (m[1] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.add(l[1] as string)
  for (const m of e.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g))
    for (const l of (m[1] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      labels.add(l)
  e = e
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const metrics = new Set<string>()
  for (const m of e.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const id = m[0]
    if (FUNCTIONS.has(id) || /^(?:e|inf|nan)$/i.test(id) || /\d(?:e)$/.test(id)) continue
    metrics.add(id)
  }
  return { metrics, labels }
}

let srv: RunningServer
let scrape = ''
const exported = new Set<string>()
const exportedLabels = new Set<string>()
let dir: string

before(async () => {
  dir = tempDir('ogls-monitoring-')
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0' } })
  // Enough traffic that the labelled series exist: an ingest, a rejection, queries, a live client.
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/live`)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  assert.equal((await postJson(`${srv.url}/logs`, [{ level: 'info', service: 'mon', message: 'one' }])).status, 202)
  assert.equal((await postJson(`${srv.url}/log`, { level: 'loud', service: 'mon', message: 'bad' })).status, 400)
  await waitFor(async () => {
    const r = await getJson(`${srv.url}/api/logs?service=mon`)
    return Array.isArray(r.body) && r.body.length === 1
  }, 30_000)
  scrape = await (await fetch(`${srv.url}/metrics`)).text()
  ws.close()
  for (const line of scrape.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)/.exec(line)
    if (t) {
      const [, name, type] = t as unknown as [string, string, string]
      exported.add(name)
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(name + s)
      if (type === 'summary') for (const s of ['_sum', '_count']) exported.add(name + s)
      continue
    }
    const s = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s/.exec(line)
    if (s) {
      exported.add(s[1] as string)
      for (const l of (s[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) exportedLabels.add(l[1] as string)
    }
  }
})

after(async () => {
  await srv?.stop()
  srv?.cleanup()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const promtool = (args: string[], cwd = ROOT) => spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8', timeout: 120_000 })

test('promtool check rules accepts rules.yml', () => {
  const r = promtool(['check', 'rules', RULES])
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`))
  // The alerts the issue asks for.
  const names = rules.map((x) => x.alert)
  for (const a of [
    'OgLogStreamBacklogGrowing',
    'OgLogStreamInsertErrors',
    'OgLogStreamBusUnavailable',
    'OgLogStreamEntriesRejected',
    'OgLogStreamLiveClientsDropped',
    'OgLogStreamQueryLatencyHigh',
    'OgLogStreamAlertRulesFailing',
    'OgLogStreamAlertNotificationsFailing',
    'OgLogStreamAlertOutboxBacklog',
    'OgLogStreamAlertEvaluatorCount',
  ])
    assert.ok(names.includes(a), a)
  for (const x of rules) {
    assert.ok(x.labels?.severity === 'warning' || x.labels?.severity === 'critical', `${x.alert}: severity`)
    assert.ok(x.annotations?.summary && x.annotations.description, `${x.alert}: summary and description`)
  }
})

test('promtool test rules passes rules_test.yml, and fails when a threshold is broken', () => {
  const ok = promtool(['test', 'rules', RULES_TEST])
  assert.equal(ok.status, 0, ok.stdout + ok.stderr)
  assert.match(ok.stdout, /SUCCESS/)
  // Every alert has a unit test.
  const tested = new Set([...readFileSync(RULES_TEST, 'utf8').matchAll(/alertname: (\S+)/g)].map((m) => m[1]))
  assert.deepEqual(
    rules.map((x) => x.alert).filter((a) => !tested.has(a)),
    [],
  )
  // The same tests against rules whose backlog threshold is a hundred times higher: they must fail.
  copyFileSync(RULES_TEST, join(dir, 'rules_test.yml'))
  writeFileSync(
    join(dir, 'rules.yml'),
    readFileSync(RULES, 'utf8').replace('(oglogstream_queue_depth_entries) > 10000', '(oglogstream_queue_depth_entries) > 1000000'),
  )
  const broken = promtool(['test', 'rules', 'rules_test.yml'], dir)
  assert.notEqual(broken.status, 0)
  assert.match(broken.stdout + broken.stderr, /OgLogStreamBacklogGrowing/)
  // And alerting's outbox threshold.
  writeFileSync(
    join(dir, 'rules.yml'),
    readFileSync(RULES, 'utf8').replace('(oglogstream_alerting_outbox_oldest_pending_seconds) > 600', '(oglogstream_alerting_outbox_oldest_pending_seconds) > 60000'),
  )
  const broken2 = promtool(['test', 'rules', 'rules_test.yml'], dir)
  assert.notEqual(broken2.status, 0)
  assert.match(broken2.stdout + broken2.stderr, /OgLogStreamAlertOutboxBacklog/)
})

test('the rules name only metrics and labels a running server exports', () => {
  assert.ok(exported.size > 30, `scraped ${exported.size} names`)
  for (const x of rules) {
    const { metrics, labels } = namesOf(x.expr)
    assert.ok(metrics.size > 0, `${x.alert}: no metric found in ${x.expr}`)
    for (const m of metrics) assert.ok(m === 'up' || exported.has(m), `${x.alert}: ${m} is not exported by /metrics`)
    for (const l of labels) assert.ok(TARGET_LABELS.has(l) || exportedLabels.has(l), `${x.alert}: label ${l} is on no exported series`)
  }
})

test('the Grafana dashboard: valid PromQL over exported metrics only, the panels the issue asks for', () => {
  assert.equal(dashboard.uid, 'oglogstream')
  const ids = dashboard.panels.map((p) => p.id)
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  assert.ok(dashboard.templating.list.some((v) => v.type === 'datasource' && v.name === 'datasource'))
  for (const p of dashboard.panels) {
    assert.equal(p.datasource?.uid, '${datasource}', p.title)
    assert.ok((p.targets ?? []).length > 0, `${p.title}: no query`)
  }
  const titles = dashboard.panels.map((p) => p.title).join(' | ')
  for (const want of [
    /Ingest rate by protocol/,
    /Rejected entries by reason/,
    /Backlog/,
    /Batch sizes/,
    /Insert latency/,
    /Query latency/,
    /Live/,
    /Alerting: rule evaluations/,
    /Alerting: notifications and outbox/,
  ])
    assert.match(titles, want)

  for (const { panel, expr } of dashboardExprs) {
    const { metrics, labels } = namesOf(grafanaToPromql(expr))
    assert.ok(metrics.size > 0, `${panel}: no metric in ${expr}`)
    for (const m of metrics) assert.ok(exported.has(m), `${panel}: ${m} is not exported by /metrics`)
    for (const l of labels) assert.ok(TARGET_LABELS.has(l) || exportedLabels.has(l), `${panel}: label ${l} is on no exported series`)
  }
  // Every expression parses: promtool checks them as recording rules.
  const file = join(dir, 'dashboard-rules.yml')
  writeFileSync(
    file,
    stringify({
      groups: [
        { name: 'dashboard', rules: dashboardExprs.map((d, i) => ({ record: `dashboard:expr_${i}`, expr: grafanaToPromql(d.expr) })) },
      ],
    }),
  )
  const r = promtool(['check', 'rules', file])
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, new RegExp(`SUCCESS: ${dashboardExprs.length} rules found`))
})

test('the metric check can fail: a misspelt name or label is caught', () => {
  const { metrics, labels } = namesOf('sum by (protocl) (rate(oglogstream_entries_acepted_total{job=~".*"}[5m]))')
  assert.deepEqual([...metrics], ['oglogstream_entries_acepted_total'])
  assert.ok(!exported.has('oglogstream_entries_acepted_total'))
  assert.ok(labels.has('protocl') && !exportedLabels.has('protocl'))
  assert.ok(exported.has('oglogstream_bus_up'), 'the bus gauge the alert uses')
  assert.match(scrape, /^oglogstream_bus_up 1$/m)
})
