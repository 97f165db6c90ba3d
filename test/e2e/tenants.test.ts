// Issue 13, isolation: two tenants with their own keys write entries with the same services and
// words; on every read path (the /api endpoints, export, the live tail, and the Loki API including
// its tail) tenant B gets its own entries and never one of tenant A's. Each check also asserts that B
// does see its own, so an empty answer cannot pass for isolation.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { postJson, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts'

const KEY_A = 'key-of-tenant-a-0001'
const KEY_B = 'key-of-tenant-b-0002'
/** What only tenant A's entries contain: none of it may reach tenant B. */
const A_MARKS = ['alpha-secret', 'attr_of_a', 'svc-only-a']

let srv: RunningServer
const dir = tempDir('ogls-tenants-')
const NOW = Date.now()
const FROM = new Date(NOW - 3_600_000).toISOString()
const TO = new Date(NOW + 60_000).toISOString()
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`

before(async () => {
  const file = join(dir, 'keys.yaml')
  writeFileSync(
    file,
    `keys:
  - { name: a, key: ${KEY_A}, tenant: team-a, scopes: [ingest, query] }
  - { name: b, key: ${KEY_B}, tenant: team-b, scopes: [ingest, query] }
`,
  )
  srv = await startServer({ env: { API_KEYS_FILE: file, RATE_LIMIT_MAX: '0' } })
  const at = (i: number) => new Date(NOW - 60_000 + i * 1000).toISOString()
  // Both tenants use the service `shared` and the word `common`; A alone has its marks.
  const a = [
    { timestamp: at(1), level: 'error', service: 'shared', message: 'common alpha-secret took=5ms', attributes: { attr_of_a: 'x', k: 'a' } },
    { timestamp: at(2), level: 'info', service: 'svc-only-a', message: 'common {"alpha-secret":1}', attributes: { attr_of_a: 'y' } },
  ]
  const b = [
    { timestamp: at(3), level: 'warn', service: 'shared', message: 'common bravo-visible took=7ms', attributes: { attr_of_b: 'z', k: 'b' } },
    { timestamp: at(4), level: 'info', service: 'svc-only-b', message: 'common bravo-visible two' },
  ]
  assert.equal((await postJson(`${srv.url}/logs`, a, { authorization: `Bearer ${KEY_A}` })).status, 202)
  assert.equal((await postJson(`${srv.url}/logs`, b, { authorization: `Bearer ${KEY_B}` })).status, 202)
  await waitFor(async () => {
    const r = await fetch(`${srv.url}/api/stats`, { headers: { authorization: `Bearer ${KEY_A}` } })
    const s = (await r.json()) as { total_logs: number }
    const r2 = await fetch(`${srv.url}/api/stats`, { headers: { authorization: `Bearer ${KEY_B}` } })
    const s2 = (await r2.json()) as { total_logs: number }
    return s.total_logs === 2 && s2.total_logs === 2
  }, 20_000)
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

async function asB(path: string, init: RequestInit = {}): Promise<string> {
  const r = await fetch(`${srv.url}${path}`, { ...init, headers: { authorization: `Bearer ${KEY_B}`, ...(init.headers as Record<string, string>) } })
  const text = await r.text()
  assert.equal(r.status, 200, `${path}: ${text.slice(0, 300)}`)
  return text
}

/** B's answer has `mustSee` and none of A's marks. */
function isolated(path: string, text: string, mustSee: string | RegExp): void {
  for (const m of A_MARKS) assert.ok(!text.includes(m), `${path} leaked tenant A's '${m}': ${text.slice(0, 400)}`)
  if (typeof mustSee === 'string') assert.ok(text.includes(mustSee), `${path} lacks B's own '${mustSee}': ${text.slice(0, 400)}`)
  else assert.match(text, mustSee, path)
}

const range = `from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`

