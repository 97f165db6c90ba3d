// One evaluator per cluster (issue 16), with a real nats-server.
// 1. Real processes: two instances in distributed mode contend for the NATS KV lease; exactly one
//    evaluates (oglogstream_alerting_evaluator on /metrics); SIGKILL it and the other takes over.
// 2. Hand-over of state: two Alerting services sharing one store (the embedded engine in this test
//    process; two real processes would need a ClickHouse server, see README "Alerting"), each with its own
//    NATS connection and lease. The leader loses NATS; the other takes over, resumes the firing alert
//    from the store without firing it again, and the webhook hears one firing and one resolved.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { NatsLease } from '../../server/src/bus/nats/lease.ts'
import { Alerting } from '../../server/src/alerting/index.ts'
import { startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'
import { startNats, type NatsSetup } from '../helpers/nats.ts'
import { tempStore } from '../helpers/store.ts'

let nats: NatsSetup
before(async () => {
  nats = await startNats()
})
after(async () => {
  await nats?.stop()
})

const RULE = `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Always
        expr: vector(1)
`

describe('real processes', () => {
  const servers: RunningServer[] = []
  after(async () => {
    for (const s of servers) {
      await s.stop('SIGKILL')
      s.cleanup()
    }
  })

  test('exactly one instance evaluates (recording rules are gauges on that one only); SIGKILL it and another takes over within two evaluation intervals', async () => {
    const dir = tempDir('ogls-lease-')
    mkdirSync(join(dir, 'rules'))
    writeFileSync(join(dir, 'rules', 'r.yml'), `${RULE}      - record: lease:evaluated\n        expr: vector(7)\n`)
    const env = { NATS_URL: nats.url, RULES_DIR: join(dir, 'rules'), ALERTING_LEASE_TTL: '2s', ALERTING_EVALUATION_INTERVAL: '2s' }
    for (let i = 0; i < 2; i++) servers.push(await startServer({ env }))
    const evaluating = async (s: RunningServer) =>
      /^oglogstream_alerting_evaluator 1$/m.test(await (await fetch(`${s.url}/metrics`)).text())
    const leaders = async () => (await Promise.all(servers.map(evaluating))).map((x, i) => (x ? i : -1)).filter((i) => i >= 0)
    const first = await waitFor(async () => {
      const l = await leaders()
      return l.length === 1 && l
    }, 20_000)
    for (let i = 0; i < 10; i++) {
      assert.ok((await leaders()).length <= 1, 'two evaluators at once')
      await new Promise((r) => setTimeout(r, 200))
    }
    const leader = servers[first[0] as number] as RunningServer
    const other = servers[1 - (first[0] as number)] as RunningServer
    // A recording rule's gauge is on the evaluator's /metrics only: Prometheus, scraping every instance, gets it once.
    const recorded = async (s: RunningServer) => /^lease:evaluated 7$/m.test(await (await fetch(`${s.url}/metrics`)).text())
    await waitFor(() => recorded(leader), 20_000)
    assert.equal(await recorded(other), false)
    const killed = Date.now()
    await leader.stop('SIGKILL')
    await waitFor(() => evaluating(other), 20_000, 100)
    const tookMs = Date.now() - killed
    await waitFor(() => recorded(other), 20_000)
    console.log(`# lease hand-over after SIGKILL: ${tookMs} ms (TTL 2 s, evaluation interval 2 s)`)
    assert.ok(tookMs <= 2 * 2_000 + 1_000, `took ${tookMs} ms`)
  })
})

describe('state survives the hand-over', () => {
  const ts = tempStore('lease-state')
  const hits: { status: string }[] = []
  let hook: Server
  let url = ''
  before(async () => {
    hook = createServer((req, res) => {
      let raw = ''
      req.on('data', (c) => (raw += c))
      req.on('end', () => {
        hits.push(JSON.parse(raw) as { status: string })
        res.end('{}')
      })
    })
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`
  })
  after(() => hook?.close())

  test('the new evaluator resumes the firing alert; one firing and one resolved notification in all', async () => {
    const dir = tempDir('ogls-lease2-')
    mkdirSync(join(dir, 'rules'))
    writeFileSync(join(dir, 'rules', 'r.yml'), RULE)
    writeFileSync(join(dir, 'alerting.yml'), `receivers:\n  - name: hook\n    webhook: { url: ${url} }\nroute: { receiver: hook }\n`)
    let condition = true
    const query = async () => (condition ? [{ labels: {}, value: 1 }] : [])
    const log = pino({ level: 'silent' })
    const instances = await Promise.all(
      [0, 1].map(async () => {
        const nc = await connect({ servers: nats.url })
        const lease = new NatsLease(jetstream(nc), await jetstreamManager(nc), 'alerting-evaluator-test', 1_500, 1, log)
        const a = new Alerting(
          ts.store,
          new Registry(),
          {
            rulesDir: join(dir, 'rules'),
            evaluationIntervalMs: 1_000,
            externalUrl: '',
            ruleSyncMs: 500,
            notify: {
              configFile: join(dir, 'alerting.yml'),
              alertmanagerUrls: [],
              timeoutMs: 2_000,
              resendDelayMs: 60_000,
              retryBaseMs: 200,
              retryMaxMs: 1_000,
              giveUpAfterMs: 60_000,
              pollMs: 200,
            },
          },
          log,
          query,
        )
        a.init()
        a.run(lease)
        return { a, lease, nc }
      }),
    )
    try {
      await waitFor(async () => hits.length >= 1, 20_000)
      const leader = await waitFor(async () => instances.find((i) => i.lease.held))
      const follower = instances.find((i) => i !== leader) as (typeof instances)[number]
      // The leader is cut off from NATS (as a crashed or partitioned process): its lease lapses.
      await leader.nc.close()
      await waitFor(async () => follower.lease.held && follower.a.evaluator.rounds >= 3, 20_000)
      assert.ok(!leader.lease.held)
      assert.ok(!leader.a.evaluator.active, 'the old leader stopped evaluating')
      assert.deepEqual(
        hits.map((h) => h.status),
        ['firing'],
        'not fired again by the new evaluator',
      )
      condition = false
      await waitFor(async () => hits.length >= 2, 20_000)
      const rounds = follower.a.evaluator.rounds
      await waitFor(async () => follower.a.evaluator.rounds >= rounds + 2, 20_000)
      assert.deepEqual(
        hits.map((h) => h.status),
        ['firing', 'resolved'],
      )
      const history = await follower.a.alertStore.history(undefined, 1000)
      assert.deepEqual(
        history
          .filter((h) => h.kind === 'state')
          .map((h) => h.to_state)
          .reverse(),
        ['firing', 'resolved'],
      )
    } finally {
      for (const i of instances) {
        await i.a.close().catch(() => {})
        await i.nc.close().catch(() => {})
      }
    }
  })
})
