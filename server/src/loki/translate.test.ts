// LogQL → query IR: what each construct becomes, Loki's error texts, and the request parameters.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Params } from '../store/params.ts'
import type { ScopedWhere } from '../store/queries.ts'
import { compileLogPipeline } from '../query/search/labels.ts'
import { compileSeries } from '../query/search/series.ts'
import type { Clause, LogPipeline, MetricExpr } from '../query/search/ir.ts'
import { LogqlError, bytesOf, durationMs } from './logql.ts'
import { parseRange, parseStep, parseTime } from './params.ts'
import { translate } from './translate-metric.ts'

const log = (q: string): LogPipeline => {
  const t = translate(q)
  assert.equal(t.kind, 'log', q)
  return (t as { log: LogPipeline }).log
}
const metric = (q: string): MetricExpr => {
  const t = translate(q)
  assert.equal(t.kind, 'metric', q)
  return (t as { expr: MetricExpr }).expr
}
/** Clauses without the compiled JS regexes, for comparison. */
const plain = (cs: Clause[]): unknown => JSON.parse(JSON.stringify(cs, (k, v) => (k === 'js' ? undefined : v)))

test('stream selector: =, !=, =~ (anchored), !~ on any label', () => {
  assert.deepEqual(plain(log('{service_name="api", level!="debug", host=~"h[0-9]", env!~"dev|test"}').filter.clauses), [
    { kind: 'attr', negate: false, key: 'service_name', value: 'api' },
    { kind: 'attr', negate: true, key: 'level', value: 'debug' },
    { kind: 'regex', negate: false, key: 'host', pattern: '^(?:h[0-9])$' },
    { kind: 'regex', negate: true, key: 'env', pattern: '^(?:dev|test)$' },
  ])
})

test('line filters: |= != |~ !~ |> chained, and or; they join the selector before any parser', () => {
  const l = log('{a="b"} |= "x.y" != "z" |~ "(?i)err" !~ "q+" |= "a" or "b" |> "<_> took <_>"')
  assert.deepEqual(plain(l.filter.clauses.slice(1)), [
    { kind: 'regex', negate: false, pattern: 'x\\.y' },
    { kind: 'regex', negate: true, pattern: 'z' },
    { kind: 'regex', negate: false, pattern: '(?i)err' },
    { kind: 'regex', negate: true, pattern: 'q+' },
    { kind: 'or', negate: false, branches: [[{ kind: 'regex', negate: false, pattern: 'a' }], [{ kind: 'regex', negate: false, pattern: 'b' }]] },
    { kind: 'regex', negate: false, pattern: '^.*? took .*?$' },
  ])
  assert.deepEqual(l.stages, [])
})

test('parsers and label filters become stages: numbers, durations, bytes, strings, and/or', () => {
  const l = log('{a="b"} | json | status >= 500 and took > 1.5s or size <= 1KiB | logfmt | user=~"u.*", x != 3')
  assert.deepEqual(
    l.stages.map((s) => s.kind),
    ['json', 'filter', 'logfmt', 'filter'],
  )
  assert.deepEqual(plain((l.stages[1] as { clauses: Clause[] }).clauses), [
    {
      kind: 'or',
      negate: false,
      branches: [
        [
          { kind: 'compare', negate: false, key: 'status', op: '>=', unit: 'number', value: 500 },
          { kind: 'compare', negate: false, key: 'took', op: '>', unit: 'duration', value: 1500 },
        ],
        [{ kind: 'compare', negate: false, key: 'size', op: '<=', unit: 'size', value: 1024 }],
      ],
    },
  ])
  assert.deepEqual(plain((l.stages[3] as { clauses: Clause[] }).clauses), [
    { kind: 'regex', negate: false, key: 'user', pattern: '^(?:u.*)$' },
    { kind: 'compare', negate: true, key: 'x', op: '=', unit: 'number', value: 3 },
  ])
})

