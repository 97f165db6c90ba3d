// Alerting end to end on the real server (embedded engine): rules from RULES_DIR and through
// /api/rules, evaluated through the LogQL engine, alert states on /api/alerts and the Grafana-facing
// endpoints, recording rules on /metrics, state kept across a restart, and bad rules refused.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ROOT, postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'
import { startWithRuleFile } from '../helpers/rules.ts'

const RULES = `groups:
  - name: api
    interval: 1s
    rules:
      - alert: ApiBoom
        expr: sum by (service) (count_over_time({service="api"} |= "boom" [10m])) > 2
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.service }} logged {{ $value }} booms"
      - alert: NeverLongEnough
        expr: sum(count_over_time({service="api"}[10m])) > 0
        for: 1h
      - record: service:lines:count10m
        expr: sum by (service) (count_over_time({service=~".+"}[10m]))
`

interface Alert {
  name: string
  state: string
  labels: Record<string, string>
  annotations: Record<string, string>
  value: number
  fingerprint: string
  firedAt?: string
}

let srv: RunningServer
const dir = tempDir('ogls-alerting-')
const rulesDir = join(dir, 'rules')
const env = { RULES_DIR: rulesDir, ALERTING_EVALUATION_INTERVAL: '1s' }

async function get(path: string): Promise<any> {
  const res = await fetch(`${srv.url}${path}`)
  assert.equal(res.status, 200, `${path}: ${res.status}`)
  return res.headers.get('content-type')?.includes('json') ? res.json() : res.text()
}
const alerts = async () => (await get('/api/alerts')) as Alert[]

before(async () => {
  mkdirSync(rulesDir)
  writeFileSync(join(rulesDir, 'api.yml'), RULES)
  srv = await startServer({ dataDir: dir, env })
  const entries = [1, 2, 3].map((i) => ({ level: 'error', service: 'api', message: `boom ${i}` }))
  assert.equal((await postJson(`${srv.url}/logs`, entries)).status, 202)
})
after(async () => {
  await srv?.stop()
  srv?.cleanup()
})

