// A group's q stats rules run in its one batched query (UNION ALL with its LogQL rules, service.ts
// `groupQuery`): each answers exactly as the rule run alone through /api/query's runner (`instantQuery`),
// on the real embedded engine.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { groupQuery, instantQuery } from '../../server/src/alerting/index.ts'
import { parseRuleFile } from '../../server/src/alerting/rules.ts'
import { tempStore } from '../helpers/store.ts'

const ts = tempStore('qbatch')

const RULES = `groups:
  - name: mixed
    rules:
      - alert: ByServiceAndStatus
        expr: 'q: _time:10m | stats count() as n by (service, status) | n:>10'
      - record: q:errors:took
        expr: 'q: _time:5m level:error | stats avg(took) as t, count() as n by (service)'
      - record: q:all
        expr: 'q: _time:10m | stats count() as n'
      - record: logql:lines
        expr: sum by (service) (count_over_time({service_name=~".+"}[5m]))
      - alert: SlowSvc0
        expr: 'q: _time:10m service:svc-0 | stats sum(took) as s, count() as n by (status) | s:>0'
      - alert: Nothing
        expr: 'q: _time:10m service:nope | stats count() as n by (service) | n:>0'
`

test('q stats rules in a group batch answer as each rule alone', async () => {
  const now = Date.now()
  await ts.store.command(`INSERT INTO oglogstream.logs (timestamp, level, service, message, attributes)
    SELECT fromUnixTimestamp64Milli(toInt64(${now} - 150 - number * 300)), ['info', 'error'][number % 2 + 1], concat('svc-', toString(number % 3)),
      concat('request ', toString(number)), map('status', toString(200 + (number % 4) * 100), 'took', toString(number % 50))
    FROM numbers(3000)`)
  const [g] = parseRuleFile(RULES, 'ns', 'mixed.yml')
  assert.ok(g)
  const batch = await groupQuery(ts.store)('default', g.rules, now)
  const one = instantQuery(ts.store)
  const sorted = (xs: { labels: Record<string, string>; value: number }[]) => xs.map((x) => JSON.stringify(x)).sort()
  for (const [i, r] of g.rules.entries()) {
    const b = batch[i]
    assert.ok(Array.isArray(b), `${r.alert ?? r.record}: ${String(b)}`)
    assert.deepEqual(sorted(b), sorted(await one('default', r, now)), r.alert ?? r.record)
    if (r.alert !== 'Nothing') assert.ok(b.length > 0, `${r.alert ?? r.record}: no rows`)
  }
  // labels from the by fields, the value from the condition's column
  const slow = batch[4] as { labels: Record<string, string>; value: number }[]
  assert.deepEqual(slow.map((x) => x.labels.status).sort(), ['200', '300', '400', '500'])
  assert.equal((batch[2] as { labels: Record<string, string>; value: number }[])[0]?.value, 2000)
})
