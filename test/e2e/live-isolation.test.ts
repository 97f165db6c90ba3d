// Live-tail isolation against a real server and real sockets: 100 clients that never read do not
// stop ingestion nor the one client that does; each is terminated once more than LIVE_BUFFER_BYTES
// are unsent to it; client LIVE_MAX_CLIENTS+1 is refused; the server's memory stays bounded.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import WebSocket from 'ws'
import { startNats, type NatsSetup } from '../helpers/nats.ts'
import { postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

const BATCH = 2_000

const servers: RunningServer[] = []
let nats: NatsSetup | undefined
after(async () => {
  for (const srv of servers) {
    await srv.stop()
    srv.cleanup()
  }
  await nats?.stop()
})

/** A server whose live tail takes `stalled` + 1 clients at most, with a 256 KiB client buffer. */
async function server(stalled: number, env: Record<string, string> = {}): Promise<RunningServer> {
  const srv = await startServer({ env: { RATE_LIMIT_MAX: '0', LIVE_MAX_CLIENTS: String(stalled + 1), LIVE_BUFFER_BYTES: '256KiB', ...env } })
  servers.push(srv)
  return srv
}

const rssBytes = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024

async function metric(srv: RunningServer, name: string): Promise<number> {
  const text = await (await fetch(`${srv.url}/metrics`)).text()
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  return m ? Number(m[1]) : NaN
}

function connect(wsUrl: string): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl)
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Opens a client that never reads: its TCP socket is paused right after the upgrade. */
async function stalled(wsUrl: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = await connect(wsUrl)
  ;(ws as unknown as { _socket: Socket })._socket.pause()
  return { ws, closed: new Promise((r) => ws.once('close', (code) => r(code))) }
}

/**
 * `stalled` clients that never read and one that does: every request is answered 202 and reaches the
 * reader, each stalled client is terminated once over LIVE_BUFFER_BYTES, client LIVE_MAX_CLIENTS+1 is
 * refused, RSS stays bounded, and the freed slots can be taken again.
 */
async function scenario(t: TestContext, srv: RunningServer, STALLED: number): Promise<void> {
  const MAX_CLIENTS = STALLED + 1
  const wsUrl = `${srv.url.replace('http', 'ws')}/ws/live`
  const baseline = rssBytes(srv.proc.pid as number)
  const reader = await connect(wsUrl)
  let received = 0
  reader.on('message', () => received++)
  const stalledClients = await Promise.all(Array.from({ length: STALLED }, () => stalled(wsUrl)))
  await waitFor(async () => (await metric(srv, 'oglogstream_live_clients')) === MAX_CLIENTS)

  // Client LIVE_MAX_CLIENTS+1 is refused before the upgrade, with the limit named.
  const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(wsUrl)
    ws.once('open', () => reject(new Error('client LIVE_MAX_CLIENTS+1 was accepted')))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.once('error', () => {})
  })
  assert.equal(refused.status, 503)
  assert.equal(JSON.parse(refused.body).code, 'LOG_ERR_LIVE_FULL')
  assert.match(JSON.parse(refused.body).error, new RegExp(`LIVE_MAX_CLIENTS \\(${MAX_CLIENTS}\\)`))
  assert.equal(await metric(srv, 'oglogstream_live_clients_refused_total'), 1)

  // 2,000-entry requests of ~2 KB entries: enough to fill the kernel's buffers of a stalled socket
  // (a few MiB on loopback) and then LIVE_BUFFER_BYTES. Every one is accepted and reaches the reader.
  const message = 'x'.repeat(2_000)
  let posted = 0
  for (let round = 0; round < 12 && (await metric(srv, 'oglogstream_live_clients_terminated_total')) < STALLED; round++) {
    const batch = Array.from({ length: BATCH }, (_, i) => ({ level: 'info', service: 'live-iso', message: `${round}-${i} ${message}` }))
    const res = await postJson(`${srv.url}/logs`, batch)
    assert.equal(res.status, 202, `round ${round}: ${JSON.stringify(res.body)}`)
    posted += BATCH
    await waitFor(async () => received === posted, 30_000)
  }
  t.diagnostic(`posted ${posted} entries; RSS +${Math.round((rssBytes(srv.proc.pid as number) - baseline) / 2 ** 20)} MiB`)
  assert.equal(received, posted, 'the reading client received every entry')
  await waitFor(async () => (await metric(srv, 'oglogstream_live_clients_terminated_total')) === STALLED, 30_000)
  assert.equal(await metric(srv, 'oglogstream_live_clients'), 1, 'only the reading client is left')
  assert.equal(await metric(srv, 'oglogstream_live_dropped_total'), 0)
  // Each stalled client holds at most LIVE_BUFFER_BYTES (plus shared entry buffers): far below the
  // ~100 × posted bytes an unbounded fan-out would hold.
  const grown = rssBytes(srv.proc.pid as number) - baseline
  assert.ok(grown < 400 * 1024 * 1024, `RSS grew by ${Math.round(grown / 2 ** 20)} MiB (posted ${Math.round((posted * 2_000) / 2 ** 20)} MiB × ${STALLED} clients)`)

  // The terminated clients see their connection end once they read again (no close frame: 1006).
  for (const c of stalledClients) (c.ws as unknown as { _socket: Socket })._socket.resume()
  const codes = await Promise.all(stalledClients.map((c) => c.closed))
  assert.deepEqual([...new Set(codes)], [1006])

  // The slots they held are free again.
  const again = await connect(wsUrl)
  assert.equal(await metric(srv, 'oglogstream_live_clients'), 2)
  again.close()
  reader.close()
}

test('100 clients that never read (embedded): ingest answers, the reader gets every entry, the stalled ones are cut, the cap holds', async (t) => {
  await scenario(t, await server(100), 100)
})

test('the same in distributed mode: the hub fed by the NATS live subscription', async (t) => {
  nats = await startNats()
  await scenario(t, await server(20, { NATS_URL: nats.url }), 20)
})
