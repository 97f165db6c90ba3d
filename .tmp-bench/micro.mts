import { WebSocketServer, WebSocket } from 'ws'
import { Registry } from 'prom-client'
import { LiveHub } from '../server/src/live/hub.ts'
import { LiveMetrics } from '../server/src/live/metrics.ts'
const N = Number(process.argv[2] ?? 100)
const wss = new WebSocketServer({ port: 0 })
await new Promise((r) => wss.once('listening', r))
const port = (wss.address() as any).port
const hub = new LiveHub(new LiveMetrics(new Registry()), { bufferBytes: 1 << 20, maxClients: 10000, pendingBytes: 1 << 30 })
wss.on('connection', (ws) => hub.add(ws, {}))
const clients: WebSocket[] = []
for (let i = 0; i < N; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`)
  await new Promise((r) => ws.once('open', r))
  if (i > 0) (ws as any)._socket.pause()
  clients.push(ws)
}
let got = 0
clients[0]!.on('message', () => got++)
await new Promise((r) => setTimeout(r, 200))
for (let round = 0; round < 10; round++) {
  const entries = Array.from({ length: 2000 }, (_, i) => ({ timestamp: '2025-01-01T00:00:00.000000000Z', level: 'info' as const, service: 'bench', message: `round ${round} entry ${i} ${'x'.repeat(60)}`, attributes: {}, trace_id: '', span_id: '' }))
  const t0 = performance.now(); const c0 = process.cpuUsage()
  hub.publish(entries)
  while (hub.pendingBytes > 0) await new Promise((r) => setImmediate(r))
  const cpu = process.cpuUsage(c0)
  console.log(`round ${round}: ${(performance.now() - t0).toFixed(1)} ms wall, ${(cpu.user / 1000).toFixed(1)} ms user ${(cpu.system / 1000).toFixed(1)} ms sys, clients ${hub.size}`)
}
process.exit(0)
