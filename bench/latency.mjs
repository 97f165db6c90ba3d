// End-to-end latency under a steady 1,000 entries/s of POST /log (default FLUSH_TIMEOUT, 2 s):
//  - 202 -> arrival on WS /ws/live (p50/p99), and request sent -> arrival;
//  - 202 -> visible in GET /api/logs (p50/p99), polled every 20 ms for sampled entries.
// Usage: node bench/latency.mjs [--quick]
import WebSocket from 'ws'
import { percentile, round, sleep, startServer, table, writeResult } from './lib.mjs'

const quick = process.argv.includes('--quick')
const seconds = quick ? 10 : 30
const rate = 1_000 // entries per second
const flushTimeoutMs = 2_000

const srv = await startServer('all', { FLUSH_TIMEOUT: `${flushTimeoutMs}ms` })
const sentAt = new Map()
const ackAt = new Map()
const wsArrival = []
const wsFromSend = []
const visible = []
try {
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/live?service=latency`)
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
  ws.on('message', (data) => {
    const now = performance.now()
    const id = Number(JSON.parse(String(data)).attributes?.id)
    const ack = ackAt.get(id)
    const sent = sentAt.get(id)
    if (sent !== undefined) wsFromSend.push(now - sent)
    // The live fan-out can beat the 202 to the client; such an entry counts as 0 ms after its 202.
    if (ack !== undefined) wsArrival.push(Math.max(0, now - ack))
    else ackAt.set(id, -now) // arrival before ack: settled when the ack comes
  })

  const post = async (id, service) => {
    sentAt.set(id, performance.now())
    const res = await fetch(`${srv.url}/log`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ level: 'info', service, message: `latency probe id${id} GET /api/items 200`, attributes: { id } }),
    })
    const now = performance.now()
    if (res.status !== 202) throw new Error(`POST /log answered ${res.status}`)
    await res.arrayBuffer()
    const early = ackAt.get(id)
    if (early !== undefined && early < 0) wsArrival.push(0)
    ackAt.set(id, now)
    return now
  }

  const probes = []
  const t0 = performance.now()
  const inflight = []
  for (let i = 0; i < seconds * rate; i++) {
    // Pace to `rate`: sleep until this entry's slot.
    const slot = t0 + (i * 1000) / rate
    const wait = slot - performance.now()
    if (wait > 1) await sleep(wait)
    if (i % 200 === 0) {
      // A visibility probe every 200 ms, polled on its own.
      probes.push(
        (async () => {
          const id = 1e9 + i
          const acked = await post(id, 'visible')
          for (;;) {
            const rows = await (await fetch(`${srv.url}/api/logs?service=visible&q=id${id}&from=now-1h&limit=1`)).json()
            if (rows.length > 0) return visible.push(performance.now() - acked)
            await sleep(20)
          }
        })(),
      )
    }
    inflight.push(post(i, 'latency'))
    if (inflight.length >= 500) await Promise.all(inflight.splice(0))
  }
  await Promise.all(inflight)
  await Promise.all(probes)
  await sleep(500)
  ws.close()
} finally {
  await srv.stop()
}

const stats = (xs) => ({ count: xs.length, p50_ms: round(percentile(xs, 50)), p99_ms: round(percentile(xs, 99)), max_ms: round(Math.max(...xs)) })
const out = {
  name: 'latency',
  mode: quick ? 'quick' : 'full',
  rate_per_s: rate,
  seconds,
  flush_timeout_ms: flushTimeoutMs,
  ws_after_202: stats(wsArrival),
  ws_after_send: stats(wsFromSend),
  visible_after_202: stats(visible),
  goals: {
    ws_p99_max_ms: 50,
    visible_p99_max_ms: flushTimeoutMs + 500,
    met: percentile(wsArrival, 99) < 50 && percentile(visible, 99) < flushTimeoutMs + 500,
  },
}
const file = writeResult('latency', out)
console.log(
  table(
    [
      { path: '202 -> WS /ws/live', ...out.ws_after_202 },
      { path: 'request sent -> WS /ws/live', ...out.ws_after_send },
      { path: '202 -> visible in /api/logs', ...out.visible_after_202 },
    ],
    ['path', 'count', 'p50_ms', 'p99_ms', 'max_ms'],
  ),
)
console.log(`written ${file}`)
