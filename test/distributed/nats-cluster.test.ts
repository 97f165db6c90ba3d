// Fault 5: a three-server NATS cluster (cluster routes, clustered JetStream, stream replicas 3) loses
// one server, the stream's leader, under a steady load through HAProxy. Ingest keeps answering 202
// (after at most a brief 503 window while a new leader is elected) and every entry answered 202 is
// stored exactly once.
import { test } from 'node:test'
import { connect } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import { startNatsCluster, type NatsSetup } from '../helpers/nats.ts'
import { Load, faultFailure, startTopology, verifyAfterFault, type TestTopology } from './harness.ts'

async function streamLeader(url: string): Promise<string | undefined> {
  const nc = await connect({ servers: url.split(','), timeout: 5_000 })
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5_000 })
    return (await jsm.streams.info('LOGS')).cluster?.leader
  } finally {
    await nc.close()
  }
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
    await victim?.kill('SIGKILL')
    // Still accepting on the two others.
    await load.acceptedMore(600, 60_000)
    ctx.diagnostic(`killed ${victim?.name} (stream leader ${leader}); ${await verifyAfterFault(t, load)}`)
  } catch (err) {
    throw faultFailure(err, t, load)
  } finally {
    await load?.stop()
    await t?.cleanup()
    await nats?.stop()
  }
})
