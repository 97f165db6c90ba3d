// A group's q stats rules run in its batched query (UNION ALL with its LogQL rules, service.ts
// `groupQuery`), and alone (`instantQuery`) through the same SELECT (qrun.ts `qStatsSql`): each answers
// exactly as /api/query's runner (query/analytics.ts `runPipeline`) answers the rule's q over its
// window, on the real embedded engine.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { groupQuery, instantQuery } from '../../server/src/alerting/index.ts'
import { parseRuleFile, type CompiledRule } from '../../server/src/alerting/rules.ts'
import { runPipeline } from '../../server/src/query/analytics.ts'
import { fromEpochMs } from '../../server/src/model/index.ts'
import { DEFAULT_TENANT } from '../../server/src/model/tenant.ts'
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
  // /api/query's answer: a row per label set, labels from the by fields (none when empty), the value from its column.
  const apiQuery = async (r: CompiledRule) => {
    if (r.q?.kind !== 'stats') return one('default', r, now)
    const res = await runPipeline(
      ts.store.queryContext(DEFAULT_TENANT),
      { from: fromEpochMs(now - r.q.windowMs), to: fromEpochMs(now + 1) },
      r.q.pipeline,
      500,
    )
    const col = (name: string) => res.columns.findIndex((c) => c.name === name)
    const q = r.q
    return res.rows.map((row) => {
      const labels: Record<string, string> = {}
      for (const l of [...q.labels].sort((a, b) => (a.label < b.label ? -1 : 1))) {
        const x = row[col(l.field)]
        if (x !== null && x !== undefined && x !== '') labels[l.label] = String(x)
      }
      const v = row[col(q.value)]
      return { labels, value: v === null || v === undefined ? NaN : Number(v) }
    })
  }
  const sorted = (xs: { labels: Record<string, string>; value: number }[]) => xs.map((x) => JSON.stringify(x)).sort()
  for (const [i, r] of g.rules.entries()) {
    const b = batch[i]
    assert.ok(Array.isArray(b), `${r.alert ?? r.record}: ${String(b)}`)
    assert.deepEqual(sorted(b), sorted(await apiQuery(r)), r.alert ?? r.record)
    assert.deepEqual(sorted(await one('default', r, now)), sorted(b), `${r.alert ?? r.record} alone`)
    if (r.alert !== 'Nothing') assert.ok(b.length > 0, `${r.alert ?? r.record}: no rows`)
  }
  // labels from the by fields, the value from the condition's column
  const slow = batch[4] as { labels: Record<string, string>; value: number }[]
  assert.deepEqual(slow.map((x) => x.labels.status).sort(), ['200', '300', '400', '500'])
  assert.equal((batch[2] as { labels: Record<string, string>; value: number }[])[0]?.value, 2000)
})
