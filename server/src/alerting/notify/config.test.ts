import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RuleError } from '../rules.js'
import { parseNotifyConfig, routeAlert } from './config.js'

const CFG = `receivers:
  - name: default
    webhook: { url: http://h/default }
  - name: pager
    pagerduty: { routing_key: k }
  - name: chat
    slack: { url: https://hooks.slack.com/services/x }
    send_resolved: false
route:
  receiver: default
  repeat_interval: 1h
  routes:
    - match: { severity: critical }
      receiver: pager
      repeat_interval: 10m
      continue: true
    - match_re: { team: "web|api" }
      receiver: chat
`

test('routes pick receivers by labels as Alertmanager walks its tree', () => {
  const cfg = parseNotifyConfig(CFG, 'a.yml')
  const names = (labels: Record<string, string>) => routeAlert(cfg, labels).map((r) => `${r.receiver.name}@${r.repeatIntervalMs / 60_000}m`)
  assert.deepEqual(names({ severity: 'critical', team: 'api' }), ['pager@10m', 'chat@60m'])
  assert.deepEqual(names({ severity: 'critical' }), ['pager@10m'])
  assert.deepEqual(names({ team: 'web' }), ['chat@60m'])
  assert.deepEqual(names({ team: 'webx' }), ['default@60m'])
  assert.equal(cfg.receivers.get('chat')?.sendResolved, false)
})

test('a bad ALERTING_CONFIG names the file and the place', () => {
  const bad: [string, RegExp][] = [
    ['receivers:\n  - name: a\n    email: {}\nroute: { receiver: a }\n', /receivers\[0\]: unknown field email/],
    ['receivers:\n  - name: a\n    webhook: { url: ftp://x }\nroute: { receiver: a }\n', /url must be an http\(s\) URL/],
    ['receivers:\n  - name: a\n    webhook: { url: http://x }\nroute: { receiver: b }\n', /receiver "b" is not defined/],
    ['receivers:\n  - name: a\n    pagerduty: {}\nroute: { receiver: a }\n', /routing_key is required/],
  ]
  for (const [text, re] of bad)
    assert.throws(
      () => parseNotifyConfig(text, 'a.yml'),
      (e: unknown) => e instanceof RuleError && /^a\.yml/.test(e.message) && re.test(e.message),
      text,
    )
})