test('pattern, regexp, json paths, line_format, label_format, drop, keep', () => {
  const l = log(
    '{a="b"} | pattern "<ip> - <_> <status>" | regexp "(?P<method>GET|POST) (/\\\\w+)" | json code="resp.code" | line_format "{{.ip}} {{ __line__ }}" | label_format who=ip, t="x-{{.status}}" | drop ip | keep who',
  )
  assert.deepEqual(l.stages, [
    { kind: 'extract', at: 8, regex: '^(.*?) - .*? (.*)', names: ['ip', 'status'] },
    { kind: 'extract', at: 40, regex: '(GET|POST) (?:/\\w+)', names: ['method'] },
    { kind: 'json', at: 80, paths: [{ name: 'code', path: ['resp', 'code'] }] },
    { kind: 'line_format', at: 104, parts: [{ label: 'ip' }, { text: ' ' }, { line: true }] },
    { kind: 'label_format', at: 143, assign: [{ name: 'who', from: 'ip' }, { name: 't', parts: [{ text: 'x-' }, { label: 'status' }] }] },
    { kind: 'drop', at: 184, names: ['ip'] },
    { kind: 'keep', at: 194, names: ['who'] },
  ])
})

test('metric expressions: range functions, unwrap, aggregations, binary operators; scalars fold', () => {
  assert.deepEqual(metric('sum by (level) (count_over_time({a="b"}[5m]))'), {
    kind: 'aggregate',
    op: 'sum',
    grouping: { without: false, labels: ['level'] },
    expr: { kind: 'range', fn: 'count_over_time', rangeMs: 300_000, log: { filter: { clauses: [{ kind: 'attr', negate: false, key: 'a', value: 'b' }] }, stages: [] } },
  })
  const q = metric('quantile_over_time(0.95, {a="b"} | logfmt | unwrap duration(took) | __error__="" [1m]) without (host)')
  assert.equal(q.kind, 'range')
  assert.deepEqual(q.kind === 'range' && [q.fn, q.param, q.unwrap, q.grouping, q.log.stages.length], [
    'quantile_over_time',
    0.95,
    { label: 'took', conv: 'duration' },
    { without: true, labels: ['host'] },
    2,
  ])
  assert.deepEqual(metric('vector(1)+vector(1)'), { kind: 'binary', op: '+', bool: false, left: { kind: 'vector', value: 1 }, right: { kind: 'vector', value: 1 } })
  assert.deepEqual(metric('2 * 3 + 1'), { kind: 'scalar', value: 7 })
  assert.deepEqual(metric('1 + 2 * 3 - 4 / 2'), { kind: 'scalar', value: 5 })
  assert.deepEqual(metric('2 ^ 3 ^ 2'), { kind: 'scalar', value: 512 })
  assert.deepEqual(metric('(1 + 2) * 3'), { kind: 'scalar', value: 9 })
  assert.deepEqual(metric('1 + 2 > bool 2'), { kind: 'scalar', value: 1 })
  const t = metric('topk(3, rate({a="b"}[1m])) > bool 0.5')
  assert.deepEqual(t.kind === 'binary' && [t.op, t.bool, t.left.kind, t.right], ['>', true, 'aggregate', { kind: 'scalar', value: 0.5 }])
})

