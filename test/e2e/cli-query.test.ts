// `oglogstream query` (issue 14): the real CLI against a real server — every output format, a pipe
// query, the server's message and a non-zero exit on a bad query, and --follow over the live tail.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { CLI, postJson, ROOT, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

let srv: RunningServer
before(async () => {
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0', API_KEYS_QUERY: 'qkey' } })
  const now = Date.now()
  const entries = Array.from({ length: 30 }, (_, i) => ({
    level: i % 3 ? 'info' : 'error',
    service: i % 2 ? 'api' : 'web',
    message: JSON.stringify({ route: `/r${i % 3}`, took: `${i * 10}ms`, note: 'a, "quoted" note' }),
    timestamp: new Date(now - i * 1000).toISOString(),
  }))
  assert.equal((await postJson(`${srv.url}/logs`, entries)).status, 202)
  await waitFor(async () => {
    const r = await fetch(`${srv.url}/api/stats`, { headers: { 'x-api-key': 'qkey' } })
    return ((await r.json()) as { total_logs: number }).total_logs === 30
  })
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'query', ...args, '--url', srv.url, '--api-key', 'qkey'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

test('a stats query as a table, JSON, NDJSON and CSV', async () => {
  const q = '| json | stats count() as n, max(took) as slowest by (route)'
  const table = cli(q)
  assert.equal(table.code, 0, table.err)
  assert.deepEqual(
    table.out
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)),
    [
      ['route', 'n', 'slowest'],
      ['/r0', '10', '270'],
      ['/r1', '10', '280'],
      ['/r2', '10', '290'],
    ],
  )
  const json = cli(q, '--output', 'json')
  assert.deepEqual(JSON.parse(json.out)[0], { route: '/r0', n: 10, slowest: 270 })
  const nd = cli(q, '--output', 'ndjson')
  assert.deepEqual(
    nd.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).n),
    [10, 10, 10],
  )
  const csv = cli('service:api | json | fields route, note | limit 1', '--output', 'csv')
  assert.equal(csv.code, 0, csv.err)
  assert.equal(csv.out, 'route,note\n/r1,"a, ""quoted"" note"\n')
})

test('a plain filter prints entries; --from/--to bound them; truncation is said on stderr', () => {
  const r = cli('level:error', '--output', 'ndjson', '--limit', '3')
  assert.equal(r.code, 0, r.err)
  const lines = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  assert.equal(lines.length, 3)
  assert.ok(lines.every((e) => e.level === 'error'))
  assert.match(r.err, /more entries than --limit/)
  const none = cli('level:error', '--from', 'now-7d', '--to', 'now-1d', '--output', 'json')
  assert.deepEqual(JSON.parse(none.out), [])
  const cut = cli('| json | uniq by (took)', '--limit', '5', '--output', 'csv')
  assert.equal(cut.out.trim().split('\n').length, 6)
  assert.match(cut.err, /truncated at 5 rows/)
})

test('a bad query exits non-zero with the server message; so does a missing key', () => {
  const r = cli('| stats mean(took)')
  assert.equal(r.code, 1)
  assert.match(r.err, /400: invalid q: unknown function 'mean'; functions are count\(\)/)
  const noKey = spawnSync(process.execPath, [CLI, 'query', 'x', '--url', srv.url], { cwd: ROOT, encoding: 'utf8' })
  assert.equal(noKey.status, 1)
  assert.match(noKey.stderr, /401: .*API key/)
  const badOut = cli('x', '--output', 'xml')
  assert.equal(badOut.code, 2)
  assert.match(badOut.err, /--output must be one of table, json, ndjson, csv/)
})

test('--follow streams new matching entries; a pipe there is refused with the message', async () => {
  const proc = spawn(
    process.execPath,
    [CLI, 'query', 'service:live', '--follow', '--output', 'ndjson', '--url', srv.url, '--api-key', 'qkey'],
    { cwd: ROOT },
  )
  let out = ''
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()))
  try {
    await waitFor(
      async () => {
        await postJson(`${srv.url}/log`, { level: 'info', service: 'live', message: 'followed entry' })
        return out.includes('followed entry')
      },
      15_000,
      300,
    )
    assert.equal(JSON.parse(out.trim().split('\n')[0] as string).service, 'live')
  } finally {
    proc.kill('SIGTERM')
  }
  const piped = cli('x | json', '--follow')
  assert.equal(piped.code, 1)
  assert.match(piped.err, /400: invalid q: pipes \(\|\) are not allowed here: the live tail and \/api\/logs, .* take a filter only/)
})
