// Hostile input against the real server in embedded mode (issue 11): each probe is answered with a
// clear 4xx (or a per-item error) and, after each, an innocent entry is stored within seconds, the
// RSS stays near its baseline and /health is 200. Out of memory has its own test (oom.test.ts).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { gzipSync } from 'node:zlib'
import { getJson, postJson, waitFor } from '../helpers/server.ts'
import { logsOf, rejected, startProtocolServer, type ProtocolServer } from '../protocols/helpers.ts'

/** Generous: the engine's caches grow a little with every query; a leak of a probe is hundreds of MB. */
const RSS_SLACK_BYTES = 400 * 1024 * 1024

let srv: ProtocolServer
let baselineRss = 0
let innocents = 0

function rss(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8'))
  return Number(m?.[1]) * 1024
}

before(async () => {
  srv = await startProtocolServer()
  await innocentStored() // warm: the first insert and query load the engine
  baselineRss = rss()
})
after(async () => {
  await srv?.stop()
  srv?.cleanup()
})

/** An innocent entry posted now is queryable within seconds. */
async function innocentStored(): Promise<void> {
  const message = `innocent ${++innocents}`
  const r = await postJson(`${srv.url}/log`, { level: 'info', service: 'innocent', message })
  assert.equal(r.status, 202, JSON.stringify(r.body))
  await waitFor(async () => (await logsOf(srv, 'innocent', innocents, 10_000)).some((e) => e.message === message), 15_000, 100)
}

/** The checks after every probe. */
async function stillHealthy(probe: string): Promise<void> {
  await innocentStored()
  const health = await fetch(`${srv.url}/health`)
  assert.equal(health.status, 200, `${probe}: /health`)
  const now = rss()
  assert.ok(now < baselineRss + RSS_SLACK_BYTES, `${probe}: RSS ${(now / 2 ** 20).toFixed(0)} MiB, baseline ${(baselineRss / 2 ** 20).toFixed(0)} MiB`)
}

