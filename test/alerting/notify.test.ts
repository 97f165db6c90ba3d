// Notifications end to end: the real server evaluates a rule and notifies a real Alertmanager
// (Debian's prometheus-alertmanager, routing to a webhook receiver this test runs), a second
// Alertmanager-API endpoint that records every post, and, through ALERTING_CONFIG, a signed webhook,
// a Slack incoming webhook and PagerDuty Events v2, all local capture servers whose payloads are
// checked against the documented schemas. The webhook is down when the alert fires and the server is
// SIGKILLed while the notification waits in the outbox: after the restart it is delivered once.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'
import { startAlertmanager, type Alertmanager } from '../helpers/alertmanager.ts'

interface Hit {
  path: string
  headers: Record<string, string | string[] | undefined>
  raw: string
  body: any
}
const hits: Hit[] = []
let webhookUp = false
let capture: Server
let capturePort = 0
let am: Alertmanager | undefined
let srv: RunningServer
const dir = tempDir('ogls-notify-')
const SECRET = 's3cret'
const EXTERNAL = 'http://oglogstream.example:8080'
const of = (path: string) => hits.filter((h) => h.path === path)

const RULES = `groups:
  - name: api
    interval: 1s
    rules:
      - alert: ApiBoom
        expr: sum by (service) (count_over_time({service="api"} |= "boom" [25s])) > 2
        labels: { severity: critical, team: chat }
        annotations: { summary: "{{ $labels.service }} logged {{ $value }} booms" }
`

function config(port: number) {
  const u = (p: string) => `http://127.0.0.1:${port}${p}`
  return `receivers:
  - name: hook
    webhook: { url: ${u('/hook')}, secret: ${SECRET} }
  - name: chat
    slack: { url: ${u('/slack')} }
  - name: pager
    pagerduty: { routing_key: 0123456789abcdef0123456789abcdef, url: ${u('/pd')} }
route:
  receiver: hook
  routes:
    - match: { severity: critical }
      receiver: pager
      continue: true
    - match_re: { team: "chat|ops" }
      receiver: chat
      continue: true
    - match: { team: chat }
      receiver: hook
`
}

// ---- documented schemas ----------------------------------------------------------------------

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/
/** Slack Block Kit limits (api.slack.com/reference/block-kit/blocks). */
function checkSlack(b: any): void {
  assert.equal(typeof b.text, 'string')
  assert.ok(Array.isArray(b.blocks) && b.blocks.length > 0 && b.blocks.length <= 50)
  for (const x of b.blocks) {
    assert.ok(['header', 'section', 'context', 'actions', 'divider'].includes(x.type), x.type)
    if (x.type === 'header') assert.ok(x.text.type === 'plain_text' && x.text.text.length <= 150)
    if (x.type === 'section') {
      assert.ok(x.text || x.fields)
      if (x.text) assert.ok(['mrkdwn', 'plain_text'].includes(x.text.type) && x.text.text.length <= 3000)
      if (x.fields) assert.ok(x.fields.length <= 10 && x.fields.every((f: any) => f.text.length <= 2000))
    }
    if (x.type === 'actions') for (const e of x.elements) assert.ok(e.type === 'button' && e.text.text.length <= 75 && e.url.length <= 3000)
  }
}
/** PagerDuty Events API v2 (developer.pagerduty.com/docs/events-api-v2/trigger-events). */
function checkPagerDuty(b: any): void {
  assert.equal(typeof b.routing_key, 'string')
  assert.ok(['trigger', 'acknowledge', 'resolve'].includes(b.event_action))
  assert.ok(typeof b.dedup_key === 'string' && b.dedup_key.length <= 255)
  if (b.event_action === 'trigger') {
    assert.ok(typeof b.payload.summary === 'string' && b.payload.summary.length <= 1024)
    assert.ok(typeof b.payload.source === 'string' && b.payload.source.length > 0)
    assert.ok(['critical', 'error', 'warning', 'info'].includes(b.payload.severity))
    assert.match(b.payload.timestamp, ISO)
  }
}

before(async () => {
  capture = createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => (raw += c))
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] as string
      if (path === '/hook' && !webhookUp) {
        res.writeHead(503).end('down for maintenance')
        return
      }
      hits.push({ path, headers: req.headers, raw, body: raw ? JSON.parse(raw) : undefined })
      res.writeHead(path === '/pd' ? 202 : 200, { 'content-type': 'application/json' }).end(path === '/slack' ? 'ok' : '{}')
    })
  })
  await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r))
  capturePort = (capture.address() as { port: number }).port

  am = await startAlertmanager(join(dir, 'am'), `http://127.0.0.1:${capturePort}/am-webhook`)
  await am.ready

  mkdirSync(join(dir, 'rules'))
  writeFileSync(join(dir, 'rules', 'api.yml'), RULES)
  writeFileSync(join(dir, 'alerting.yml'), config(capturePort))
})
after(async () => {
  await srv?.stop()
  srv?.cleanup()
  am?.stop()
  capture?.close()
})

const env = () => ({
  RULES_DIR: join(dir, 'rules'),
  ALERTING_CONFIG: join(dir, 'alerting.yml'),
  ALERTMANAGER_URL: `${am?.url},http://127.0.0.1:${capturePort}/am-api`,
  EXTERNAL_URL: EXTERNAL,
  ALERTING_EVALUATION_INTERVAL: '1s',
  ALERTING_RESEND_DELAY: '2s',
})

