// WS /ws/live: new entries within a second, one per message, filters respected.
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

test('delivers new entries within a second and respects its filters', async () => {
  const all = await open('')
  const errors = await open('?level=error&service=pay')
  const search = await open('?q=timeout')
  const t0 = Date.now()
  await postJson(`${srv.url}/logs`, [
    { level: 'info', service: 'pay', message: 'charged card' },
    { level: 'error', service: 'pay', message: 'card declined' },
    { level: 'error', service: 'web', message: 'upstream timeout after 30s' },
  ])
  const deadline = t0 + 1_000
  while (Date.now() < deadline && (all.got.length < 3 || errors.got.length < 1 || search.got.length < 1)) await new Promise((r) => setTimeout(r, 10))
  assert.equal(all.got.length, 3, 'all three within a second')
  assert.deepEqual(
    errors.got.map((e) => (e as { message: string }).message),
    ['card declined'],
  )
  assert.deepEqual(
    search.got.map((e) => (e as { message: string }).message),
    ['upstream timeout after 30s'],
  )
  const first = all.got[0] as Record<string, unknown>
  assert.deepEqual(Object.keys(first).sort(), ['level', 'message', 'service', 'timestamp'])
  for (const c of [all, errors, search]) c.ws.close()
})

test('a bad filter closes the socket with an error message', async () => {
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws/live?level=loud`)
  const msg = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
  assert.match(msg, /level/)
  await new Promise((r) => ws.once('close', r))
})
