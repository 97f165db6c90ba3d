// Syslog TCP over real sockets: idle connections are closed, connections over the total and per-IP
// caps are closed at once, and a normal sender still gets through (issue 11).
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { createConnection, type Socket } from 'node:net'
import pino from 'pino'
import type { Entry } from '../../model/index.ts'
import type { Ingestor } from '../ingestor.ts'
import { SyslogServer } from './server.ts'

/** The Ingestor's two calls the listener makes, recorded (the bus behind it is not under test here). */
function recorder() {
  const entries: Entry[] = []
  const rejected: string[] = []
  const ingestor = {
    accept: async (_p: string, _t: string, e: Entry[]) => void entries.push(...e),
    reject: (_p: string, reason: string, n = 1) => rejected.push(...Array<string>(n).fill(reason)),
  } as unknown as Ingestor
  return { ingestor, entries, rejected }
}

const servers: SyslogServer[] = []
const opened: Socket[] = []
after(async () => {
  for (const s of opened) s.destroy()
  await Promise.all(servers.map((s) => s.close()))
})

async function start(opts: { idleTimeoutMs?: number; maxConnections?: number; maxConnectionsPerIp?: number }) {
  const rec = recorder()
  const srv = new SyslogServer(rec.ingestor, pino({ level: 'silent' }), { host: '127.0.0.1', tcpPort: 0, ...opts })
  servers.push(srv)
  const { tcp } = await srv.start()
  return { ...rec, port: tcp as number }
}

/** Opens a connection; resolves once connected, with a promise of its close. */
function connect(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    opened.push(socket)
    const closed = new Promise<void>((r) => socket.once('close', () => r()))
    socket.on('error', () => {})
    socket.once('connect', () => resolve({ socket, closed }))
    socket.once('error', reject)
  })
}

async function waitUntil(cond: () => boolean, timeoutMs = 20_000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

async function sendOne(port: number, text: string): Promise<void> {
  const { socket } = await connect(port)
  socket.end(`<14>1 2025-01-01T00:00:00Z host app - - - ${text}\n`)
}

test('200 idle connections are closed after the idle timeout; a sender is not', async () => {
  const srv = await start({ idleTimeoutMs: 300, maxConnectionsPerIp: 1_000 })
  const idle = await Promise.all(Array.from({ length: 200 }, () => connect(srv.port)))
  let closed = 0
  for (const c of idle) void c.closed.then(() => closed++)
  await waitUntil(() => closed === 200)
  await sendOne(srv.port, 'after the idle ones')
  await waitUntil(() => srv.entries.some((e) => e.message === 'after the idle ones'))
})

test('connections beyond the per-IP cap and the total cap are closed at once; a normal sender gets through', async () => {
  const perIp = await start({ maxConnectionsPerIp: 5 })
  const held = await Promise.all(Array.from({ length: 5 }, () => connect(perIp.port)))
  const over = await connect(perIp.port)
  await over.closed // closed by the server, not by a timeout (the idle timeout is 5 min here)
  assert.deepEqual(perIp.rejected, ['connection_refused'])
  assert.ok(held.every((c) => !c.socket.destroyed), 'the connections within the cap stay open')
  held[0]?.socket.destroy()
  await held[0]?.closed
  // One place is free again (once the server has seen the close): a normal sender gets through.
  await waitUntil(() => {
    if (perIp.entries.some((e) => e.message === 'within the cap')) return true
    void sendOne(perIp.port, 'within the cap').catch(() => {})
    return false
  }, 20_000, 200)

  const total = await start({ maxConnections: 3, maxConnectionsPerIp: 100 })
  await Promise.all(Array.from({ length: 3 }, () => connect(total.port)))
  const beyond = await Promise.all(Array.from({ length: 4 }, () => connect(total.port)))
  await Promise.all(beyond.map((c) => c.closed))
  assert.equal(total.rejected.filter((r) => r === 'connection_refused').length, 4)
})