describe('rules from RULES_DIR', () => {
  test('an alerting rule fires with its labels and templated annotations', async () => {
    const a = await waitFor(async () => (await alerts()).find((x) => x.name === 'ApiBoom' && x.state === 'firing'), 20_000)
    assert.deepEqual(a.labels, { alertname: 'ApiBoom', service: 'api', severity: 'page' })
    assert.equal(a.value, 3)
    assert.equal(a.annotations.summary, 'api logged 3 booms')
    const p = await waitFor(async () => (await alerts()).find((x) => x.name === 'NeverLongEnough'))
    assert.equal(p.state, 'pending')
  })

  test('Prometheus /api/v1/rules and /api/v1/alerts in the shapes Grafana reads', async () => {
    const r = await get('/prometheus/api/v1/rules')
    assert.equal(r.status, 'success')
    const g = r.data.groups.find((x: any) => x.name === 'api')
    assert.equal(g.file, 'api')
    assert.equal(g.interval, 1)
    const boom = g.rules.find((x: any) => x.name === 'ApiBoom')
    assert.equal(boom.type, 'alerting')
    assert.equal(boom.state, 'firing')
    assert.equal(boom.health, 'ok')
    assert.equal(boom.alerts[0].value, '3')
    assert.match(boom.lastEvaluation, /^\d{4}-\d\d-\d\dT/)
    assert.equal(g.rules.find((x: any) => x.name === 'service:lines:count10m').type, 'recording')
    const a = await get('/prometheus/api/v1/alerts')
    assert.deepEqual(a.data.alerts.map((x: any) => `${x.labels.alertname}:${x.state}`).sort(), [
      'ApiBoom:firing',
      'NeverLongEnough:pending',
    ])
  })

  test('Loki /loki/api/v1/rules answers YAML by namespace, as written', async () => {
    const y = parseYaml(await get('/loki/api/v1/rules')) as Record<string, any[]>
    assert.equal(y.api?.[0].name, 'api')
    assert.equal(y.api?.[0].rules[0].alert, 'ApiBoom')
    assert.equal(y.api?.[0].interval, '1s')
    const one = parseYaml(await get('/loki/api/v1/rules/api/api'))
    assert.equal(one.rules.length, 3)
    assert.equal((await fetch(`${srv.url}/loki/api/v1/rules/nope`)).status, 404)
  })

  test('a recording rule is a gauge on /metrics', async () => {
    const text = await waitFor(async () => {
      const t = (await get('/metrics')) as string
      return /^service:lines:count10m\{service="api"\} 3$/m.test(t) && t
    }, 20_000)
    assert.match(text, /# TYPE service:lines:count10m gauge/)
    assert.match(text, /^oglogstream_alerting_rule_evaluations_total\{result="ok"\} [1-9]/m)
    assert.match(text, /^oglogstream_alerts\{state="firing"\} [1-9]/m)
    assert.match(text, /^oglogstream_alerting_evaluator 1$/m)
  })
})

describe('/api/rules', () => {
  const group = {
    name: 'web',
    interval: '1s',
    rules: [{ alert: 'WebQuiet', expr: 'sum(count_over_time({service="api"}[10m])) > 1', labels: { team: 'web' } }],
  }

  test('create, read, conflict, replace, delete', async () => {
    let r = await postJson(`${srv.url}/api/rules?namespace=team`, group)
    assert.equal(r.status, 201, JSON.stringify(r.body))
    r = await postJson(`${srv.url}/api/rules?namespace=team`, group)
    assert.equal(r.status, 409)
    assert.equal(r.body.code, 'LOG_ERR_RULE_EXISTS')
    const one = await get('/api/rules/team/web')
    assert.equal(one.group.rules[0].alert, 'WebQuiet')
    const a = await waitFor(async () => (await alerts()).find((x) => x.name === 'WebQuiet' && x.state === 'firing'), 20_000)
    assert.equal(a.labels.team, 'web')
    // YAML body, replacing
    const yaml = 'name: web\nrules:\n  - alert: WebQuiet2\n    expr: sum(count_over_time({service="api"}[10m])) > 100\n'
    let res = await fetch(`${srv.url}/api/rules/team/web`, { method: 'PUT', headers: { 'content-type': 'application/yaml' }, body: yaml })
    assert.equal(res.status, 200, await res.clone().text())
    const listed = await get('/api/rules')
    const web = listed.groups.find((g: any) => g.namespace === 'team')
    assert.deepEqual(
      web.rules.map((x: any) => x.alert),
      ['WebQuiet2'],
    )
    res = await fetch(`${srv.url}/api/rules/team/web`, { method: 'DELETE' })
    assert.equal(res.status, 204)
    res = await fetch(`${srv.url}/api/rules/team/web`, { method: 'DELETE' })
    assert.equal(res.status, 404)
    assert.equal(((await res.json()) as any).code, 'LOG_ERR_RULE_NOT_FOUND')
  })

  test('GET /api/alerts is the SPEC array: every alerting rule by name, a quiet or resolved one inactive', async () => {
    const spec = {
      name: 'spec',
      interval: '1s',
      rules: [
        {
          alert: 'Quiet',
          expr: 'sum(count_over_time({service="nobody"}[10m])) > 0',
          labels: { team: 'ops', who: '{{ $labels.service }}' },
          annotations: { summary: 'nobody logged', detail: '{{ $value }} lines' },
        },
        { alert: 'Blip', expr: 'sum(count_over_time({service="blip"}[4s])) > 0' },
      ],
    }
    const r = await postJson(`${srv.url}/api/rules?namespace=spec`, spec)
    assert.equal(r.status, 201, JSON.stringify(r.body))
    const list = async () => {
      const body = await get('/api/alerts')
      assert.ok(Array.isArray(body), `a top-level array, not ${JSON.stringify(body).slice(0, 80)}`)
      return body as (Alert & { rule: string; since: string | null; resolvedAt?: string })[]
    }
    const quiet = await waitFor(async () => (await list()).find((x) => x.name === 'Quiet'), 20_000)
    assert.deepEqual(quiet, {
      name: 'Quiet',
      rule: 'Quiet',
      state: 'inactive',
      labels: { team: 'ops', alertname: 'Quiet' },
      annotations: { summary: 'nobody logged' },
      value: null,
      since: null,
    })
    assert.equal((await postJson(`${srv.url}/logs`, [{ level: 'info', service: 'blip', message: 'once' }])).status, 202)
    const fired = await waitFor(async () => (await list()).find((x) => x.name === 'Blip' && x.state === 'firing'), 20_000)
    assert.match(fired.since ?? '', /^\d{4}-\d\d-\d\dT/)
    assert.equal(fired.labels.alertname, 'Blip')
    // once the entry leaves the 4 s window the alert is resolved: listed as inactive, with resolvedAt
    const done = await waitFor(
      async () => (await list()).find((x) => x.fingerprint === fired.fingerprint && x.state === 'inactive'),
      30_000,
    )
    assert.equal(done.since, done.resolvedAt)
    const all = await list()
    const rank = { firing: 0, pending: 1, inactive: 2 } as Record<string, number>
    assert.deepEqual(
      all.map((x) => rank[x.state]),
      all.map((x) => rank[x.state]).sort(),
      'firing first, then pending, then inactive',
    )
    for (const x of all) assert.ok(['inactive', 'pending', 'firing'].includes(x.state), x.state)
    assert.equal((await fetch(`${srv.url}/api/rules/spec/spec`, { method: 'DELETE' })).status, 204)
  })

  test('a bad rule is a 400 naming the rule and the problem; the others keep running', async () => {
    const r = await postJson(`${srv.url}/api/rules`, { name: 'bad', rules: [{ alert: 'Bad', expr: 'sum(rate({a="b"}[1m])' }] })
    assert.equal(r.status, 400)
    assert.equal(r.body.code, 'LOG_ERR_BAD_RULE')
    assert.match(r.body.error, /group "bad", rule 1 \(Bad\): could not parse expression/)
    const u = await postJson(`${srv.url}/api/rules`, { name: 'bad', rules: [{ alert: 'Bad', expr: 'vector(1)', forr: '1m' }] })
    assert.equal(u.status, 400)
    assert.match(u.body.error, /field forr not found/)
    const put = await fetch(`${srv.url}/api/rules/default/none`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'none', rules: [] }),
    })
    assert.equal(put.status, 404)
    const file = await fetch(`${srv.url}/api/rules/api/api`, { method: 'DELETE' })
    assert.equal(file.status, 400)
  })
})

