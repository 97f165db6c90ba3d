// Search over real Loghub lines through the store: every count equals an independent computation in plain JS.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Level } from '@oglogstream/shared'
import { DEFAULT_TENANT } from '../../server/src/model/index.ts'
import { loadConfig } from '../../server/src/config.ts'
import type { Entry } from '../../server/src/model/index.ts'
import { parseFilter } from '../../server/src/query/params.ts'
import { matchesSearch } from '../../server/src/query/search/index.ts'
import { Store, queries } from '../../server/src/store/index.ts'
import { LOGHUB } from '../helpers/server.ts'
import { phrase, tokens, word } from './reference.ts'

const SYSTEMS = ['HDFS', 'OpenSSH', 'Apache', 'OpenStack', 'Hadoop', 'Zookeeper', 'Linux', 'Spark', 'Windows', 'Mac']
const LEVEL_WORDS: [RegExp, Level][] = [
  [/\b(FATAL|CRITICAL)\b/, 'fatal'],
  [/\b(ERROR|error|Error)\b/, 'error'],
  [/\b(WARN|WARNING|warn)\b/, 'warn'],
  [/\b(DEBUG|D)\b/, 'debug'],
]

const entries: Entry[] = []
for (const system of SYSTEMS) {
  const lines = readFileSync(join(LOGHUB, `${system}_2k.log`), 'utf8')
    .split('\n')
    .filter(Boolean)
  lines.forEach((message, i) => {
    entries.push({
      timestamp: new Date(Date.UTC(2026, 0, 1) + entries.length * 1000).toISOString().replace('Z', '000000Z'),
      level: LEVEL_WORDS.find(([re]) => re.test(message))?.[1] ?? 'info',
      service: system,
      message,
      attributes: { system, host: `h${i % 5}`, line: String(i), ...(i % 3 === 0 ? { even_third: 'yes' } : {}) },
      trace_id: '',
      span_id: '',
    })
  })
}
// Planted lines: an identifier that shares its tokens with a real one, non-ASCII text, mixed case.
const planted = [
  'PacketResponder 1 for block blk_8775602795571523802 terminating',
  'Ошибка соединения: Échec de la connexion, café fermé',
  'FAILED PASSWORD for Root from 10.0.0.1 port 22',
  'request req-38101a0b-2096-447d-96ea-a692162415ae-retry done',
]
for (const message of planted) {
  entries.push({
    timestamp: '2026-02-01T00:00:00.000000000Z',
    level: 'warn',
    service: 'planted',
    message,
    attributes: {},
    trace_id: '',
    span_id: '',
  })
}

