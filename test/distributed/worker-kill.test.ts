// Fault 1: the store-owning worker (process,query) is killed with SIGKILL exactly between a batch's
// insert and its ack, under mixed traffic through HAProxy (single entries, bulk requests, Elasticsearch
// bulk). The window is found by the worker itself: with OGLS_FAULT_STOP_AFTER_INSERT=N
// (server/src/process/fault.ts) it reports its N-th insert with the batch token and stops (SIGSTOP)
// before acking; the test then SIGKILLs it. Ingest keeps accepting into JetStream meanwhile; after a
// restart the redelivered messages must be re-formed into that very batch under its token (the engine
// drops the repeat), and every entry answered 202 is stored exactly once. With the embedded store one
// process owns it, so the store owner is restarted (a second worker would need a ClickHouse server).
// Then a graceful SIGTERM under load: exit 0, flushed, nothing lost or doubled either.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FAULT_POINT_MSG } from '../../server/src/process/fault.ts'
import { waitFor } from '../helpers/server.ts'
import { Mixed, faultFailure, recoveries, startTopology, verifyAfterFault, type TestTopology } from './harness.ts'

test('SIGKILL of the worker between insert and ack (its own signal), a restart, then SIGTERM under mixed load: every 202 entry stored exactly once', async (ctx) => {
  let t: TestTopology | undefined
  let load: Mixed | undefined
  try {
    t = await startTopology({ env: { OGLS_FAULT_STOP_AFTER_INSERT: '8' } })
    load = new Mixed(t.url, 'fault-worker', 150).start()
    // The worker stops itself after its 8th insert, before the ack.
    const line = await waitFor(async () => t?.output('store').split('\n').find((l) => l.includes(FAULT_POINT_MSG)), 60_000, 20)
    const { token, entries } = JSON.parse(line) as { token: string; entries: number }
    assert.ok(entries > 0)
    await t.kill('store', 'SIGKILL')
    // Ingest keeps accepting into JetStream while no worker runs.
    await load.acceptedMore(300, 30_000)
    const store = t.proc('store')
    store.env = { ...store.env, OGLS_FAULT_STOP_AFTER_INSERT: undefined }
    await t.start('store')
    await t.waitBackendsUp()
    // The batch killed in the window comes back whole, under its token (after NATS_ACK_WAIT).
    const reformed = await waitFor(
      async () => t?.output('store').split('\n').find((l) => l.includes('re-formed under its recorded token') && l.includes(token)),
      60_000,
    )
    assert.ok(reformed)
    await load.acceptedMore(300, 30_000)
    // A graceful stop under load (SIGTERM): the batch in hand is written, the rest handed back.
    const proc = t.proc('store')
    await proc.kill('SIGTERM')
    assert.equal(proc.child?.exitCode, 0, 'graceful stop exits 0')
    assert.match(proc.out, /"flushed":true/)
    await t.start('store')
    await t.waitBackendsUp()
    await load.acceptedMore(300, 30_000)
    const recovered = (t.output('store').match(/re-formed under its recorded token/g) ?? []).length
    assert.ok(recovered >= 1, `at least one recovered batch: ${recoveries(t)}`)
    ctx.diagnostic(`killed in the window: batch ${token} of ${entries} entries; ${await verifyAfterFault(t, load)}`)
  } catch (err) {
    throw faultFailure(err, t, load)
  } finally {
    await load?.stop()
    await t?.cleanup()
  }
})