describe('/api read paths', () => {
  const cases: [string, string | RegExp][] = [
    [`/api/logs?${range}`, 'bravo-visible'],
    [`/api/logs?${range}&q=common`, 'bravo-visible'],
    [`/api/logs?${range}&service=shared`, 'bravo-visible'],
    [`/api/export?${range}`, 'bravo-visible'],
    [`/api/export?${range}&format=csv`, 'bravo-visible'],
    [`/api/stats?${range}`, '"total_logs":2'],
    [`/api/services?${range}`, 'svc-only-b'],
    [`/api/histogram?${range}`, /"warn":1/],
    [`/api/histogram`, /"warn":1/],
    [`/api/query?${range}&q=${encodeURIComponent('common')}`, 'bravo-visible'],
    [`/api/query?${range}&q=${encodeURIComponent('| stats count() as n by (service)')}`, 'svc-only-b'],
    [`/api/query?${range}&q=${encodeURIComponent('| extract "took=<took>ms" | stats sum(took) as s')}`, /\[\[7\]\]/],
    [`/api/query?${range}&q=${encodeURIComponent('| json | fields _time, message')}`, 'bravo-visible'],
    [`/api/fields?${range}`, 'attr_of_b'],
    [`/api/fields?${range}&q=${encodeURIComponent('| json')}`, 'attr_of_b'],
    [`/api/field_values?${range}&name=k`, '"b"'],
    [`/api/field_values?${range}&name=service`, 'svc-only-b'],
    [`/api/field_summary?${range}`, 'attr_of_b'],
    [`/api/rejected`, /^\[\]$/],
    [`/api/patterns?${range}`, 'bravo-visible'],
    [`/api/patterns?${range}&new=true`, 'bravo-visible'],
  ]
  for (const [path, mustSee] of cases) {
    test(path, async () => isolated(path, await asB(path), mustSee))
  }
  test('tenant A sees its own entries (the marks are real)', async () => {
    const r = await fetch(`${srv.url}/api/logs?${range}`, { headers: { authorization: `Bearer ${KEY_A}` } })
    const text = await r.text()
    for (const m of A_MARKS) assert.ok(text.includes(m), m)
    assert.ok(!text.includes('bravo-visible'))
  })
})

describe('Loki API', () => {
  const lr = `start=${ns(NOW - 3_600_000)}&end=${ns(NOW + 60_000)}`
  const q = (s: string) => encodeURIComponent(s)
  const cases: [string, string | RegExp][] = [
    [`/loki/api/v1/query_range?${lr}&query=${q('{service_name=~".+"}')}`, 'bravo-visible'],
    [`/loki/api/v1/query_range?${lr}&query=${q('{service_name="shared"} |= "common"')}`, 'bravo-visible'],
    [`/loki/api/v1/query_range?${lr}&query=${q('sum by (service_name) (count_over_time({service_name=~".+"}[1h]))')}&step=60`, 'svc-only-b'],
    [`/loki/api/v1/query_range?${lr}&query=${q('sum by (level) (count_over_time({service_name=~".+"} | logfmt [1h]))')}&step=60`, '"warn"'],
    [`/loki/api/v1/query?time=${ns(NOW + 60_000)}&query=${q('sum(count_over_time({service_name=~".+"}[2h]))')}`, /"2"/],
    [`/loki/api/v1/labels?${lr}`, 'attr_of_b'],
    [`/loki/api/v1/label/service_name/values?${lr}`, 'svc-only-b'],
    [`/loki/api/v1/label/attr_of_a/values?${lr}`, /"data":\[\]/],
    [`/loki/api/v1/series?${lr}&match[]=${q('{service_name=~".+"}')}`, 'svc-only-b'],
    [`/loki/api/v1/detected_labels?${lr}&query=${q('{service_name=~".+"}')}`, 'attr_of_b'],
    [`/loki/api/v1/detected_fields?${lr}&query=${q('{service_name=~".+"}')}`, 'attr_of_b'],
    [`/loki/api/v1/index/stats?${lr}&query=${q('{service_name=~".+"}')}`, /"entries":2/],
    [`/loki/api/v1/index/volume?${lr}&query=${q('{service_name=~".+"}')}&targetLabels=service_name`, 'svc-only-b'],
    [`/loki/api/v1/index/volume_range?${lr}&query=${q('{service_name=~".+"}')}&targetLabels=service_name&step=60`, 'svc-only-b'],
    [`/loki/api/v1/patterns?${lr}&query=${q('{service_name=~".+"}')}&step=60`, 'bravo-visible'],
  ]
  for (const [path, mustSee] of cases) {
    test(path.split('?')[0] + ' ' + decodeURIComponent(path.split('query=')[1] ?? '').slice(0, 60), async () => isolated(path, await asB(path), mustSee))
  }
  test('X-Scope-OrgID of the own tenant is the same answer; another tenant is 403', async () => {
    const path = `/loki/api/v1/query_range?${lr}&query=${q('{service_name=~".+"}')}`
    isolated(path, await asB(path, { headers: { 'x-scope-orgid': 'team-b' } }), 'bravo-visible')
    const r = await fetch(`${srv.url}${path}`, { headers: { authorization: `Bearer ${KEY_B}`, 'x-scope-orgid': 'team-a' } })
    assert.equal(r.status, 403)
  })
})

