import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseRuleFile, RuleError, type CompiledRule } from './rules.js'
import { expand } from './template.js'

const GOOD = `groups:
  - name: errors
    interval: 30s
    rules:
      - alert: HighErrorRate
        expr: sum by (service) (count_over_time({service=~".+"} |= "error" [5m])) > 10
        for: 2m
        keep_firing_for: 1m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.service }} logs {{ $value }} errors in 5 min"
      - record: service:errors:count5m
        expr: sum by (service) (count_over_time({level="error"}[5m]))
`

test('a Loki rule file parses: durations, labels, annotations, both rule kinds', () => {
  const [g] = parseRuleFile(GOOD, 'ns', 'rules.yml')
  assert.ok(g)
  assert.equal(g.name, 'errors')
  assert.equal(g.intervalMs, 30_000)
  assert.equal(g.rules.length, 2)
  const [a, r] = g.rules
  assert.equal(a?.alert, 'HighErrorRate')
  assert.equal(a?.forMs, 120_000)
  assert.equal(a?.keepFiringForMs, 60_000)
  assert.deepEqual(a?.labels, { severity: 'page' })
  assert.equal(r?.record, 'service:errors:count5m')
})

const bad: [string, string, RegExp][] = [
  ['not YAML', 'groups: [', /rules\.yml:\d+:\d+:/],
  ['unknown group field', 'groups:\n  - name: a\n    rulez: []\n', /rules\.yml:3: field rulez not found/],
  [
    'unknown rule field',
    'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: sum(rate({a="b"}[1m]))\n        fro: 1m\n',
    /rules\.yml:6: group "a", rule 1: field fro not found/,
  ],
  [
    'bad duration',
    'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: sum(rate({a="b"}[1m]))\n        for: soon\n',
    /group "a", rule 1 \(A\): for: not a valid duration/,
  ],
  [
    'expr that does not compile',
    'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: sum(rate({a="b"}[1m])\n',
    /rules\.yml:5: group "a", rule 1 \(A\): could not parse expression/,
  ],
  ['log query as expr', 'groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: \'{a="b"}\'\n', /must be a metric query/],
  [
    'both alert and record',
    'groups:\n  - name: a\n    rules:\n      - alert: A\n        record: b\n        expr: sum(rate({a="b"}[1m]))\n',
    /one of 'record' or 'alert'/,
  ],
  ['repeated group', 'groups:\n  - name: a\n    rules: []\n  - name: a\n    rules: []\n', /rules\.yml:4: groupname: "a" is repeated/],
]
for (const [what, text, re] of bad) {
  test(`refused, naming file, rule and line: ${what}`, () => {
    assert.throws(
      () => parseRuleFile(text, 'ns', 'rules.yml'),
      (e: unknown) => e instanceof RuleError && re.test(e.message),
    )
  })
}

test('templates: $labels, $value, .Labels, humanize; unknown ones stay', () => {
  const d = { labels: { service: 'api' }, value: 12345 }
  assert.equal(expand('{{ $labels.service }} has {{ $value }}', d), 'api has 12345')
  assert.equal(expand('{{ .Labels.service }} {{ .Value }}', d), 'api 12345')
  assert.equal(expand('{{ $value | humanize }}', d), '12.35k')
  assert.equal(expand('{{ $labels.nope }}|{{ range . }}', d), '|{{ range . }}')
})

const qRule = (expr: string) => `groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: '${expr}'\n`

test('a q stats query with a condition is a rule: window, labels from by, value from the condition', () => {
  const [g] = parseRuleFile(
    qRule('q: _time:5m level:error | stats count() as n, avg(took) as t by (service, http.host) | n:>10'),
    'ns',
    'r.yml',
  )
  const q = (g?.rules[0] as CompiledRule | undefined)?.q
  assert.equal(q?.kind, 'stats')
  if (q?.kind !== 'stats') return
  assert.equal(q.windowMs, 300_000)
  assert.equal(q.value, 'n')
  assert.deepEqual(q.labels, [
    { field: 'service', label: 'service' },
    { field: 'http.host', label: 'http_host' },
  ])
  // the window is taken out of the filter (it ends at the evaluation time, not at the wall clock)
  assert.deepEqual(
    q.pipeline.filter.clauses.map((c) => c.kind),
    ['level'],
  )
  // without a condition, the first result of stats is the value
  const [h] = parseRuleFile(qRule('q: _time:1h | stats sum(bytes) as b, count() by (service)'), 'ns', 'r.yml')
  const hq = (h?.rules[0] as CompiledRule | undefined)?.q
  assert.equal(hq?.kind === 'stats' && hq.value, 'b')
  const [n] = parseRuleFile(qRule('q: _time:10m service:api | new_patterns'), 'ns', 'r.yml')
  assert.deepEqual((n?.rules[0] as CompiledRule | undefined)?.q, {
    kind: 'new_patterns',
    windowMs: 600_000,
    filter: { clauses: [{ kind: 'service', negate: false, values: ['api'] }] },
  })
})

const badQ: [string, string, RegExp][] = [
  ['no window', 'q: level:error | stats count() as n | n:>1', /no window|_time:<duration>.*at position 3/],
  ['syntax', 'q: _time:5m (level:error | stats count() as n', /at position \d+/],
  ['not stats', 'q: _time:5m level:error', /a q rule is a stats query.*at position 23/],
  ['unknown field after stats', 'q: _time:5m | stats count() as n by (service) | m:>1', /unknown field 'm'.*at position 48/],
  ['time buckets', 'q: _time:5m | stats count() as n by (_time:1m)', /not _time buckets at position 37/],
  ['fields after stats', 'q: _time:5m | stats count() as n | fields n', /fields after stats.* at position 35/],
  ['new_patterns after a pipe', 'q: _time:5m | json | new_patterns', /filter only.*at position 14/],
]
for (const [what, expr, re] of badQ) {
  test(`a bad q rule is refused naming file, rule and position: ${what}`, () => {
    assert.throws(
      () => parseRuleFile(qRule(expr), 'ns', 'rules.yml'),
      (e: unknown) => {
        if (!(e instanceof RuleError)) return false
        assert.match(e.message, /^rules\.yml:5: group "a", rule 1 \(A\): could not parse expression: /)
        assert.match(e.message, re)
        return true
      },
    )
  })
}
