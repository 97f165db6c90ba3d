import { test } from 'node:test'
import assert from 'node:assert/strict'
import { alertExprFromView, groupWith } from './alertRule.ts'

test('an Explore view becomes a LogQL alert expression', () => {
  assert.equal(alertExprFromView({ q: '', levels: [], services: [] }), 'sum(count_over_time({service_name=~".+"} [5m])) > 0')
  assert.equal(
    alertExprFromView({ q: 'payment declined', levels: ['error'], services: ['checkout'] }),
    'sum(count_over_time({service_name="checkout", level="error"} |= "payment declined" [5m])) > 0',
  )
})

test('a search LogQL cannot say becomes a q rule over the window', () => {
  assert.equal(
    alertExprFromView({ q: 'status:>=500 -health', levels: ['error', 'fatal'], services: ['a.b', 'c'] }),
    'q: _time:5m service:a.b,c level:error,fatal status:>=500 -health | stats count() as n | n:>0',
  )
  assert.equal(
    alertExprFromView({ q: 'took:>1s | stats count() as slow by (host)', levels: [], services: [] }),
    'q: _time:5m took:>1s | stats count() as slow by (host)',
  )
})

test('a rule is added to its group, replacing one of the same name', () => {
  const f = { group: 'g', name: 'A', expr: 'vector(1)', for: '1m', severity: 'page', summary: '' }
  const g = groupWith(undefined, f)
  assert.deepEqual(g, { name: 'g', interval: '1m', rules: [{ alert: 'A', expr: 'vector(1)', for: '1m', labels: { severity: 'page' } }] })
  const g2 = groupWith(
    {
      name: 'g',
      rules: [
        { alert: 'A', expr: 'old' },
        { alert: 'B', expr: 'b' },
      ],
    },
    f,
  )
  assert.deepEqual(
    g2.rules.map((r) => `${String(r.alert)}:${String(r.expr)}`),
    ['B:b', 'A:vector(1)'],
  )
})
