// WS /ws/live: new entries, one per message, filters respected. Latency is a benchmark (bench/latency.mjs),
// not asserted here: the waits are for the entries, with a deadline only against a hang.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { postJson, startServer, type RunningServer } from '../helpers/server.ts'

let srv: RunningServer
before(async () => {
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0' } })
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

function open(qs: string): Promise<{ ws: WebSocket; got: unknown[] }> {
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/live${qs}`)
  const got: unknown[] = []
  ws.on('message', (data) => got.push(JSON.parse(String(data))))
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, got }))
    ws.once('error', reject)
  })
}

test('delivers new entries and respects its filters', async () => {
  const all = await open('')
  const errors = await open('?level=error&service=pay')
  const search = await open('?q=timeout')
  await postJson(`${srv.url}/logs`, [
    { level: 'info', service: 'pay', message: 'charged card' },
    { level: 'error', service: 'pay', message: 'card declined' },
    { level: 'error', service: 'web', message: 'upstream timeout after 30s' },
  ])
  // A sentinel every filter matches, posted after: once a client has it, it has had everything before it
  // (each client receives in order), so what it got besides is exactly what its filter let through.
  await postJson(`${srv.url}/log`, { level: 'error', service: 'pay', message: 'sentinel timeout' })
  const messages = (c: { got: unknown[] }) => c.got.map((e) => (e as { message: string }).message)
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && ![all, errors, search].every((c) => messages(c).includes('sentinel timeout'))) await new Promise((r) => setTimeout(r, 10))
  assert.deepEqual(messages(all), ['charged card', 'card declined', 'upstream timeout after 30s', 'sentinel timeout'])
  assert.deepEqual(messages(errors), ['card declined', 'sentinel timeout'])
  assert.deepEqual(messages(search), ['upstream timeout after 30s', 'sentinel timeout'])
  const first = all.got[0] as Record<string, unknown>
  assert.deepEqual(Object.keys(first).sort(), ['id', 'level', 'message', 'service', 'timestamp'])
  for (const c of [all, errors, search]) c.ws.close()
})

test('a bad filter closes the socket with an error message', async () => {
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/live?level=loud`)
  const msg = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
  assert.match(msg, /level/)
  await new Promise((r) => ws.once('close', r))
})
