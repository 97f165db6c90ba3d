// Fault 5: a three-server NATS cluster (cluster routes, clustered JetStream, stream replicas 3) loses
// one server, the stream's leader, under a steady load through HAProxy. Ingest keeps answering 202
// (after at most a brief 503 window while a new leader is elected) and every entry answered 202 is
// stored exactly once. The killed leader is then restarted on its store and must catch up (a current
// replica) while the load goes on. And a process that starts while the cluster has no JetStream
// quorum waits for one instead of failing its start (the start-up timeout once seen under load).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import { pino } from 'pino'
import { startNatsCluster, waitForJetStream, type NatsSetup } from '../helpers/nats.ts'
import { loadConfig } from '../../server/src/config.ts'
import { openTransport, type Transport } from '../../server/src/bus/transport.ts'
import { waitFor } from '../helpers/server.ts'
import { Load, faultFailure, startTopology, verifyAfterFault, type TestTopology } from './harness.ts'

async function streamInfo(url: string) {
  const nc = await connect({ servers: url.split(','), timeout: 5_000 })
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5_000 })
    return await jsm.streams.info('LOGS')
  } finally {
    await nc.close()
  }
}

/** The stream's leader, as the servers say. */
async function streamLeader(url: string): Promise<string | undefined> {
  return (await streamInfo(url)).cluster?.leader
}

test('a 3-server NATS cluster loses the stream leader: ingest keeps accepting, every 202 entry stored once', async (ctx) => {
  let nats: NatsSetup | undefined
  let t: TestTopology | undefined
  let load: Load | undefined
  try {
    nats = await startNatsCluster(3)
    t = await startTopology({ natsUrl: nats.url, natsReplicas: 3 })
    load = new Load(t.url, 'fault-cluster', 150).start()
    await load.acceptedMore(300, 30_000)
    const leader = await streamLeader(nats.url)
    const victim = nats.servers.find((s) => s.name === leader) ?? nats.servers[0]
    assert.ok(victim && victim.name === leader, `the stream leader is one of ours: ${leader}`)
    await victim.kill('SIGKILL')
    // Still accepting on the two others.
    await load.acceptedMore(600, 60_000)
    // The old leader comes back on its store and catches up: the servers report it a current replica.
    await victim.start()
    const caughtUp = await waitFor(async () => {
      const info = await streamInfo(nats?.url ?? '')
      const r = info.cluster?.replicas?.find((x) => x.name === victim.name)
      return r && r.current && !r.offline ? { leader: info.cluster?.leader, messages: info.state.messages } : undefined
    }, 60_000, 500)
    await load.acceptedMore(300, 30_000)
    ctx.diagnostic(`killed ${victim.name} (stream leader ${leader}), restarted it, caught up (new leader ${caughtUp.leader}); ${await verifyAfterFault(t, load)}`)
  } catch (err) {
    throw faultFailure(err, t, load)
  } finally {
    await load?.stop()
    await t?.cleanup()
    await nats?.stop()
  }
})

test('an ingest process that starts while the cluster has no JetStream quorum waits for one, then provisions', async () => {
  const nats = await startNatsCluster(3)
  const lines: string[] = []
  const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) })
  let transport: Transport | undefined
  try {
    const [, b, c] = nats.servers as [NatsSetup['servers'][0], NatsSetup['servers'][0], NatsSetup['servers'][0]]
    // One server of three: no meta leader, the JetStream API cannot answer.
    await Promise.all([b.kill('SIGKILL'), c.kill('SIGKILL')])
    const cfg = loadConfig('ingest', { NATS_URL: nats.url, NATS_STREAM: 'QUORUM', NATS_REPLICAS: '3', DATA_DIR: '/nonexistent' })
    let opened = false
    const opening = openTransport(cfg, log).then((t) => {
      opened = true
      transport = t
      return t
    })
    let failed: unknown
    opening.catch((err: unknown) => (failed = err))
    // It keeps trying (a warning per attempt) and has not given up.
    await waitFor(async () => {
      if (failed) throw new Error(`the ingest process gave up without a quorum: ${String(failed)}; its log: ${lines.join('')}`)
      return lines.some((l) => /JetStream is not ready yet/.test(l))
    }, 60_000, 100)
    assert.equal(opened, false, 'provisioned without a quorum')
    await Promise.all([b.start(), c.start()])
    await waitForJetStream(nats.url, 60_000)
    const t = await opening
    const nc = await connect({ servers: nats.url.split(','), timeout: 5_000 })
    try {
      const info = await (await jetstreamManager(nc, { timeout: 5_000 })).streams.info('QUORUM')
      assert.equal(info.config.num_replicas, 3)
    } finally {
      await nc.close()
    }
    assert.ok(t.publisher, 'the ingest role has its publisher')
  } finally {
    await transport?.close()
    await nats.stop()
  }
})
