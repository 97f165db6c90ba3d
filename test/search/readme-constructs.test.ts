// Every example in the README's query-language tables (issue 14: "not done if a construct in the README
// has no test"): the tables of "Search syntax (`q`)" and "Pipes (analytics)" and their "Example" lines are
// read from README.md, and each example is run through the HTTP API (a filter through /api/logs and as
// `<filter> | stats count()` through /api/query, a pipeline through /api/query) on real Loghub lines and on
// generated plain, JSON and logfmt messages. Each result is checked against an expectation written here
// without the parser or the compiler (test/search/reference.ts for words and phrases, plain JS for the
// rest), and must be non-trivial (a filter keeps some entries and leaves some). A README example with no
// expectation here fails the test, so a construct added to the README needs its check.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, type App } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import type { Entry, Level } from '../../server/src/model/index.ts'
import type { Store } from '../../server/src/store/index.ts'
import { LOGHUB, ROOT } from '../helpers/server.ts'
import { phrase, tokens, word } from './reference.ts'

// --- The README's examples ------------------------------------------------------------------------

const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const section = (from: string, to: string) => README.slice(README.indexOf(from), README.indexOf(to, README.indexOf(from)))
const FILTER_SECTION = section('## Search syntax (`q`)', '### Pipes (analytics)')
const PIPE_SECTION = section('### Pipes (analytics)', '### Terminal client')
/** The code spans of a markdown cell or line (`\|` in a table is a `|`). */
const spans = (s: string) => [...s.replace(/\\\|/g, '|').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string)
/** The cells of each table row under a header whose first cell is `first`. */
function tableRows(text: string, first: string): string[][] {
  const out: string[][] = []
  let inTable = false
  for (const line of text.split('\n')) {
    if (line.startsWith(`| ${first} |`)) inTable = true
    else if (!line.startsWith('|')) inTable = false
    // An escaped `\|` inside a cell is not a cell boundary.
    else if (inTable && !/^\|[-|: ]+\|$/.test(line)) out.push(line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()))
  }
  return out
}

const FILTER_EXAMPLES = [
  ...tableRows(FILTER_SECTION, 'term').flatMap((cells) => spans(cells[0] as string)),
  // "Examples: `q=...` · ..."
  ...spans(/^Examples: (.*(?:\n(?!\n).*)*)/m.exec(FILTER_SECTION)?.[1] ?? '').map((s) => s.replace(/^q=/, '')),
]
const PIPE_EXAMPLES = [
  ...['pipe', 'pipe / function'].flatMap((h) => tableRows(PIPE_SECTION, h).flatMap((cells) => spans(cells[cells.length - 1] as string))),
  ...spans(/^Example: (.*)$/m.exec(PIPE_SECTION)?.[1] ?? '').map((s) => s.replace(/^q=/, '')),
]

// --- Data: Loghub lines, and generated entries made so that every construct keeps some and leaves some --

const NOW = Date.now()
const MIN = 60_000
const HOUR = 60 * MIN
const ts = (ms: number) => new Date(ms).toISOString().replace('Z', '000000Z')
/** Loghub lines are 2-3 days old; generated entries within the last 3 hours (a few within 5 minutes). */
const LOGHUB_WINDOW = [NOW - 3 * 24 * HOUR, NOW - 2 * 24 * HOUR] as const
const GEN_WINDOW = [NOW - 3 * HOUR, NOW + MIN] as const

interface E extends Entry {
  ms: number
}
const all: E[] = []
function add(ms: number, level: Level, service: string, message: string, attributes: Record<string, string> = {}, extra: Partial<Entry> = {}): void {
  all.push({ ms, timestamp: ts(ms), level, service, message, attributes, trace_id: '', span_id: '', ...extra })
}

for (const system of ['OpenSSH', 'HDFS', 'Apache', 'Linux']) {
  const lines = readFileSync(join(LOGHUB, `${system}_2k.log`), 'utf8').split('\n').filter(Boolean)
  lines.forEach((message, i) => {
    const level: Level = /failed password/i.test(message)
      ? 'warn'
      : /\b(error|fatal)\b/i.test(message)
        ? 'error'
        : /\bwarn/i.test(message)
          ? 'warn'
          : /\bdebug\b/i.test(message)
            ? 'debug'
            : 'info'
    add(LOGHUB_WINDOW[0] + i * 30_000 + system.length, level, system.toLowerCase(), message)
  })
}

