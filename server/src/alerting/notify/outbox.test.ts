// The outbox with an in-memory store and real local HTTP receivers: a receiver that never answers is
// cut off after the timeout and retried with backoff; one that answers 400 is given up at once; the same
// notification planned twice is one row.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { pino } from 'pino'
import type { AlertStore, HistoryRow, OutboxRow } from '../store.js'
import { checkGroup, type CompiledRule } from '../rules.js'
import type { LoadedGroup } from '../evaluator.js'
import { parseNotifyConfig } from './config.js'
import { Notifier } from './outbox.js'

const held: import('node:http').ServerResponse[] = []
const srv = createServer((req, res) => {
  if (req.url === '/hang') held.push(res)
  else res.writeHead(400).end('invalid_payload')
})
await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
const port = (srv.address() as { port: number }).port
after(() => {
  held.forEach((r) => r.destroy())
  srv.close()
})

function memory() {
  const rows = new Map<string, OutboxRow & { version: number }>()
  const history: HistoryRow[] = []
  const store = {
    enqueue: async (rs: OutboxRow[]) => rs.forEach((r) => rows.has(r.id) || rows.set(r.id, { ...r, version: 0 })),
    updateOutbox: async (r: OutboxRow) => void rows.set(r.id, { ...r, version: r.attempts + (r.status === 'pending' ? 0 : 1e6) }),
    due: async (now: number) => [...rows.values()].filter((r) => r.status === 'pending' && r.next_at <= now),
    addHistory: async (h: HistoryRow[]) => void history.push(...h),
  }
  return { store: store as unknown as AlertStore, rows, history }
}

const g = checkGroup({ name: 'g', rules: [{ alert: 'A', expr: 'vector(1)' }] }, 'ns', 'test')
const group: LoadedGroup = { ...g, tenant: 'default', source: 'api', rules: g.rules as CompiledRule[] }
const state = {
  tenant: 'default',
  rule_key: 'k',
  fingerprint: 'f',
  rule: 'A',
  labels: { alertname: 'A' },
  annotations: {},
  state: 'firing' as const,
  active_at: 1000,
  fired_at: 1000,
  resolved_at: 0,
  last_seen: 1000,
  value: 1,
  deleted: 0,
}

test('timeout, retry with backoff, a refusal given up, and one row per notification', async () => {
  const cfg = parseNotifyConfig(
    `receivers:\n  - name: slow\n    webhook: { url: http://127.0.0.1:${port}/hang }\n  - name: picky\n    slack: { url: http://127.0.0.1:${port}/bad }\nroute:\n  receiver: slow\n  routes:\n    - match: { alertname: A }\n      receiver: picky\n      continue: true\n    - match: { alertname: A }\n      receiver: slow\n`,
    'c.yml',
  )
  const m = memory()
  const n = new Notifier(
    m.store,
    {
      alertmanagerUrls: [],
      config: cfg,
      externalUrl: '',
      timeoutMs: 1500,
      resendDelayMs: 60_000,
      evaluationIntervalMs: 1000,
      retryBaseMs: 1000,
      retryMaxMs: 30_000,
      giveUpAfterMs: 3_600_000,
      pollMs: 60_000,
    },
    pino({ level: 'silent' }),
  )
  const round = {
    tenant: 'default',
    group,
    alerts: [{ rule: group.rules[0] as CompiledRule, group, state, previous: 'pending' }],
    now: 2000,
  }
  await n.onRound(round)
  await n.onRound({ ...round, now: 3000 })
  assert.equal(m.rows.size, 2, 'one row per receiver, not per round')
  await n.deliverDue(3000)
  const slow = [...m.rows.values()].find((r) => r.receiver === 'slow')
  const picky = [...m.rows.values()].find((r) => r.receiver === 'picky')
  assert.equal(slow?.status, 'pending')
  assert.equal(slow?.attempts, 1)
  assert.equal(slow?.next_at, 3000 + 1000)
  assert.match(slow?.error ?? '', /no answer within 1500 ms/)
  assert.equal(picky?.status, 'failed')
  assert.match(picky?.error ?? '', /HTTP 400 invalid_payload/)
  await n.deliverDue(3500)
  assert.equal([...m.rows.values()].find((r) => r.receiver === 'slow')?.attempts, 1, 'not due before its backoff')
  await n.deliverDue(4000)
  const again = [...m.rows.values()].find((r) => r.receiver === 'slow')
  assert.equal(again?.attempts, 2)
  assert.equal(again?.next_at, 4000 + 2000, 'the backoff doubles')
  assert.deepEqual(m.history.map((h) => `${h.receiver}:${h.outcome}`).sort(), [
    'picky (slack):failed',
    'slow (webhook):retry',
    'slow (webhook):retry',
  ])
})