test('firing and resolved reach Alertmanager, the webhook, Slack and PagerDuty once each, across a receiver outage and a SIGKILL', async () => {
  srv = await startServer({ dataDir: dir, env: env() })
  assert.equal(
    (
      await postJson(
        `${srv.url}/logs`,
        [1, 2, 3].map((i) => ({ level: 'error', service: 'api', message: `boom ${i}` })),
      )
    ).status,
    202,
  )

  // Alertmanager API v2 bodies, re-sent while firing
  await waitFor(async () => of('/am-api/api/v2/alerts').length >= 2, 30_000).catch((e) => {
    console.log(
      'HITS',
      hits.map((h) => h.path),
      srv.output().slice(-3000),
    )
    throw e
  })
  const [first] = of('/am-api/api/v2/alerts')[0]?.body as any[]
  assert.deepEqual(first.labels, { alertname: 'ApiBoom', service: 'api', severity: 'critical', team: 'chat' })
  assert.equal(first.annotations.summary, 'api logged 3 booms')
  assert.match(first.startsAt, ISO)
  assert.ok(Date.parse(first.endsAt) > Date.now(), 'a firing alert ends in the future')
  assert.ok(first.generatorURL.startsWith(`${EXTERNAL}/`), first.generatorURL)
  // the real Alertmanager took it and routed it to its webhook receiver
  const amHook = await waitFor(async () => of('/am-webhook').find((h) => h.body.status === 'firing'), 30_000)
  assert.equal(amHook.body.alerts[0].labels.alertname, 'ApiBoom')
  assert.ok(amHook.body.alerts[0].generatorURL.startsWith(EXTERNAL))

  // Slack and PagerDuty
  const slack = await waitFor(async () => of('/slack')[0], 20_000)
  checkSlack(slack.body)
  assert.match(JSON.stringify(slack.body.blocks), /FIRING: ApiBoom/)
  assert.match(JSON.stringify(slack.body.blocks), /count_over_time/)
  const pd = await waitFor(async () => of('/pd')[0], 20_000)
  checkPagerDuty(pd.body)
  assert.equal(pd.body.event_action, 'trigger')
  assert.equal(pd.body.payload.severity, 'critical')

  // The webhook is down: attempts are retried and recorded
  await waitFor(async () => {
    const h = (await (await fetch(`${srv.url}/api/alerts/history?limit=1000`)).json()) as { history: any[] }
    return h.history.some((x) => x.kind === 'notification' && x.receiver === 'hook (webhook)' && x.outcome === 'retry')
  }, 20_000)
  assert.equal(of('/hook').length, 0)
  // The waiting notification is the outbox's backlog on /metrics (read every 10 s), and the retries are counted.
  const metric = async (re: RegExp) => re.exec(await (await fetch(`${srv.url}/metrics`)).text())
  await waitFor(() => metric(/^oglogstream_alerting_outbox_pending [1-9]/m), 25_000)
  assert.ok(Number((await metric(/^oglogstream_alerting_outbox_oldest_pending_seconds (\S+)$/m))?.[1]) > 0)
  assert.ok(await metric(/^oglogstream_alerting_notifications_total\{kind="webhook",outcome="retry"\} [1-9]/m))
  await srv.stop('SIGKILL')
  webhookUp = true
  srv = await startServer({ dataDir: dir, env: env() })

  const hook = await waitFor(async () => of('/hook')[0], 30_000)
  assert.equal(hook.headers['x-oglogstream-signature'], `sha256=${createHmac('sha256', SECRET).update(hook.raw).digest('hex')}`)
  assert.equal(hook.body.status, 'firing')
  assert.equal(hook.body.alerts[0].labels.alertname, 'ApiBoom')

  // After the window passes the alert resolves: every receiver hears it once
  await waitFor(
    async () =>
      of('/hook').some((h) => h.body.status === 'resolved') &&
      of('/pd').some((h) => h.body.event_action === 'resolve') &&
      of('/slack').length >= 2,
    60_000,
  )
  await waitFor(async () => of('/am-webhook').some((h) => h.body.status === 'resolved'), 30_000)
  const resolvedAm = of('/am-api/api/v2/alerts').at(-1)?.body[0]
  assert.ok(Date.parse(resolvedAm.endsAt) <= Date.now())
  // a few more rounds: nothing more arrives
  const round = async () => Date.parse(((await (await fetch(`${srv.url}/api/rules`)).json()) as any).groups[0].rules[0].lastEvaluation)
  const t = await round()
  await waitFor(async () => (await round()) > t + 2500, 20_000)
  assert.deepEqual(
    of('/hook').map((h) => h.body.status),
    ['firing', 'resolved'],
  )
  assert.deepEqual(
    of('/pd').map((h) => h.body.event_action),
    ['trigger', 'resolve'],
  )
  const keys = new Set(of('/pd').map((h) => h.body.dedup_key))
  assert.equal(keys.size, 1, 'one dedup_key for the alert')
  for (const h of of('/pd')) checkPagerDuty(h.body)
  assert.equal(of('/slack').length, 2)
  checkSlack(of('/slack')[1]?.body)
  assert.match(JSON.stringify(of('/slack')[1]?.body), /RESOLVED/)
  // Everything delivered: the backlog is empty again.
  await waitFor(async () => /^oglogstream_alerting_outbox_pending 0$/m.test(await (await fetch(`${srv.url}/metrics`)).text()), 25_000)
})
