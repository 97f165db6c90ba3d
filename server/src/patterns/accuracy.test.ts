// Grouping accuracy of the miner alone on Loghub-2k (one setting for all 16 systems); the published
// table is measured through the API (test/e2e/patterns-accuracy.test.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DRAIN_ACCURACY, SYSTEMS, groupingAccuracy, loadSystem } from '../../../test/helpers/loghub.ts'
import { PatternMiner } from './miner.ts'

test('Loghub-2k: average grouping accuracy >= 0.90, at or above Drain on at least 12 of 16 systems', () => {
  const rows: Record<string, number> = {}
  for (const system of SYSTEMS) {
    const lines = loadSystem(system)
    assert.equal(lines.length, 2000, system)
    assert.equal(lines.filter((l) => l.event === undefined).length, 0, `${system}: every line has a ground-truth event`)
    const m = new PatternMiner()
    const mined = lines.map((l, i) => m.mine('default', system, l.content, new Date(i).toISOString()))
    rows[system] = groupingAccuracy(lines.map((l) => l.event), mined)
  }
  const values = Object.values(rows)
  const avg = values.reduce((a, b) => a + b, 0) / values.length
  const beats = SYSTEMS.filter((s) => (rows[s] as number) >= (DRAIN_ACCURACY[s] as number))
  console.log(JSON.stringify({ average: Number(avg.toFixed(4)), beats: beats.length, rows }))
  assert.ok(avg >= 0.9, `average ${avg}`)
  assert.ok(beats.length >= 12, `at or above Drain on ${beats.length}`)
})

test('grouping accuracy: a line counts only if its mined group is exactly its true group', () => {
  assert.equal(groupingAccuracy(['a', 'a', 'b'], ['x', 'x', 'y']), 1)
  assert.equal(groupingAccuracy(['a', 'a', 'b'], ['x', 'x', 'x']), 0)
  assert.equal(groupingAccuracy(['a', 'a', 'b'], ['x', 'y', 'z']), 1 / 3)
})