test("errors: Loki's parse error text with line and column; unsupported constructs are named", () => {
  const err = (q: string) => {
    try {
      translate(q)
    } catch (e) {
      assert.ok(e instanceof LogqlError, String(e))
      return e.message
    }
    assert.fail(`${q} was accepted`)
  }
  assert.match(err('{a="b"'), /^parse error at line 1, col \d+: syntax error: unexpected/)
  assert.match(err('sum(rate({a="b"}[1m])'), /^parse error at line 1, col 22: syntax error: unexpected \$end/)
  assert.match(err('{a="b"}\n| json |'), /^parse error at line 2, col/)
  assert.match(err('{a=~".*"}'), /at least one regexp or equality matcher that does not have an empty-compatible value/)
  assert.match(err('rate({a="b"}[1m] offset 5m)'), /offset is not supported/)
  assert.match(err('{a="b"} | unpack'), /\| unpack is not supported/)
  assert.match(err('{a="b"} | decolorize'), /\| decolorize is not supported/)
  assert.match(err('{a="b"} |= ip("1.2.3.4")'), /ip\(\) line filter is not supported/)
  assert.match(err('label_replace(rate({a="b"}[1m]), "x", "$1", "a", "(.*)")'), /label_replace\(\) is not supported/)
  assert.match(err('rate({a="b"}[1m]) / on(a) rate({a="b"}[1m])'), /on\(\)\/ignoring\(\) vector matching is not supported/)
  assert.match(err('rate({a="b"}[1m]) and rate({a="b"}[1m])'), /the and operator is not supported/)
  assert.match(err('approx_topk(2, rate({a="b"}[1m]))'), /approx_topk is not supported/)
  assert.match(err('rate_counter({a="b"} | unwrap x [1m])'), /rate_counter is not supported/)
  assert.match(err('{a="b"} | line_format "{{ .a | upper }}"'), /template action \{\{\.a \| upper\}\} .*is not supported/)
  assert.match(err('sum_over_time({a="b"}[1m])'), /invalid aggregation sum_over_time without unwrap/)
  assert.match(err('count_over_time({a="b"} | unwrap x [1m])'), /invalid aggregation count_over_time with unwrap/)
  assert.match(err('{a="b"} |~ "(?=x)"'), /error parsing regexp: lookahead/)
  assert.match(err(''), /syntax error/)
})

test('durations and bytes as Loki reads them', () => {
  assert.equal(durationMs('1m30s'), 90_000)
  assert.equal(durationMs('250ms'), 250)
  assert.equal(durationMs('2d'), 172_800_000)
  assert.equal(durationMs('x'), undefined)
  assert.equal(bytesOf('1KB'), 1000)
  assert.equal(bytesOf('2kib'), 2048)
  assert.equal(bytesOf('10'), 10)
})

test('start/end/time as nanoseconds, seconds or RFC 3339; step as a duration or seconds', () => {
  const s = 1_780_000_000n * 1_000_000_000n
  assert.equal(parseTime({ t: '1780000000' }, 't', 0n), s)
  assert.equal(parseTime({ t: '1780000000.25' }, 't', 0n), s + 250_000_000n)
  assert.equal(parseTime({ t: String(s + 7n) }, 't', 0n), s + 7n)
  assert.equal(parseTime({ t: '2026-05-28T20:26:40.000000123Z' }, 't', 0n), s + 123n)
  assert.throws(() => parseTime({ t: 'yesterday' }, 't', 0n), /invalid parameter "t"/)
  assert.equal(parseStep({ step: '15s' }, s - 3_600_000_000_000n, s), 15_000_000_000n)
  assert.equal(parseStep({ step: '0.5' }, 0n, 1_000_000_000_000n), 500_000_000n)
  assert.throws(() => parseStep({ step: '1s' }, 0n, 86_400n * 1_000_000_000n), /exceeded maximum resolution of 11000 points/)
  // Default: range / 250, whole seconds.
  assert.equal(parseStep({}, 0n, 3_600n * 1_000_000_000n), 14_000_000_000n)
  const r = parseRange({ end: '1780000000', since: '5m' })
  assert.equal(r.end - r.start, 300n * 1_000_000_000n)
  assert.throws(() => parseRange({ start: '1780000001', end: '1780000000' }), /end timestamp must not be before/)
})

test('every value reaches the engine as a parameter', () => {
  const p = new Params()
  const l = log('{service_name="x\'; DROP"} |= "a\'b" | json | k="v\'" | line_format "{{.k}}\'"')
  const { row, where } = compileLogPipeline(l, p)
  const sql = `${row.line} ${row.labels} ${where.join(' ')}`
  assert.ok(!sql.includes('DROP') && !sql.includes("a'b") && !sql.includes("v'"), sql)
  const p2 = new Params()
  const m = metric('sum by (level) (rate({service_name="y\'z"}[1m]))')
  const s2 = compileSeries(m, { table: 't', steps: { start: 0n, end: 60_000_000_000n, step: 60_000_000_000n }, where: (search, _f, _t, p) => `WHERE ${search(p)}` as ScopedWhere, p: p2 })
  assert.ok(!s2.includes("y'z"), s2)
})