const dir = mkdtempSync(join(tmpdir(), 'ogls-search-'))
let store: Store
before(async () => {
  store = await Store.open(loadConfig('all', { DATA_DIR: dir }))
  await store.migrate(0)
  await store.insert(entries, 'loghub')
})
after(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const count = async (q: string) => (await queries.stats(store.queryContext(DEFAULT_TENANT), parseFilter({ q }))).total_logs

// Each query beside its meaning written out by hand with the reference helpers.
const CASES: [string, (e: Entry) => boolean][] = [
  ['error', (e) => word(e.message, 'error')],
  ['ERROR', (e) => word(e.message, 'error')],
  ['Failed password', (e) => word(e.message, 'failed') && word(e.message, 'password')],
  ['"failed password for"', (e) => phrase(e.message, 'failed password for')],
  ['"password for root"', (e) => phrase(e.message, 'password for root')],
  ['failed -password', (e) => word(e.message, 'failed') && !word(e.message, 'password')],
  ['sshd -"invalid user"', (e) => word(e.message, 'sshd') && !phrase(e.message, 'invalid user')],
  ['blk_-8775602795571523802', (e) => phrase(e.message, 'blk_-8775602795571523802')],
  ['blk_8775602795571523802', (e) => phrase(e.message, 'blk_8775602795571523802')],
  ['req-38101a0b-2096-447d-96ea-a692162415ae', (e) => phrase(e.message, 'req-38101a0b-2096-447d-96ea-a692162415ae')],
  ['173.234.31.186', (e) => phrase(e.message, '173.234.31.186')],
  ['dfs.DataNode$PacketResponder', (e) => phrase(e.message, 'dfs.DataNode$PacketResponder')],
  ['workerEnv.init()', (e) => phrase(e.message, 'workerEnv.init()')],
  ['"mod_jk child"', (e) => phrase(e.message, 'mod_jk child')],
  ['"POSSIBLE BREAK-IN ATTEMPT!"', (e) => phrase(e.message, 'possible break-in attempt!')],
  ['session opened user root', (e) => ['session', 'opened', 'user', 'root'].every((w) => word(e.message, w))],
  ['Échec', (e) => word(e.message, 'Échec')],
  ['café', (e) => word(e.message, 'café')],
  ['"-8775602795571523802"', (e) => phrase(e.message, '-8775602795571523802')],
  ['"->"', (e) => e.message.includes('->')],
  ['level:error', (e) => e.level === 'error'],
  ['level:warn,error block', (e) => (e.level === 'warn' || e.level === 'error') && word(e.message, 'block')],
  ['service:OpenSSH', (e) => e.service === 'OpenSSH'],
  ['-service:HDFS -service:OpenSSH', (e) => e.service !== 'HDFS' && e.service !== 'OpenSSH'],
  ['system:Apache error', (e) => e.attributes.system === 'Apache' && word(e.message, 'error')],
  ['attr.host:h1 -level:info', (e) => e.attributes.host === 'h1' && e.level !== 'info'],
  ['even_third:* service:HDFS', (e) => 'even_third' in e.attributes && e.service === 'HDFS'],
  ['-even_third:*', (e) => !('even_third' in e.attributes)],
  // Issue 14: OR and groups, NOT, prefixes, regular expressions, comparisons.
  ['(Failed OR Accepted) password', (e) => (word(e.message, 'failed') || word(e.message, 'accepted')) && word(e.message, 'password')],
  ['Failed AND password AND NOT root', (e) => word(e.message, 'failed') && word(e.message, 'password') && !word(e.message, 'root')],
  ['error OR warn OR fatal', (e) => ['error', 'warn', 'fatal'].some((w) => word(e.message, w))],
  ['NOT (service:HDFS OR service:OpenSSH) block', (e) => e.service !== 'HDFS' && e.service !== 'OpenSSH' && word(e.message, 'block')],
  ['-(level:info OR level:debug) service:Hadoop', (e) => e.level !== 'info' && e.level !== 'debug' && e.service === 'Hadoop'],
  ['conn*', (e) => tokens(e.message).some((t) => t.startsWith('conn'))],
  ['Packet* -service:HDFS', (e) => tokens(e.message).some((t) => t.startsWith('packet')) && e.service !== 'HDFS'],
  ['~"user [a-z]+ from"', (e) => /user [a-z]+ from/u.test(e.message)],
  ['~"(?i)^\\[?mon"', (e) => /^\[?mon/iu.test(e.message)],
  ['host:~"^h[12]$" service:Apache', (e) => /^h[12]$/.test(e.attributes.host ?? '') && e.service === 'Apache'],
  ['line:1* service:Mac', (e) => (e.attributes.line ?? '').startsWith('1') && e.service === 'Mac'],
  ['line:>=1990', (e) => Number(e.attributes.line) >= 1990],
  ['line:<5 (service:HDFS OR service:Spark)', (e) => Number(e.attributes.line) < 5 && (e.service === 'HDFS' || e.service === 'Spark')],
  ['line:<=1KB line:>999', (e) => Number(e.attributes.line) === 1000],
]

describe('search over real Loghub lines equals an independent computation', () => {
  for (const [q, expected] of CASES) {
    test(q, async () => {
      const want = entries.filter(expected).length
      assert.equal(await count(q), want, `SQL count for ${q}`)
      const match = matchesSearch(q)
      assert.equal(entries.filter((e) => match(e)).length, want, `JS count for ${q}`)
    })
  }

  test('the cases are not trivial: each matches something and not everything', () => {
    for (const [q, expected] of CASES) {
      const n = entries.filter(expected).length
      assert.ok(n > 0 && n < entries.length, `${q} matches ${n} of ${entries.length}`)
    }
  })

  test('an identifier matches exactly its own lines: blk_-X is not blk_X', async () => {
    const page = await queries.listLogs(store.queryContext(DEFAULT_TENANT), parseFilter({ q: 'blk_8775602795571523802' }), { limit: 10, order: 'desc' })
    assert.deepEqual(
      page.entries.map((e) => e.message),
      [planted[0]],
    )
  })

  test('the message index is used: a rare token skips granules', async () => {
    const f = parseFilter({ q: 'blk_8775602795571523802' })
    const { Params } = await import('../../server/src/store/index.ts')
    const p = new Params()
    const plan = await store.sql<{ explain: string }>(
      `EXPLAIN indexes = 1 SELECT count() FROM oglogstream.logs ${queries.whereClause({ ...f, tenant: DEFAULT_TENANT }, p)}`,
      p.values,
    )
    assert.match(plan.map((r) => r.explain).join('\n'), /idx_message/)
  })
})
