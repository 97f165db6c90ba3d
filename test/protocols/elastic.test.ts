// Elasticsearch bulk API (/es) through the official @elastic/elasticsearch client, against the built server.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from '@elastic/elasticsearch'
import { logsOf, rejected, startProtocolServer, type ProtocolServer } from './helpers.ts'

let srv: ProtocolServer
let client: Client
before(async () => {
  srv = await startProtocolServer()
  client = new Client({ node: `${srv.url}/es`, maxRetries: 5, requestTimeout: 30_000 })
})
after(async () => {
  await client?.close()
  await srv?.stop()
  srv?.cleanup()
})

test('handshake: the client accepts our info, every /es answer has X-Elastic-Product', async () => {
  const info = await client.info()
  assert.match(info.version.number, /^9\./) // the 9.x client announces compatible-with=9
  assert.equal(info.tagline, 'You Know, for Search')
  assert.equal(info.version.build_flavor, 'default')
  assert.equal(await client.ping(), true)
  const plain = await fetch(`${srv.url}/es/`)
  assert.equal(plain.headers.get('x-elastic-product'), 'Elasticsearch')
  assert.match(((await plain.json()) as { version: { number: string } }).version.number, /^8\./)
  for (const [method, path] of [
    ['HEAD', '/es/'],
    ['GET', '/es/_license'],
    ['GET', '/es/_nodes/http'],
    ['GET', '/es/_cluster/health'],
    ['GET', '/es/_cat/health'],
    ['GET', '/es/_index_template/filebeat-8.17.0'],
    ['PUT', '/es/_ilm/policy/filebeat'],
    ['GET', '/es/no/such/api'],
  ] as const) {
    const r = await fetch(`${srv.url}${path}`, {
      method,
      headers: method === 'PUT' ? { 'content-type': 'application/json' } : {},
      body: method === 'PUT' ? '{}' : undefined,
    })
    assert.equal(r.headers.get('x-elastic-product'), 'Elasticsearch', `${method} ${path}`)
    assert.equal(r.status, path === '/es/no/such/api' ? 404 : 200, `${method} ${path}`)
  }
  assert.equal((await client.license.get()).license.status, 'active')
})

