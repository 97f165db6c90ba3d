// Fault 4: one ingest instance is killed behind HAProxy under a steady load. HAProxy routes around it
// (connection failures are retried on another instance, the health check takes it out), the seed
// smoke test keeps passing, and every entry answered 202 is stored exactly once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { Load, faultFailure, smoke, startTopology, verifyAfterFault, type TestTopology } from './harness.ts'

test('SIGKILL of one ingest instance: HAProxy routes around it; every 202 entry stored exactly once', async (ctx) => {
  let t: TestTopology | undefined
  let load: Load | undefined
  try {
    t = await startTopology()
    await smoke(t.url)
    await liveTail(t.url)
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
    ctx.diagnostic(await verifyAfterFault(t, load))
  } catch (err) {
    throw faultFailure(err, t, load)
  } finally {
    await load?.stop()
    await t?.cleanup()
  }
})

/**
 * Live tail in distributed mode: the query instance serves /ws/live from its core subscription to the
 * stream subject (through HAProxy's WebSocket tunnel), with the client's filters applied.
 */
async function liveTail(url: string): Promise<void> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/live?service=live-dist&level=error`)
  const got: { message: string }[] = []
  ws.on('message', (data) => got.push(JSON.parse(String(data)) as { message: string }))
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  try {
    const res = await fetch(`${url}/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { level: 'info', service: 'live-dist', message: 'not for this client' },
        { level: 'error', service: 'live-dist', message: 'payment failed' },
        { level: 'error', service: 'other', message: 'not this service' },
      ]),
    })
    assert.equal(res.status, 202)
    const end = Date.now() + 15_000
    while (got.length < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 300))
    assert.deepEqual(
      got.map((e) => e.message),
      ['payment failed'],
    )
  } finally {
    ws.close()
  }
}
