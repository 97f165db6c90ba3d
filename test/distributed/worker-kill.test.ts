// Fault 1: the store-owning worker (process,query) is killed with SIGKILL in the middle of a batch
// under a steady load through HAProxy, then restarted: every entry answered 202 is stored exactly
// once (redelivered messages are re-inserted under their batch's token), and the system serves again.
// Then a graceful SIGTERM under load: exit 0, flushed, nothing lost or doubled either.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Load, faultFailure, startTopology, verifyAfterFault, type TestTopology } from './harness.ts'

test('SIGKILL of the worker mid-batch, a restart, then SIGTERM under load: every 202 entry stored exactly once', async (ctx) => {
  let t: TestTopology | undefined
  let load: Load | undefined
  try {
    t = await startTopology()
    load = new Load(t.url, 'fault-worker', 150).start()
    await load.acceptedMore(300, 30_000)
    // Batches are written every 200 ms under this load: a kill lands in or right around one.
    await t.kill('store', 'SIGKILL')
    // Ingest keeps accepting into JetStream while no worker runs.
    await load.acceptedMore(300, 30_000)
    await t.start('store')
    await t.waitBackendsUp()
    await load.acceptedMore(300, 30_000)
    // A graceful stop under load (SIGTERM): the batch in hand is written, the rest handed back.
    const store = t.proc('store')
    await store.kill('SIGTERM')
    assert.equal(store.child?.exitCode, 0, 'graceful stop exits 0')
    assert.match(store.out, /"flushed":true/)
    await t.start('store')
    await t.waitBackendsUp()
    await load.acceptedMore(300, 30_000)
    ctx.diagnostic(await verifyAfterFault(t, load))
  } catch (err) {
    throw faultFailure(err, t, load)
  } finally {
    await load?.stop()
    await t?.cleanup()
  }
})