// Plain messages (no '=' in any of them: the logfmt examples read generated key=value messages only).
let t = GEN_WINDOW[0] + MIN
const at = () => (t += 7_000)
add(at(), 'error', 'api', 'Timeout: upstream did not answer', { user: 'alice', status: '503', took: '300ms', path: '/api/v1/users', n: '-1', trace: 't1', client_ip: '10.1.1.1' }, {
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  span_id: '00f067aa0ba902b7',
  pattern_id: '3f2a9c0d1e4b5a6f',
})
add(at(), 'info', 'web', 'timeouts are configured', { user: 'albert', status: '200', took: '2s', n: '0', client_ip: '10.1.1.2' }, { pattern_id: 'a' })
add(at(), 'error', 'billing', 'connection refused by peer', { user: 'Alice Smith', 'http.status': '500', size: '512', bytes: '20MB', client_ip: '10.1.1.1' }, { pattern_id: 'b' })
add(at(), 'warn', 'api', 'refused connection on reconnect', { status: '500', took: '400', size: '1KiB', bytes: '10MB', level: 'high', client_ip: '10.1.1.1' }, { pattern_id: '3f2a9c0d1e4b5a6f' })
add(at(), 'info', 'hdfs-gen', 'reading blk_-1608999687919862906 done', { n: '1.5', bytes: '5MB', client_ip: '10.1.1.3' })
add(at(), 'info', 'hdfs-gen', 'reading blk_1608999687919862906 done', { size: '2000', level: 'low' })
add(at(), 'info', 'web', 'listening on 10.0.0.1:8080', { path: '/api/v2/items', status: 'abc' })
add(at(), 'info', 'web', 'listening on 10.0.0.1:80801', { path: '/api/v3/x', took: '100ms' })
add(at(), 'info', 'api', 'request req-38101a0b-2096 accepted', { user: 'bob', status: '200', took: '1.5s', trace: '' })
add(at(), 'debug', 'web', 'debug dump of state', { user: 'alina' })
add(at(), 'info', 'health', 'health check ok')
add(at(), 'info', 'web', 'health checks pending', { region: 'eu' })
add(at(), 'warn', 'auth', 'user 42 failed to log in', { user: 'al' })
add(at(), 'warn', 'auth', 'user bob failed to log in')
add(at(), 'error', 'api', 'ERROR in module loader', { status: '500' })
add(at(), 'error', 'web', 'error at start', { region: 'eu' })
add(at(), 'info', 'web', 'Connect to db', { trace: 'x' })
add(at(), 'info', 'web', 'CONNECTION: reset by trace', {}, { trace_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', span_id: '00f067aa0ba902b8' })
add(at(), 'info', 'billing', 'payment accepted', { region: 'eu' })
add(at(), 'debug', 'billing', 'payment retried', { region: 'eu' })
add(at(), 'info', 'billing', 'payment accepted', { region: 'us' })
// Within the last 5 (and 15) minutes.
add(NOW - 2 * MIN, 'error', 'api', 'timeout talking to cache', { status: '504', user: 'alice' })
add(NOW - 3 * MIN, 'info', 'web', 'recent refused request', { status: '404' })

// JSON and logfmt messages: routes, statuses, durations, users; many api errors in one 5-minute bucket.
const ROUTES = ['/login', '/search', '/cart', '/pay']
const json: { route: string; status: number; took: number; user: string; e: E }[] = []
for (let i = 0; i < 240; i++) {
  const route = ROUTES[i % 4] as string
  const status = [200, 201, 404, 500, 503][i % 5] as number
  const took = i * 13 + 1 // unique
  const user = i % 3 === 0 ? 'u0' : `u${i % 7}`
  add(GEN_WINDOW[0] + 20 * MIN + (i % 60) * 1000, status >= 500 ? 'error' : 'info', i % 2 ? 'api' : 'jsonsvc', JSON.stringify({ route, status, took: `${took}ms`, user, ctx: { region: `r${i % 3}` } }), {
    client_ip: `10.0.0.${i % 11}`,
  })
  json.push({ route, status, took, user, e: all[all.length - 1] as E })
}
for (let i = 0; i < 120; i++) {
  const route = ROUTES[(i * 3) % 4] as string
  add(GEN_WINDOW[0] + 60 * MIN + i * 20_000, 'info', 'kvsvc', `route=${route} status=${[200, 500][i % 2]} took=${i * 7 + 3}ms user=k${i % 5} msg="request done"`)
}
for (let i = 0; i < 30; i++) add(GEN_WINDOW[0] + 90 * MIN + i * 1000, 'info', 'kvsvc', `route=/x took=${i}ms msg="other thing"`, { took: '999ms' })

// --- What the language means, written out (no parser, no compiler) --------------------------------

const attrs = (e: E) => e.attributes
const inGen = (e: E) => e.ms >= GEN_WINDOW[0] && e.ms < GEN_WINDOW[1]
const inLoghub = (e: E) => e.ms >= LOGHUB_WINDOW[0] && e.ms < LOGHUB_WINDOW[1]
const DUR: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const SIZE: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 }
function asNumber(v: string | undefined): number | undefined {
  return v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined
}
function asDuration(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^(-?\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d|w)?$/.exec(v)
  return m ? Number(m[1]) * (DUR[m[2] ?? 'ms'] as number) : undefined
}
function asSize(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^(-?\d+(?:\.\d+)?)(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?$/.exec(v)
  return m ? Number(m[1]) * (SIZE[m[2] ?? 'B'] as number) : undefined
}
/** Numbers, durations (ms) and sizes (bytes), as stats functions and sort read a field. */
const anyNumber = (v: string | undefined) => asNumber(v) ?? asDuration(v) ?? asSize(v)

/** A message's top-level JSON keys as text (objects as JSON), or undefined when it is not a JSON object. */
function jsonFields(message: string): Record<string, string> | undefined {
  try {
    const o: unknown = JSON.parse(message)
    if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
  } catch {
    return undefined
  }
}
/** The generated logfmt messages' pairs (`k=v`, `k="v w"`). */
function logfmtFields(message: string): Record<string, string> {
  return Object.fromEntries([...message.matchAll(/(\S+?)=("([^"]*)"|\S*)/g)].map((m) => [m[1], m[3] ?? m[2]]))
}
/** A field after `json` or `logfmt`: the message's, else the attribute. */
const viaJson = (e: E, k: string) => jsonFields(e.message)?.[k] ?? attrs(e)[k]
const viaLogfmt = (e: E, k: string) => logfmtFields(e.message)[k] ?? attrs(e)[k]

const count = <T>(xs: T[], key: (x: T) => string) => {
  const m = new Map<string, T[]>()
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x])
  return m
}

type Filter = (e: E) => boolean
/** Each filter example of the README, as a predicate on an entry. */
const FILTERS: Record<string, Filter> = {
  timeout: (e) => word(e.message, 'timeout'),
  'connection refused': (e) => word(e.message, 'connection') && word(e.message, 'refused'),
  '"connection refused"': (e) => phrase(e.message, 'connection refused'),
  'blk_-1608999687919862906': (e) => phrase(e.message, 'blk_-1608999687919862906'),
  '10.0.0.1:8080': (e) => phrase(e.message, '10.0.0.1:8080'),
  'req-38101a0b-2096': (e) => phrase(e.message, 'req-38101a0b-2096'),
  '-debug': (e) => !word(e.message, 'debug'),
  '-"health check"': (e) => !phrase(e.message, 'health check'),
  'level:error': (e) => e.level === 'error',
  'level:warn,error': (e) => e.level === 'warn' || e.level === 'error',
  'service:billing': (e) => e.service === 'billing',
  'service:api,web': (e) => e.service === 'api' || e.service === 'web',
  'pattern:3f2a9c0d1e4b5a6f': (e) => e.pattern_id === '3f2a9c0d1e4b5a6f',
  '-pattern:a,b': (e) => e.pattern_id !== 'a' && e.pattern_id !== 'b',
  'user:alice': (e) => attrs(e).user === 'alice',
  'http.status:500': (e) => attrs(e)['http.status'] === '500',
  'user:"Alice Smith"': (e) => attrs(e).user === 'Alice Smith',
  'trace:*': (e) => 'trace' in attrs(e),
  'trace_id:4bf92f3577b34da6a3ce929d0e0e4736': (e) => e.trace_id === '4bf92f3577b34da6a3ce929d0e0e4736',
  'span_id:00f067aa0ba902b7': (e) => e.span_id === '00f067aa0ba902b7',
  'attr.level:high': (e) => attrs(e).level === 'high',
  '-service:health': (e) => e.service !== 'health',
  '-user:*': (e) => !('user' in attrs(e)),
  '(timeout OR refused) service:api': (e) => (word(e.message, 'timeout') || word(e.message, 'refused')) && e.service === 'api',
  'NOT (debug OR trace)': (e) => !(word(e.message, 'debug') || word(e.message, 'trace')),
  '-(level:info service:web)': (e) => !(e.level === 'info' && e.service === 'web'),
  'conn*': (e) => tokens(e.message).some((x) => x.startsWith('conn')),
  'user:al*': (e) => (attrs(e).user ?? '\u0000').startsWith('al'),
  '~"user [0-9]+ failed"': (e) => /user [0-9]+ failed/.test(e.message),
  '~"(?i)^error"': (e) => /^error/i.test(e.message),
  'path:~"^/api/v[12]/"': (e) => /^\/api\/v[12]\//.test(attrs(e).path ?? '\u0000') && 'path' in attrs(e),
  'status:>=500': (e) => (asNumber(attrs(e).status) ?? -Infinity) >= 500,
  'n:<0': (e) => (asNumber(attrs(e).n) ?? Infinity) < 0,
  'n:=1.5': (e) => asNumber(attrs(e).n) === 1.5,
  'took:>250ms': (e) => (asDuration(attrs(e).took) ?? -Infinity) > 250,
  'took:<=1.5s': (e) => (asDuration(attrs(e).took) ?? Infinity) <= 1500,
  'size:<1KiB': (e) => (asSize(attrs(e).size) ?? Infinity) < 1024,
  'bytes:>=10MB': (e) => (asSize(attrs(e).bytes) ?? -Infinity) >= 10e6,
  '_time:5m': (e) => e.ms >= NOW - 5 * MIN,
  '-_time:1h': (e) => e.ms < NOW - HOUR,
  // The "Examples:" line.
  'error -"health check" service:api': (e) => word(e.message, 'error') && !phrase(e.message, 'health check') && e.service === 'api',
  '"Failed password for" level:warn,error': (e) => phrase(e.message, 'Failed password for') && (e.level === 'warn' || e.level === 'error'),
  'user:alice -status:200': (e) => attrs(e).user === 'alice' && attrs(e).status !== '200',
  'payment region:eu -level:debug': (e) => word(e.message, 'payment') && attrs(e).region === 'eu' && e.level !== 'debug',
  '(timeout OR refused) status:>=500 _time:15m': (e) =>
    (word(e.message, 'timeout') || word(e.message, 'refused')) && (asNumber(attrs(e).status) ?? -1) >= 500 && e.ms >= NOW - 15 * MIN,
}

/** A pipeline example's expected result, over the entries of a window. */
interface PipeCheck {
  window?: 'gen' | 'loghub'
  /** Stages appended to the example to see what it produced (extracted fields are not entry columns). */
  probe?: string
  check: (r: Result, rows: E[]) => void
}
interface Result {
  columns: { name: string; type: string }[]
  rows: unknown[][]
  truncated: boolean
}
const col = (r: Result, name: string) => {
  const i = r.columns.findIndex((c) => c.name === name)
  assert.ok(i >= 0, `no column ${name} in ${JSON.stringify(r.columns)}`)
  return r.rows.map((row) => row[i])
}
const sorted = <T>(xs: T[]) => [...xs].map((x) => JSON.stringify(x)).sort()
/** The result's rows as entries' messages, in order. */
const messages = (r: Result) => col(r, 'message') as string[]
const nonTrivial = (n: number, total: number, what: string) => assert.ok(n > 0 && n < total, `${what}: ${n} of ${total} is not a real test`)

const PIPES: Record<string, PipeCheck> = {
  'service:api | json | status:>=500': {
    check: (r, rows) => {
      const want = rows.filter((e) => e.service === 'api' && (asNumber(viaJson(e, 'status')) ?? -1) >= 500)
      nonTrivial(want.length, rows.length, 'json status')
      assert.deepEqual(sorted(messages(r)), sorted(want.map((e) => e.message)))
    },
  },
  '| logfmt | took:>250ms': {
    check: (r, rows) => {
      const want = rows.filter((e) => (asDuration(viaLogfmt(e, 'took')) ?? -1) > 250)
      nonTrivial(want.length, rows.length, 'logfmt took')
      assert.deepEqual(sorted(messages(r)), sorted(want.map((e) => e.message)))
    },
  },
  '| extract "from <ip> port <port> "': {
    window: 'loghub',
    probe: ' | fields ip, port',
    check: (r, rows) => {
      const want = rows.map((e) => {
        const m = /from (.*?) port (.*?) /.exec(e.message)
        return m ? [m[1], m[2]] : ['', '']
      })
      nonTrivial(want.filter((x) => x[0]).length, rows.length, 'extract')
      assert.deepEqual(sorted(r.rows), sorted(want))
    },
  },
  '| json | fields route, status, took': {
    check: (r, rows) => {
      assert.deepEqual(
        r.columns.map((c) => c.name),
        ['route', 'status', 'took'],
      )
      const want = rows.map((e) => ['route', 'status', 'took'].map((k) => viaJson(e, k) ?? ''))
      assert.deepEqual(sorted(r.rows), sorted(want))
    },
  },
  '| json | sort by (took desc)': {
    check: (r, rows) => {
      const numeric = rows.filter((e) => anyNumber(viaJson(e, 'took')) !== undefined)
      const want = numeric.sort((a, b) => (anyNumber(viaJson(b, 'took')) as number) - (anyNumber(viaJson(a, 'took')) as number))
      // Unique values: the order of these is determined; the rest (no took) follow.
      const top = want.slice(0, 50)
      assert.deepEqual(messages(r).slice(0, top.length), top.map((e) => e.message))
    },
  },
  '| sort by (took desc) | limit 20': {
    check: (r, rows) => {
      assert.equal(r.rows.length, 20)
      const want = rows
        .filter((e) => anyNumber(attrs(e).took) !== undefined)
        .sort((a, b) => (anyNumber(attrs(b).took) as number) - (anyNumber(attrs(a).took) as number))
      // Ties (999ms thirty times) in any order: compare the took of each row.
      const took = (m: string) => anyNumber(rows.find((e) => e.message === m)?.attributes.took)
      assert.deepEqual(
        messages(r).map(took),
        want.slice(0, 20).map((e) => anyNumber(attrs(e).took)),
      )
    },
  },
  '| json | status:>=500': {
    check: (r, rows) => {
      const want = rows.filter((e) => (asNumber(viaJson(e, 'status')) ?? -1) >= 500)
      nonTrivial(want.length, rows.length, 'json status')
      assert.deepEqual(sorted(messages(r)), sorted(want.map((e) => e.message)))
    },
  },
  '| stats count() as n by (user) | n:>100': {
    check: (r, rows) => {
      const want = [...count(rows, (e) => attrs(e).user ?? '')].map(([u, es]) => [u, es.length]).filter(([, n]) => (n as number) > 100)
      assert.ok(want.length > 0 && want.length < count(rows, (e) => attrs(e).user ?? '').size)
      assert.deepEqual(sorted(r.rows), sorted(want))
    },
  },
  '| filter "request done"': {
    check: (r, rows) => {
      const want = rows.filter((e) => phrase(e.message, 'request done'))
      nonTrivial(want.length, rows.length, 'filter phrase')
      assert.deepEqual(sorted(messages(r)), sorted(want.map((e) => e.message)))
    },
  },
  '| stats count() as n by (service, level)': {
    check: (r, rows) => {
      const want = [...count(rows, (e) => JSON.stringify([e.service, e.level]))].map(([k, es]) => [...JSON.parse(k), es.length])
      assert.ok(want.length > 5)
      assert.deepEqual(sorted(r.rows), sorted(want))
    },
  },
  '| stats count() by (_time:1h)': {
    check: (r, rows) => {
      assert.deepEqual(
        r.columns.map((c) => [c.name, c.type]),
        [
          ['_time', 'time'],
          ['count()', 'number'],
        ],
      )
      const want = [...count(rows, (e) => String(Math.floor(e.ms / HOUR) * HOUR))].map(([k, es]) => [Number(k), es.length])
      assert.ok(want.length >= 3)
      assert.deepEqual(sorted(r.rows.map(([time, n]) => [Date.parse(String(time)), n])), sorted(want))
    },
  },
  '| stats count(user) as with_user': {
    check: (r, rows) => {
      const n = rows.filter((e) => 'user' in attrs(e)).length
      nonTrivial(n, rows.length, 'count(user)')
      assert.deepEqual(r.rows, [[n]])
    },
  },
  '| json | stats count_uniq(user) by (route)': {
    check: (r, rows) => {
      const want = [...count(rows, (e) => viaJson(e, 'route') ?? '')].map(([route, es]) => [
        route,
        new Set(es.filter((e) => viaJson(e, 'user') !== undefined).map((e) => viaJson(e, 'user'))).size,
      ])
      assert.ok(want.some(([, n]) => (n as number) > 1))
      assert.deepEqual(sorted(r.rows), sorted(want))
    },
  },
  '| logfmt | stats avg(took), max(took) by (route)': {
    check: (r, rows) => {
      const groups = [...count(rows, (e) => viaLogfmt(e, 'route') ?? '')]
      assert.deepEqual(sorted(col(r, 'route')), sorted(groups.map(([g]) => g)))
      for (const [route, es] of groups) {
        const xs = es.map((e) => asDuration(viaLogfmt(e, 'took'))).filter((x): x is number => x !== undefined)
        const row = r.rows.find((x) => x[0] === route) as unknown[]
        if (!xs.length) {
          assert.deepEqual(row.slice(1), [null, null], route)
          continue
        }
        assert.ok(Math.abs((row[1] as number) - xs.reduce((a, b) => a + b, 0) / xs.length) < 1e-6, `${route} avg ${row[1]}`)
        assert.equal(row[2], Math.max(...xs), route)
      }
      assert.ok(groups.length >= 4)
    },
  },
  '| json | stats quantile(0.95, took) as p95 by (route)': {
    check: (r, rows) => {
      const groups = [...count(rows, (e) => viaJson(e, 'route') ?? '')]
      assert.equal(r.rows.length, groups.length)
      for (const [route, es] of groups) {
        const xs = es
          .map((e) => anyNumber(viaJson(e, 'took')))
          .filter((x): x is number => x !== undefined)
          .sort((a, b) => a - b)
        if (!xs.length) continue
        const p95 = r.rows.find((x) => x[0] === route)?.[1] as number
        // Approximate (ClickHouse `quantile`): between the 90th percentile and the largest.
        assert.ok(p95 >= (xs[Math.floor(xs.length * 0.9) - 1] ?? xs[0]!) && p95 <= xs[xs.length - 1]!, `${route}: p95 ${p95} of ${xs.join(',')}`)
      }
    },
  },
  '| top 10 by (client_ip)': {
    check: (r, rows) => {
      const want = [...count(rows, (e) => attrs(e).client_ip ?? '')]
        .map(([ip, es]) => [ip, es.length] as [string, number])
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 10)
      assert.deepEqual(
        r.columns.map((c) => c.name),
        ['client_ip', 'hits'],
      )
      assert.deepEqual(r.rows, want)
    },
  },
  '| json | uniq by (user)': {
    check: (r, rows) => {
      const want = [...new Set(rows.map((e) => viaJson(e, 'user') ?? ''))].map((u) => [u])
      assert.ok(want.length > 5)
      assert.deepEqual(sorted(r.rows), sorted(want))
    },
  },
  'service:api | json | status:>=500 | stats count() as errors, quantile(0.95, took) as p95 by (route, _time:5m) | errors:>10': {
    check: (r, rows) => {
      const bad = rows.filter((e) => e.service === 'api' && (asNumber(viaJson(e, 'status')) ?? -1) >= 500)
      const want = [...count(bad, (e) => JSON.stringify([viaJson(e, 'route') ?? '', Math.floor(e.ms / (5 * MIN)) * 5 * MIN]))]
        .filter(([, es]) => es.length > 10)
        .map(([k, es]) => [...(JSON.parse(k) as [string, number]), es.length])
      assert.ok(want.length > 0, 'some group has more than 10 errors')
      assert.deepEqual(
        sorted(r.rows.map(([route, time, errors]) => [route, Date.parse(String(time)), errors])),
        sorted(want),
      )
      for (const row of r.rows) assert.ok(typeof row[3] === 'number' && row[3] > 0, `p95 ${row[3]}`)
    },
  },
}

// --- The API ---------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'ogls-readme-q-'))
let app: App
before(async () => {
  app = await createApp(loadConfig('all', { DATA_DIR: dir, RATE_LIMIT_MAX: '0', LOG_LEVEL: 'silent', WEB_DIR: join(dir, 'no-dashboard') }))
  await (app.store as Store).insert(all, 'readme-constructs')
})
after(async () => {
  await app?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const ALL_RANGE = `from=${LOGHUB_WINDOW[0] - HOUR}&to=${GEN_WINDOW[1]}`
async function get(path: string): Promise<unknown> {
  const r = await app.server.inject({ method: 'GET', url: path })
  assert.equal(r.statusCode, 200, `${decodeURIComponent(path)}: ${r.body}`)
  return JSON.parse(r.body)
}

test('the README has the tables this test reads', () => {
  assert.ok(FILTER_EXAMPLES.length >= 40, `${FILTER_EXAMPLES.length} filter examples`)
  assert.ok(PIPE_EXAMPLES.length >= 17, `${PIPE_EXAMPLES.length} pipe examples`)
  for (const ex of FILTER_EXAMPLES) assert.ok(ex in FILTERS, `README filter example ${ex} has no expectation in this test`)
  for (const ex of PIPE_EXAMPLES) assert.ok(ex in PIPES, `README pipe example ${ex} has no expectation in this test`)
})

describe('every filter example of the README, on Loghub lines and generated entries', () => {
  for (const q of FILTER_EXAMPLES) {
    test(q, async () => {
      const pred = FILTERS[q]
      assert.ok(pred, `no expectation for ${q}`)
      const want = all.filter(pred)
      nonTrivial(want.length, all.length, q)
      // As a pipeline's filter: the count.
      const counted = (await get(`/api/query?q=${encodeURIComponent(`${q} | stats count() as n`)}&${ALL_RANGE}`)) as Result
      assert.deepEqual(counted.rows, [[want.length]], q)
      // Through /api/logs: the entries themselves.
      if (want.length <= 1000) {
        const got = (await get(`/api/logs?q=${encodeURIComponent(q)}&limit=1000&${ALL_RANGE}`)) as { message: string }[]
        assert.deepEqual(sorted(got.map((e) => e.message)), sorted(want.map((e) => e.message)), q)
      }
    })
  }
})

describe('every pipe example of the README, on generated JSON and logfmt messages and Loghub lines', () => {
  for (const q of PIPE_EXAMPLES) {
    test(q, async () => {
      const c = PIPES[q]
      assert.ok(c, `no expectation for ${q}`)
      const [from, to] = c.window === 'loghub' ? LOGHUB_WINDOW : GEN_WINDOW
      const rows = all.filter(c.window === 'loghub' ? inLoghub : inGen)
      const r = (await get(`/api/query?q=${encodeURIComponent(q + (c.probe ?? ''))}&from=${from}&to=${to}&limit=10000`)) as Result
      assert.equal(r.truncated, false)
      c.check(r, rows)
    })
  }
})