describe('state across a restart', () => {
  test('a firing alert stays firing, since the same time, and is not fired again', async () => {
    const before = await waitFor(async () => (await alerts()).find((x) => x.name === 'ApiBoom' && x.state === 'firing'), 20_000)
    await srv.stop()
    srv = await startServer({ dataDir: dir, env })
    // a few rounds after the restart
    const round = async () => (await get('/api/rules')).groups.find((g: any) => g.name === 'api').rules[0].lastEvaluation as string
    const t0 = Date.parse(await round())
    await waitFor(async () => Date.parse(await round()) > t0 + 1500, 20_000)
    const now = (await alerts()).find((x) => x.fingerprint === before.fingerprint)
    assert.equal(now?.state, 'firing')
    assert.equal(now?.firedAt, before.firedAt)
    const h = (await get('/api/alerts/history?limit=1000')).history as { fingerprint: string; to_state: string }[]
    assert.equal(h.filter((x) => x.fingerprint === before.fingerprint && x.to_state === 'firing').length, 1)
  })
})

test('a rule file that does not parse stops start-up, naming the file, the rule and the line', () => {
  const r = startWithRuleFile(
    'bad.yaml',
    'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(rate({a="b"}[1m]))\n        for: soon\n',
  )
  assert.equal(r.status, 2, r.stderr + r.stdout)
  assert.match(r.stderr, /invalid rules: .*bad\.yaml:\d+: group "g", rule 1 \(A\): for: not a valid duration/)
})

test('the example rule file passes promtool check rules and our own parser', async () => {
  const file = join(ROOT, 'deploy/rules/oglogstream.yml')
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /SUCCESS: 3 rules found/)
  const { parseRuleFile } = await import('../../server/src/alerting/rules.ts')
  const { readFileSync } = await import('node:fs')
  assert.equal(parseRuleFile(readFileSync(file, 'utf8'), 'oglogstream', file)[0]?.rules.length, 3)
})
