// Fault 2: nats-server is killed with SIGKILL under a steady load through HAProxy and restarted on
// the same store. Meanwhile ingest answers 503 (never 202 for what it could not store); after it,
// every entry answered 202 is stored exactly once and the system serves again within seconds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor } from '../helpers/server.ts'
import { Load, faultFailure, startTopology, verifyAfterFault, type TestTopology } from './harness.ts'

test('SIGKILL of nats-server, then a restart: 503 meanwhile, every 202 entry stored exactly once', async (ctx) => {
  let t: TestTopology | undefined
  let load: Load | undefined
  try {
    t = await startTopology()
    load = new Load(t.url, 'fault-nats', 150).start()
    await load.acceptedMore(300, 30_000)
    await t.kill('nats', 'SIGKILL')
    const before = load.count(503)
    // Ingest answers 503 while NATS is down (a condition with a deadline, not a fixed pause).
    await waitFor(async () => load!.count(503) > before, 30_000, 100).catch(() => {
      throw new Error(`ingest answered no 503 while NATS was down: ${load?.summary()}`)
    })
    // Straight at one ingest instance: a clear 503, and /health degraded with the NATS status.
    const ingest = `http://127.0.0.1:${t.proc('ingest1').port}`
    const res = await fetch(`${ingest}/log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ level: 'info', service: 'fault-nats-direct', message: 'while NATS is down' }),
    })
    const body = (await res.json()) as { status: string; error: string }
    assert.equal(res.status, 503)
    assert.equal(body.status, 'error')
    assert.match(body.error, /bus is unavailable \(NATS is (reconnecting|disconnected)\); nothing was accepted/)
    const health = await fetch(`${ingest}/health`)
    const h = (await health.json()) as { status: string; nats_status: string }
    assert.equal(health.status, 503)
    assert.equal(h.status, 'degraded')
    assert.match(h.nats_status, /RECONNECTING|DISCONNECTED/)
    await t.start('nats')
    // Serving again within seconds: clients reconnect with backoff, HAProxy sees /health 200 again.
    await load.acceptedMore(300, 30_000)
    await t.waitBackendsUp()
    ctx.diagnostic(await verifyAfterFault(t, load))
  } catch (err) {
    throw faultFailure(err, t, load)
  } finally {
    await load?.stop()
    await t?.cleanup()
  }
})