test('client.helpers.bulk: ECS and plain documents come back with service, level, message, time, attributes', async () => {
  const base = Date.parse('2025-03-01T10:00:00.000Z')
  const docs = Array.from({ length: 300 }, (_, i) =>
    i % 2 === 0
      ? {
          '@timestamp': new Date(base + i * 1000).toISOString(),
          message: `ecs order ${i}`,
          log: { level: i % 4 === 0 ? 'WARN' : 'info', logger: 'orders.api' },
          service: { name: 'es-orders', version: '2.1.0' },
          trace: { id: '4BF92F3577B34DA6A3CE929D0E0E4736' },
          span: { id: '00F067AA0BA902B7' },
          http: { request: { method: 'POST' }, response: { status_code: 201 } },
          tags: ['checkout', 'eu'],
        }
      : { time: base + i * 1000, msg: `plain order ${i}`, level: 50, pid: 4242, hostname: 'web-1' },
  )
  const result = await client.helpers.bulk({
    datasource: docs,
    flushBytes: 16 * 1024, // several requests
    onDocument: (doc) =>
      (doc as { msg?: string }).msg ? { create: { _index: 'logs-es-plain-default' } } : { index: { _index: 'es-orders-2025.03.01' } },
    onDrop: (d) => assert.fail(`dropped: ${JSON.stringify(d.error)}`),
  })
  assert.equal(result.total, 300)
  assert.equal(result.successful, 300)
  assert.equal(result.failed, 0)

  const ecs = await logsOf(srv, 'es-orders', 150)
  assert.equal(ecs.length, 150)
  const first = ecs[0]
  assert.ok(first)
  assert.equal(first.timestamp, '2025-03-01T10:00:00.000Z')
  assert.equal(first.level, 'warn')
  assert.equal(first.message, 'ecs order 0')
  assert.equal(first.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736')
  assert.equal(first.span_id, '00f067aa0ba902b7')
  assert.deepEqual(first.attributes, {
    'log.logger': 'orders.api',
    'service.version': '2.1.0',
    'http.request.method': 'POST',
    'http.response.status_code': '201',
    tags: '["checkout","eu"]',
  })
  assert.equal(ecs[1]?.level, 'info')

  // no service field: the data stream's dataset names the service
  const plain = await logsOf(srv, 'es-plain', 150)
  assert.equal(plain[0]?.message, 'plain order 1')
  assert.equal(plain[0]?.level, 'error')
  assert.equal(plain[0]?.timestamp, '2025-03-01T10:00:01.000Z')
  assert.deepEqual(plain[0]?.attributes, { pid: '4242', hostname: 'web-1' })
})

test('per-item results: unsupported actions and bad documents fail alone, the rest is stored', async () => {
  const before = { action: await rejected(srv, 'elastic', 'unsupported_action'), missing: await rejected(srv, 'elastic', 'missing_field') }
  const res = await client.bulk({
    index: 'es-mixed',
    operations: [
      { index: { _id: 'a1' } },
      { message: 'kept one', level: 'debug' },
      { delete: { _id: 'a1' } },
      { update: { _id: 'a1' } },
      { doc: { message: 'x' } },
      { create: {} },
      { level: 'info' }, // no message
      { create: { _index: 'es-mixed' } },
      { message: 'kept two', '@timestamp': '2025-03-01T10:00:00.5Z' },
    ],
  })
  assert.equal(res.errors, true)
  assert.deepEqual(
    res.items.map((it) => {
      const [op, r] = Object.entries(it)[0] as [string, { status: number; _id?: string; error?: { type: string } }]
      return [op, r.status, r.error?.type]
    }),
    [
      ['index', 201, undefined],
      ['delete', 400, 'illegal_argument_exception'],
      ['update', 400, 'illegal_argument_exception'],
      ['create', 400, 'document_parsing_exception'],
      ['create', 201, undefined],
    ],
  )
  assert.equal(res.items[0]?.index?._id, 'a1')
  const rows = await logsOf(srv, 'es-mixed', 2)
  assert.deepEqual(rows.map((r) => [r.message, r.level]).sort(), [
    ['kept one', 'debug'],
    ['kept two', 'info'],
  ])
  assert.equal(await rejected(srv, 'elastic', 'unsupported_action'), before.action + 2)
  assert.equal(await rejected(srv, 'elastic', 'missing_field'), before.missing + 1)
})

test('a malformed action line fails the request with an Elasticsearch error; gzip and content types', async () => {
  const bad = await fetch(`${srv.url}/es/_bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: '{"index":{}}\n{"message":"m"}\n{oops\n',
  })
  assert.equal(bad.status, 400)
  assert.equal(bad.headers.get('x-elastic-product'), 'Elasticsearch')
  const body = (await bad.json()) as { status: number; error: { type: string; reason: string } }
  assert.equal(body.status, 400)
  assert.match(body.error.reason, /line \[3\]/)
  assert.ok((await rejected(srv, 'elastic', 'malformed_request')) >= 1)

  const { gzipSync } = await import('node:zlib')
  for (const type of ['application/json', 'application/x-ndjson', 'application/vnd.elasticsearch+x-ndjson; compatible-with=8']) {
    const r = await fetch(`${srv.url}/es/es-types/_bulk`, {
      method: 'POST',
      headers: { 'content-type': type, 'content-encoding': 'gzip' },
      body: gzipSync(`{"index":{}}\n{"message":"typed ${type}"}\n`),
    })
    assert.equal(r.status, 200, type)
    assert.equal(((await r.json()) as { errors: boolean }).errors, false)
  }
  const rows = await logsOf(srv, 'es-types', 3)
  assert.equal(rows.length, 3)
})