test('absurd query parameters are 400s naming them, never 500s', async () => {
  const cases: [string, string][] = [
    ['/api/histogram?interval=99999999999w', 'interval'],
    [`/api/histogram?interval=${'9'.repeat(500)}s`, 'interval'],
    ['/api/histogram?interval=0s', 'interval'],
    [`/api/logs?limit=${'9'.repeat(40)}`, 'limit'],
    [`/api/logs?offset=${'9'.repeat(40)}`, 'offset'],
    ['/api/logs?from=now-99999999999999999999w', 'from'],
    ['/api/logs?to=yesterday', 'to'],
    [`/api/logs?cursor=${Buffer.from('2025-01-01T00:00:00Z|99999999999999999999').toString('base64url')}`, 'cursor'],
    ['/api/stats?level=loud', 'level'],
    ['/api/export?format=xlsx', 'format'],
  ]
  for (const [path, name] of cases) {
    const r = await getJson(`${srv.url}${path}`)
    assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`)
    assert.equal(r.body.code, 'LOG_ERR_BAD_PARAMETER', path)
    assert.match(r.body.error, new RegExp(`'${name}'`), path)
  }
  const all = await getJson(`${srv.url}/api/histogram?from=1970-01-01T00:00:00Z&to=2261-12-31T00:00:00Z`)
  assert.equal(all.status, 200, `a histogram over three centuries: ${JSON.stringify(all.body)}`)
  await stillHealthy('query parameters')
})

test('an Elasticsearch document nested 100,000 deep is a 400 for its item; the valid one beside it is stored', async () => {
  const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)
  const body = `{"index":{}}\n${deep}\n{"index":{}}\n{"message":"beside the deep one","service":"es-deep"}\n`
  const res = await fetch(`${srv.url}/es/logs/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body })
  assert.equal(res.status, 200)
  const out = (await res.json()) as { errors: boolean; items: { index: { status: number; error?: { reason: string } } }[] }
  assert.equal(out.errors, true)
  assert.equal(out.items[0]?.index.status, 400)
  assert.match(out.items[0]?.index.error?.reason ?? '', /nested deeper than 64/)
  assert.equal(out.items[1]?.index.status, 201)
  await logsOf(srv, 'es-deep', 1)
  assert.equal(await rejected(srv, 'elastic', 'nesting_too_deep'), 1)
  // The same depth through the other JSON doors: a 400, never a 500.
  const deepArray = '['.repeat(100_000) + ']'.repeat(100_000)
  const deepAttrs = `[{"level":"info","service":"s","message":"m","attributes":{"a":${deep}}}]`
  const deepKv = '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(20_000) + '{"stringValue":"x"}' + '}]}}'.repeat(20_000)
  const deepOtlp = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${deepKv}}]}]}]}`
  for (const [path, body] of [
    ['/logs', deepArray],
    ['/logs', deepAttrs],
    ['/loki/api/v1/push', `{"streams":${deepArray}}`],
    ['/v1/logs', deepOtlp],
  ] as const) {
    const r = await postJson(`${srv.url}${path}`, body)
    assert.ok(r.status >= 200 && r.status < 500, `${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`)
  }
  await stillHealthy('deep document')
})

test('timestamps past the year bounds through an offset, or beyond MAX_FUTURE_SKEW, are clear 400s in every protocol', async () => {
  const slipped = await postJson(`${srv.url}/log`, { level: 'info', service: 'ts', message: 'm', timestamp: '2261-12-31T23:30:00-23:59' })
  assert.equal(slipped.status, 400)
  assert.match(slipped.body.error, /timestamp/)
  const future = new Date(Date.now() + 48 * 3_600_000)
  const json = await postJson(`${srv.url}/log`, { level: 'info', service: 'ts', message: 'm', timestamp: future.toISOString() })
  assert.equal(json.status, 400)
  assert.match(json.body.error, /timestamp .* more than 24h in the future \(MAX_FUTURE_SKEW\)/)
  const nanos = `${BigInt(future.getTime()) * 1_000_000n}`
  const loki = await postJson(`${srv.url}/loki/api/v1/push`, { streams: [{ stream: { service_name: 'ts-loki' }, values: [[nanos, 'future'], [`${BigInt(Date.now()) * 1_000_000n}`, 'now']] }] })
  assert.equal(loki.status, 400)
  assert.equal(loki.body.rejected, 1)
  assert.match(loki.body.errors[0].error, /MAX_FUTURE_SKEW/)
  const otlp = await postJson(`${srv.url}/v1/logs`, {
    resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ts-otlp' } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: nanos, body: { stringValue: 'future' } }, { body: { stringValue: 'now' } }] }] }],
  })
  assert.equal(otlp.status, 200)
  assert.equal(otlp.body.partialSuccess.rejectedLogRecords, '1')
  assert.match(otlp.body.partialSuccess.errorMessage, /MAX_FUTURE_SKEW/)
  const es = await fetch(`${srv.url}/es/ts-es/_bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `{"index":{}}\n${JSON.stringify({ '@timestamp': future.toISOString(), message: 'future' })}\n{"index":{}}\n{"message":"now"}\n`,
  })
  const esBody = (await es.json()) as { items: { index: { status: number; error?: { reason: string } } }[] }
  assert.equal(esBody.items[0]?.index.status, 400)
  assert.match(esBody.items[0]?.index.error?.reason ?? '', /MAX_FUTURE_SKEW/)
  assert.equal(esBody.items[1]?.index.status, 201)
  const before = await rejected(srv, 'syslog', 'timestamp_in_future')
  await new Promise<void>((resolve) => {
    const s = createConnection({ port: srv.syslogTcp, host: '127.0.0.1' }, () => s.end(`<14>1 ${future.toISOString()} host ts-syslog - - - future\n`))
    s.on('close', () => resolve())
  })
  await waitFor(async () => (await rejected(srv, 'syslog', 'timestamp_in_future')) > before)
  for (const service of ['ts-loki', 'ts-otlp', 'ts-es']) assert.equal((await logsOf(srv, service, 1)).length, 1, service)
  await stillHealthy('timestamps')
})

