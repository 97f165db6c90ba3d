// Counting rules of one window share one scan (alerting/scan.ts): each answers exactly as the rule
// run alone (`instantQuery`: series.ts's SQL for LogQL, qrun.ts's for q), on the real embedded engine,
// within one group's batch and across groups; rules of another shape are not taken.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { groupQuery, instantQuery } from '../../server/src/alerting/index.ts'
import { parseRuleFile } from '../../server/src/alerting/rules.ts'
import { qScanShape, scanShape } from '../../server/src/alerting/scan.ts'
import { tempStore } from '../helpers/store.ts'

const ts = tempStore('scan')

const SCANNED = [
  'sum by (service) (count_over_time({service_name="svc-0", level="error"}[5m])) > 10',
  'sum(count_over_time({service_name="svc-1"} |= "refused" [5m])) > 3',
  'sum by (level) (rate({service_name="svc-2"}[5m])) > 0.01',
  'sum by (level) (count_over_time({service_name="svc-2"}[5m]))',
  'sum by (detected_level, service_name) (count_over_time({service_name=~"svc-.*"} != "refused" | status="500" [5m]))',
  'sum by (service, level) (bytes_over_time({service_name=~"svc-.+", service_name!="svc-0"} |~ "req.*[0-9]" [5m])) >= 100',
  'sum by (level) (bytes_rate({service_name="svc-1"}[5m])) < 1000000',
  'sum(count_over_time({service_name="nope"}[5m]))',
  'sum by (service) (count_over_time({level="warn"}[5m])) == 250',
  'sum by (service) (count_over_time({level="warn"}[5m])) != 25',
  'sum by (service) (count_over_time({service_name="svc-0", level="error"}[5m])) <= 1000000',
  'sum(count_over_time({service_name="svc-1"} |= "refused" [1m]))',
  'sum(count_over_time({service_name="svc-2"} |= "refused" [1m])) > 0',
  'q: _time:5m service:svc-0 level:error | stats count() as n by (service) | n:>10',
  'q: _time:5m service:svc-1 refused | stats count() as n | n:>3',
  'q: _time:5m status:500 | stats count() as hits by (level, service)',
  'q: _time:5m service:nope | stats count() as n',
  'q: _time:5m service:nope | stats count() as n | n:<1',
  'q: _time:1m -service:svc-0 | stats count() as n by (level) | n:=102',
  'q: _time:1m service:svc-2 | stats count() as n by (level) | n:<=50',
]
// Each answered by the rule's own query instead (and so part of the same batch).
const OTHERS = [
  'sum(rate({service_name="svc-2"}[5m]))',
  'sum by (status) (count_over_time({service_name="svc-0"}[5m]))',
  'count_over_time({service_name="svc-0"}[5m]) > 1',
  'sum by (level) (count_over_time({service_name="svc-0"} | logfmt [5m]))',
  'sum by (level) (count_over_time({service_name="svc-0"}[5m])) > bool 1',
  'max by (level) (count_over_time({service_name="svc-0"}[5m]))',
  'sum without (host) (count_over_time({service_name="svc-0"}[5m]))',
  'sum by (level) (avg_over_time({service_name="svc-0"} | unwrap took [5m]))',
  'q: _time:5m | stats count() as n by (status)',
  'q: _time:5m | stats count() as n, sum(took) as t by (service)',
  'q: _time:5m | stats count() as n by (service) | n:>1 | sort by (n)',
  'q: _time:5m | stats count() as n by (service) | -n:>1',
  'q: _time:5m | json | stats count() as n by (service)',
]

const group = (name: string, exprs: string[]) =>
  `  - name: ${name}\n    rules:\n` + exprs.map((e, i) => `      - record: ${name}:r${i}\n        expr: '${e}'\n`).join('')

test('counting rules of a window share one scan and answer as each rule alone', async () => {
  const now = Date.now()
  await ts.store.command(`INSERT INTO oglogstream.logs (timestamp, level, service, message, attributes)
    SELECT fromUnixTimestamp64Milli(toInt64(${now} - 150 - number * 100)), ['info', 'error', 'warn', ''][number % 4 + 1],
      if(number % 50 = 7, '', concat('svc-', toString(number % 3))),
      concat('request ', toString(number), if(number % 13 = 0, ' refused', '')),
      map('status', toString(200 + (number % 4) * 100), 'took', toString(number % 50), 'host', concat('h', toString(number % 2)))
    FROM numbers(6000)`)
  const [a, b] = parseRuleFile(
    `groups:\n${group('a', [...SCANNED.slice(0, 7), ...SCANNED.slice(13, 16), ...OTHERS.slice(0, 4), ...OTHERS.slice(8, 10)])}${group('b', [...SCANNED.slice(7, 13), ...SCANNED.slice(16), ...OTHERS.slice(4, 8), ...OTHERS.slice(10)])}`,
    'ns',
    'scan.yml',
  )
  assert.ok(a && b)
  for (const r of [...a.rules, ...b.rules]) {
    const shape = r.metric ? scanShape(r.metric) : r.q && qScanShape(r.q)
    assert.equal(shape !== undefined, SCANNED.includes(r.expr), r.expr)
  }
  const one = instantQuery(ts.store)
  const sorted = (xs: { labels: Record<string, string>; value: number }[]) => xs.map((x) => JSON.stringify(x)).sort()
  // One group's batch, and both groups' rules in one batch (a round's).
  for (const rules of [a.rules, [...a.rules, ...b.rules]]) {
    const batch = await groupQuery(ts.store)('default', rules, now)
    let nonEmpty = 0
    for (const [i, r] of rules.entries()) {
      const got = batch[i]
      assert.ok(Array.isArray(got), `${r.expr}: ${String(got)}`)
      assert.deepEqual(sorted(got), sorted(await one('default', r, now)), r.expr)
      if (got.length) nonEmpty++
    }
    // all but the rules on service "nope" and `-n:>1`
    assert.ok(nonEmpty >= rules.length - 2, 'most rules have series')
  }
})
