// Counting rules of one window share one scan (alerting/scan.ts): each answers exactly as the rule
// run alone through the LogQL engine (`instantQuery`, series.ts's SQL), on the real embedded engine,
// within one group's batch and across groups; rules of another shape are not taken.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { groupQuery, instantQuery } from '../../server/src/alerting/index.ts'
import { parseRuleFile } from '../../server/src/alerting/rules.ts'
import { scanShape } from '../../server/src/alerting/scan.ts'
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
  'sum by (service) (count_over_time({level="warn"}[5m])) == 25',
  'sum by (service) (count_over_time({level="warn"}[5m])) != 25',
  'sum by (service) (count_over_time({service_name="svc-0", level="error"}[5m])) <= 1000000',
  'sum(count_over_time({service_name="svc-1"} |= "refused" [1m]))',
  'sum(count_over_time({service_name="svc-2"} |= "refused" [1m])) > 0',
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
    `groups:\n${group('a', [...SCANNED.slice(0, 7), ...OTHERS.slice(0, 4)])}${group('b', [...SCANNED.slice(7), ...OTHERS.slice(4)])}`,
    'ns',
    'scan.yml',
  )
  assert.ok(a && b)
  for (const r of [...a.rules, ...b.rules]) {
    assert.ok(r.metric)
    assert.equal(scanShape(r.metric) !== undefined, SCANNED.includes(r.expr), r.expr)
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
    assert.ok(nonEmpty >= rules.length - 3, 'most rules have series')
  }
})