test('labels and resource attributes copied into every entry are bounded by MAX_BATCH_BYTES after mapping', async () => {
  // About 1 MiB of labels, 20,000 lines: 20 GiB once copied into every entry, a few KB gzipped.
  const labels: Record<string, string> = { service_name: 'amplified' }
  for (let i = 0; i < 120; i++) labels[`label_${i}`] = 'x'.repeat(8_000)
  const now = BigInt(Date.now()) * 1_000_000n
  const values = Array.from({ length: 20_000 }, (_, i) => [`${now + BigInt(i)}`, 'line'])
  const lokiBody = gzipSync(JSON.stringify({ streams: [{ stream: labels, values }] }))
  const loki = await fetch(`${srv.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: lokiBody })
  const lokiOut = (await loki.json()) as { code: string; error: string }
  assert.equal(loki.status, 413, JSON.stringify(lokiOut))
  assert.equal(lokiOut.code, 'LOG_ERR_BATCH_TOO_LARGE')
  assert.match(lokiOut.error, /MAX_BATCH_BYTES/)

  const attributes = Object.entries(labels).map(([key, v]) => ({ key: key === 'service_name' ? 'service.name' : key, value: { stringValue: v } }))
  const records = Array.from({ length: 20_000 }, () => ({ body: { stringValue: 'line' } }))
  const otlpBody = gzipSync(JSON.stringify({ resourceLogs: [{ resource: { attributes }, scopeLogs: [{ logRecords: records }] }] }))
  const otlp = await fetch(`${srv.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: otlpBody })
  const otlpOut = (await otlp.json()) as { code: number; message: string }
  assert.equal(otlp.status, 413, JSON.stringify(otlpOut))
  assert.match(otlpOut.message, /MAX_BATCH_BYTES/)
  assert.ok((await rejected(srv, 'loki', 'batch_too_large')) > 0)
  const none = await getJson(`${srv.url}/api/logs?service=amplified&from=1970-01-01T00:00:00Z`)
  assert.deepEqual(none.body, [], 'nothing of a refused request is stored')
  await stillHealthy('amplification')
})

test('syslog TCP: connections over the per-IP cap are closed at once; a normal sender still gets through', async () => {
  const open: Socket[] = []
  let closedByServer = 0
  await Promise.all(
    Array.from(
      { length: 150 },
      () =>
        new Promise<void>((resolve) => {
          const s = createConnection({ port: srv.syslogTcp, host: '127.0.0.1' }, () => resolve())
          s.on('error', () => resolve())
          s.on('close', () => closedByServer++)
          open.push(s)
        }),
    ),
  )
  await waitFor(async () => closedByServer >= 50, 10_000)
  assert.equal(closedByServer, 50, 'exactly the connections over SYSLOG_MAX_CONNECTIONS_PER_IP (100) are closed')
  for (const s of open) s.destroy()
  await waitFor(async () => {
    const s = createConnection({ port: srv.syslogTcp, host: '127.0.0.1' }, () => s.end('<14>1 - host syslog-after - - - after the flood\n'))
    s.on('error', () => {})
    return (await getJson(`${srv.url}/api/logs?service=syslog-after&from=1970-01-01T00:00:00Z`)).body.length > 0
  }, 15_000, 500)
  assert.ok((await rejected(srv, 'syslog', 'connection_refused')) >= 50)
  await stillHealthy('syslog connections')
})

test('a backfill spanning 101 days and three years is stored whole, and entries behind it flow on', async () => {
  const day = 86_400_000
  const start = Date.UTC(2023, 0, 1)
  const entries = Array.from({ length: 101 }, (_, i) => ({ level: 'info', service: 'backfill', message: `day ${i}`, timestamp: new Date(start + i * 11 * day).toISOString() }))
  const r = await postJson(`${srv.url}/logs`, entries)
  assert.equal(r.status, 202, JSON.stringify(r.body))
  await stillHealthy('backfill') // the innocent entry posted after it is stored: nothing waits behind the backfill
  await waitFor(async () => (await getJson(`${srv.url}/api/stats?service=backfill&from=1970-01-01T00:00:00Z`)).body.total_logs === 101, 15_000, 100)
})

test('a 10-byte Loki snappy body whose literal length overflows is a 400, not an endless loop', async () => {
  // snappyjs 0.7 looped for ever on this body; the event loop (and every client) with it.
  const body = Buffer.from('J/z4xnX5G9ACzw==', 'base64')
  const r = await fetch(`${srv.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body })
  assert.equal(r.status, 400, await r.text())
  await stillHealthy('snappy')
})
