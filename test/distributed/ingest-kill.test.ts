// Fault 4: one ingest instance is killed behind HAProxy under a steady load. HAProxy routes around it
// (connection failures are retried on another instance, the health check takes it out), the seed
// smoke test keeps passing, and every entry answered 202 is stored exactly once.
import { test } from 'node:test'
import { Load, assertExactlyOnce, diagnostics, smoke, startTopology, type TestTopology } from './harness.ts'

test('SIGKILL of one ingest instance: HAProxy routes around it; every 202 entry stored exactly once', async () => {
  let t: TestTopology | undefined
  let load: Load | undefined
  try {
    t = await startTopology()
    await smoke(t.url)
    load = new Load(t.url, 'fault-ingest', 150).start()
    await load.acceptedMore(300, 30_000)
    await t.kill('ingest2', 'SIGKILL')
    await smoke(t.url)
    await load.acceptedMore(600, 30_000)
    await smoke(t.url)
    // The instance comes back and HAProxy takes it in again.
    await t.start('ingest2')
    await t.waitBackendsUp()
    await load.acceptedMore(300, 30_000)
    await load.stop()
    await assertExactlyOnce(t.url, load.service, load.accepted)
    await smoke(t.url)
  } catch (err) {
    throw new Error(`${String(err)}\nload: ${load?.summary()}\n${diagnostics(t)}`, { cause: err })
  } finally {
    await load?.stop()
    await t?.cleanup()
  }
})
