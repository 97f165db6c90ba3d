// The evaluator's state machine with a scripted query and an in-memory store: pending → firing after
// `for`, keep_firing_for, resolved, and one failing rule leaving the others alone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { Evaluator, type LoadedGroup, type Sample } from './evaluator.js'
import { RecordedMetrics } from './recording.js'
import { checkGroup, type CompiledRule } from './rules.js'
import type { AlertState, AlertStore, HistoryRow } from './store.js'

function memoryStore() {
  const states = new Map<string, AlertState>()
  const history: HistoryRow[] = []
  const s = {
    states: async () => [...states.values()].filter((x) => !x.deleted),
    writeStates: async (rows: AlertState[]) => rows.forEach((r) => states.set(`${r.rule_key}/${r.fingerprint}`, { ...r })),
    writeStatuses: async () => {},
    addHistory: async (rows: HistoryRow[]) => void history.push(...rows),
  }
  return { store: s as unknown as AlertStore, states, history }
}

function group(rules: object[]): LoadedGroup {
  const g = checkGroup({ name: 'g', rules }, 'ns', 'test')
  return { ...g, tenant: '', source: 'api', rules: g.rules as CompiledRule[] }
}

test('pending for `for`, then firing; keep_firing_for; resolved; one failing rule does not stop the others', async () => {
  let value: Sample[] = [{ labels: { host: 'a' }, value: 5 }]
  let failing = false
  const query = async (_t: string, rule: CompiledRule) => {
    if (rule.alert === 'Broken' && failing) throw new Error('engine said no')
    return rule.alert === 'Broken' ? [{ labels: {}, value: 1 }] : value
  }
  const m = memoryStore()
  const ev = new Evaluator(
    m.store,
    query,
    new RecordedMetrics(new Registry()),
    { defaultIntervalMs: 1000, externalUrl: '' },
    pino({ level: 'silent' }),
  )
  const g = group([
    { alert: 'Broken', expr: 'vector(1)' },
    { alert: 'High', expr: 'vector(1)', for: '2m', keep_firing_for: '1m' },
  ])
  ev.setGroups([g])
  const stateOf = (name: string) => [...m.states.values()].find((s) => s.rule === name && !s.deleted)
  const t = 1_000_000
  await ev.evaluateGroup(g, t)
  assert.equal(stateOf('High')?.state, 'pending')
  failing = true
  await ev.evaluateGroup(g, t + 60_000)
  assert.equal(stateOf('High')?.state, 'pending')
  assert.equal(stateOf('Broken')?.state, 'firing', 'its state stays as it was')
  await ev.evaluateGroup(g, t + 120_000)
  assert.equal(stateOf('High')?.state, 'firing')
  assert.equal(stateOf('High')?.fired_at, t + 120_000)
  value = []
  await ev.evaluateGroup(g, t + 150_000)
  assert.equal(stateOf('High')?.state, 'firing', 'kept firing for keep_firing_for')
  await ev.evaluateGroup(g, t + 180_000)
  assert.equal(stateOf('High')?.state, 'resolved')
  assert.deepEqual(
    m.history.filter((h) => h.rule === 'High').map((h) => `${h.from_state}>${h.to_state}`),
    ['inactive>pending', 'pending>firing', 'firing>resolved'],
  )
  // A pending alert whose series goes away is forgotten, not resolved.
  value = [{ labels: { host: 'b' }, value: 1 }]
  await ev.evaluateGroup(g, t + 200_000)
  value = []
  await ev.evaluateGroup(g, t + 210_000)
  assert.equal(m.history.at(-1)?.to_state, 'inactive')
})
