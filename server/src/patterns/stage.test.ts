import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import type { Entry } from '../model/index.js'
import type { PatternRecord } from './miner.ts'
import { PatternStage } from './stage.ts'

const T = (s: number) => `2025-01-01T00:00:${String(s).padStart(2, '0')}.000000000Z`
const entry = (message: string, s: number): Entry => ({ timestamp: T(s), level: 'info', service: 'sshd', message }) as Entry

function stage(lastSeenMs: number) {
  const writes: PatternRecord[][] = []
  const s = new PatternStage({ save: async (r) => void writes.push([...r]), load: async () => [] }, pino({ level: 'silent' }), 60_000, lastSeenMs)
  return { s, writes }
}

test('a new or generalized template is written after its batch; a last_seen that alone moved, when due and at close', async () => {
  const { s, writes } = stage(3_600_000)
  s.label([entry('Invalid user bob from 1.2.3.4', 1)])
  await s.flush() // the first flush writes everything, then last_seen is not due for an hour
  assert.deepEqual(writes.map((w) => w.map((r) => [r.template, r.last_seen])), [[['Invalid user bob from <*>', T(1)]]])
  s.label([entry('Invalid user eve from 1.2.3.5', 2)]) // generalizes: written at once
  await s.flush()
  assert.deepEqual(writes[1]?.map((r) => [r.template, r.last_seen]), [['Invalid user <*> from <*>', T(2)]])
  s.label([entry('Invalid user joe from 1.2.3.6', 3)]) // last_seen alone: held
  await s.flush()
  assert.equal(writes.length, 2)
  s.label([entry('Accepted password for root', 4)]) // a new template goes out without the held last_seen
  await s.flush()
  assert.deepEqual(writes[2]?.map((r) => r.template), ['Accepted password for root'])
  await s.close()
  assert.deepEqual(writes[3]?.map((r) => [r.template, r.first_seen, r.last_seen]), [['Invalid user <*> from <*>', T(1), T(3)]])
  await s.close()
  assert.equal(writes.length, 4, 'nothing left to write')
})

test('with no interval, every flush writes the last_seen that moved', async () => {
  const { s, writes } = stage(0)
  s.label([entry('Invalid user bob from 1.2.3.4', 1)])
  await s.flush()
  s.label([entry('Invalid user bob from 1.2.3.5', 5)])
  await s.flush()
  assert.deepEqual(writes.map((w) => w.map((r) => r.last_seen)), [[T(1)], [T(5)]])
  await s.close()
})