/** Opens a WebSocket as `key`, collecting its text frames. */
async function socket(path: string, key: string): Promise<{ ws: WebSocket; frames: string[] }> {
  const ws = new WebSocket(`${srv.url.replace('http', 'ws')}${path}`, { headers: { authorization: `Bearer ${key}` } })
  const frames: string[] = []
  ws.on('message', (d) => frames.push(String(d)))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { ws, frames }
}

describe('live paths', () => {
  test('WS /ws/live: B receives its entries, never A\'s (A\'s are sent first)', async () => {
    const b = await socket('/ws/live', KEY_B)
    const a = await socket('/ws/live', KEY_A)
    try {
      assert.equal((await postJson(`${srv.url}/log`, { level: 'info', service: 'live', message: 'live alpha-secret' }, { authorization: `Bearer ${KEY_A}` })).status, 202)
      await waitFor(async () => a.frames.some((f) => f.includes('alpha-secret')))
      assert.equal((await postJson(`${srv.url}/log`, { level: 'info', service: 'live', message: 'live bravo-visible' }, { authorization: `Bearer ${KEY_B}` })).status, 202)
      await waitFor(async () => b.frames.some((f) => f.includes('bravo-visible')))
      isolated('/ws/live', b.frames.join('\n'), 'live bravo-visible')
      assert.ok(!a.frames.join('\n').includes('bravo-visible'), 'A received B\'s entry')
    } finally {
      a.ws.close()
      b.ws.close()
    }
  })

  test('Loki tail: the history and the live frames of B hold none of A\'s entries', async () => {
    const path = `/loki/api/v1/tail?query=${encodeURIComponent('{service_name=~".+"}')}&start=${ns(NOW - 3_600_000)}&limit=100`
    const b = await socket(path, KEY_B)
    try {
      // The history frame first (B's stored entries), then a live one.
      await waitFor(async () => b.frames.some((f) => f.includes('bravo-visible two')))
      assert.equal((await postJson(`${srv.url}/log`, { level: 'info', service: 'tail', message: 'tail alpha-secret' }, { authorization: `Bearer ${KEY_A}` })).status, 202)
      assert.equal((await postJson(`${srv.url}/log`, { level: 'info', service: 'tail', message: 'tail bravo-visible' }, { authorization: `Bearer ${KEY_B}` })).status, 202)
      await waitFor(async () => b.frames.some((f) => f.includes('tail bravo-visible')))
      isolated('/loki/api/v1/tail', b.frames.join('\n'), 'tail bravo-visible')
    } finally {
      b.ws.close()
    }
  })
})

describe('saved searches', () => {
  const saved = (key: string, path = '', init: RequestInit = {}) =>
    fetch(`${srv.url}/api/saved-searches${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) },
    })
  const list = async (key: string) => ((await (await saved(key)).json()) as { searches: { name: string; view: string }[] }).searches

  test('B never sees, overwrites or deletes A\'s saved searches of the same name', async () => {
    assert.equal((await saved(KEY_A, '/shared-name', { method: 'PUT', body: JSON.stringify({ view: 'q=alpha-secret' }) })).status, 200)
    assert.equal((await saved(KEY_A, '/only-a', { method: 'PUT', body: JSON.stringify({ view: 'q=alpha-secret&range=1h' }) })).status, 200)
    // B lists nothing of A's, and a save of the same name is B's own.
    isolated('/api/saved-searches', JSON.stringify(await list(KEY_B)), /^\[\]$/)
    assert.equal((await saved(KEY_B, '/shared-name', { method: 'PUT', body: JSON.stringify({ view: 'q=bravo-visible' }) })).status, 200)
    isolated('/api/saved-searches', JSON.stringify(await list(KEY_B)), 'bravo-visible')
    // B cannot delete A's: it has none of that name.
    const del = await saved(KEY_B, '/only-a', { method: 'DELETE' })
    assert.equal(del.status, 404)
    assert.equal(((await del.json()) as { code: string }).code, 'LOG_ERR_SAVED_SEARCH_NOT_FOUND')
    // X-Scope-OrgID cannot reach A's either.
    assert.equal((await saved(KEY_B, '', { headers: { 'x-scope-orgid': 'team-a' } })).status, 403)
    // A's are untouched: the same views, B's save of the same name did not replace A's.
    const a = await list(KEY_A)
    assert.deepEqual(a.map((s) => [s.name, s.view]), [['only-a', 'q=alpha-secret&range=1h'], ['shared-name', 'q=alpha-secret']])
    // B deleting its own leaves A's of the same name.
    assert.equal((await saved(KEY_B, '/shared-name', { method: 'DELETE' })).status, 204)
    assert.deepEqual((await list(KEY_A)).map((s) => s.name), ['only-a', 'shared-name'])
    assert.deepEqual(await list(KEY_B), [])
  })
})
