// POST /logs latency (2,000 entries of ~100 bytes) with 0 and with 100 live-tail clients that never
// read, plus one that does: the live fan-out must not sit on the ingest path (issue 11).
// Prints p50/max per case and the server's peak RSS. Usage: node bench/live-stalled.mjs [rounds] [stalled,stalled...]
import WebSocket from 'ws'
import { machine, peakRssMiB, percentile, round, sleep, startServer, table } from './lib.mjs'

const rounds = Number(process.argv[2] ?? 30)
const BATCH = 2_000

async function run(stalledCount) {
  const srv = await startServer('all')
  const sockets = []
  try {
    const wsUrl = `${srv.url.replace('http', 'ws')}/ws/live`
    const open = () =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(wsUrl)
        ws.once('open', () => resolve(ws))
        ws.once('error', reject)
      })
    const reader = await open()
    sockets.push(reader)
    let received = 0
    let readerClosed = ''
    reader.on('message', () => received++)
    reader.on('close', (code) => (readerClosed = String(code)))
    for (let i = 0; i < stalledCount; i++) {
      const ws = await open()
      ws._socket.pause() // never reads again
      ws.on('error', () => {})
      sockets.push(ws)
    }
    const ms = []
    for (let r = 0; r < rounds; r++) {
      const body = JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({ level: 'info', service: 'bench', message: `round ${r} entry ${i} ${'x'.repeat(60)}` })))
      const t0 = performance.now()
      const res = await fetch(`${srv.url}/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      await res.text()
      ms.push(performance.now() - t0)
      if (res.status !== 202) throw new Error(`status ${res.status}`)
      // The next request once the reader has this one: each latency is that of one request and its own fan-out.
      const deadline = Date.now() + 60_000
      while (received < (r + 1) * BATCH && Date.now() < deadline) await sleep(5)
    }
    const metrics = await (await fetch(`${srv.url}/metrics`)).text()
    const metric = (name) => new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 'n/a'
    return {
      stalled: stalledCount,
      p50_ms: round(percentile(ms, 50)),
      max_ms: round(Math.max(...ms)),
      reader_received: received,
      reader_closed: readerClosed || 'no',
      terminated: metric('oglogstream_live_clients_terminated_total'),
      live_dropped: metric('oglogstream_live_dropped_total'),
      peak_rss_mib: peakRssMiB(srv.pid),
    }
  } finally {
    for (const ws of sockets) ws.terminate()
    await srv.stop()
  }
}

console.log(JSON.stringify(machine()))
const cases = (process.argv[3] ?? '0,100').split(',').map(Number)
const rows = []
for (const n of cases) rows.push(await run(n))
console.log(table(rows, Object.keys(rows[0])))
