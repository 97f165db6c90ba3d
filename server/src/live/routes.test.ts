// The live route's client cap on a real Fastify with @fastify/websocket (upgrades injected in
// memory): past LIVE_MAX_CLIENTS the upgrade is a 503 LOG_ERR_LIVE_FULL, and upgrades that race past
// that check are closed with 1013, so the cap holds either way.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import websocket from '@fastify/websocket'
import Fastify from 'fastify'
import { Registry } from 'prom-client'
import type WebSocket from 'ws'
import { installErrorHandling } from '../http/errors.js'
import { KeyRing } from '../auth/index.js'
import { LiveHub } from './hub.js'
import { LiveMetrics } from './metrics.js'
import { liveRoutes } from './routes.js'

async function app(maxClients: number) {
  const metrics = new LiveMetrics(new Registry())
  const hub = new LiveHub(metrics, { bufferBytes: 1024 * 1024, maxClients, pendingBytes: 1024 * 1024 })
  const server = Fastify()
  installErrorHandling(server, { bodyLimit: 1024, requestTimeoutMs: 10_000 })
  await server.register(websocket)
  await server.register(liveRoutes, { hub, metrics, auth: new KeyRing({ apiKeysIngest: [], apiKeysQuery: [], apiKeysMetrics: [] }).hook('query') })
  await server.ready()
  return { server, hub, metrics }
}

const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: String(reason) })))

test('past LIVE_MAX_CLIENTS the upgrade is refused with a 503', async () => {
  const { server, hub, metrics } = await app(2)
  try {
    const a = await server.injectWS('/ws/live')
    const b = await server.injectWS('/ws/live')
    assert.equal(hub.size, 2)
    await assert.rejects(server.injectWS('/ws/live'), /Unexpected server response: 503/)
    assert.equal(hub.size, 2)
    assert.equal((await metrics.liveRefused.get()).values[0]?.value, 1)
    a.terminate()
    b.terminate()
  } finally {
    await server.close()
  }
})

test('upgrades racing past the check are closed with 1013: the cap holds', async () => {
  const { server, hub, metrics } = await app(1)
  try {
    // The close listener goes on before the upgrade completes: the 1013 can come right after the 101.
    const closes: Promise<{ code: number; reason: string }>[] = []
    const attempts = await Promise.allSettled(Array.from({ length: 5 }, () => server.injectWS('/ws/live', {}, { onInit: (ws) => void closes.push(closed(ws)) })))
    const opened = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []))
    const rejected = attempts.filter((a) => a.status === 'rejected')
    const settled = await Promise.all(closes.map((c) => Promise.race([c, new Promise<undefined>((r) => setTimeout(r, 200))])))
    const cut = settled.filter((c) => c?.code === 1013)
    assert.equal(hub.size, 1, 'one client at most')
    assert.equal(rejected.length + cut.length, 4, 'every other attempt refused')
    for (const c of cut) assert.match(c?.reason ?? '', /LIVE_MAX_CLIENTS \(1\)/)
    assert.equal((await metrics.liveRefused.get()).values[0]?.value, 4)
    for (const ws of opened) ws.terminate()
  } finally {
    await server.close()
  }
})

test('a q with pipes (or any bad q) is a 400 LOG_ERR_BAD_QUERY before the upgrade: the live tail runs filters only', async () => {
  const { server, hub } = await app(10)
  try {
    for (const q of ['error | stats count()', 'error | json', '(a OR']) {
      const r = await server.inject({ method: 'GET', url: `/ws/live?q=${encodeURIComponent(q)}` })
      assert.equal(r.statusCode, 400, q)
      assert.equal(r.json().code, 'LOG_ERR_BAD_QUERY')
    }
    const pipe = await server.inject({ method: 'GET', url: `/ws/live?q=${encodeURIComponent('error | json')}` })
    assert.match(pipe.json().error, /pipes \(\|\) are not allowed here: the live tail and \/api\/logs, .* take a filter only; run pipes with \/api\/query at position 6/)
    await assert.rejects(server.injectWS(`/ws/live?q=${encodeURIComponent('x | limit 1')}`), /Unexpected server response: 400/)
    const ok = await server.injectWS(`/ws/live?q=${encodeURIComponent('(a OR b) -c status:>=500')}`)
    assert.equal(hub.size, 1)
    ok.terminate()
  } finally {
    await server.close()
  }
})
