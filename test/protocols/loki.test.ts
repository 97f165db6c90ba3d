// Loki push API (/loki/api/v1/push) through real transports: winston-loki (protobuf + snappy, and its
// JSON mode) and pino-loki (JSON), checked on the wire by a recording proxy, against the built server.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { pinoLoki } from 'pino-loki'
import winston from 'winston'
import LokiTransport from 'winston-loki'
import { logsOf, recordingProxy, rejected, startProtocolServer, type ProtocolServer } from './helpers.ts'

let srv: ProtocolServer
before(async () => {
  srv = await startProtocolServer()
})
after(async () => {
  await srv?.stop()
  srv?.cleanup()
})

async function viaWinston(json: boolean, app: string, n: number) {
  const proxy = await recordingProxy(srv.url)
  const errors: unknown[] = []
  const transport = new LokiTransport({
    host: proxy.url,
    json,
    labels: { app, env: 'test' },
    format: winston.format.printf((info) => String(info.message)),
    interval: 0.2,
    replaceTimestamp: false, // keep the times we log (the default stamps the send time)
    gracefulShutdown: false,
    onConnectionError: (err: unknown) => errors.push(err),
  })
  const logger = winston.createLogger({ level: 'debug', transports: [transport] })
  const base = Date.parse('2025-05-01T09:00:00.000Z')
  for (let i = 0; i < n; i++) {
    const level = ['warn', 'error', 'debug', 'info'][i % 4] as string
    logger.log({ level, message: `winston ${i}`, timestamp: new Date(base + i).toISOString(), user: `u${i}` })
  }
  await transport.flush()
  await new Promise((r) => setTimeout(r, 300))
  await transport.flush()
  transport.close?.()
  await proxy.close()
  assert.deepEqual(errors, [])
  return proxy.seen
}

test('winston-loki: protobuf + snappy', async () => {
  const seen = await viaWinston(false, 'winston-proto', 200)
  assert.ok(seen.length >= 1)
  for (const s of seen) {
    assert.equal(s.headers['content-type'], 'application/x-protobuf')
    assert.equal(s.status, 204)
  }
  const rows = await logsOf(srv, 'winston-proto', 200)
  assert.equal(rows.length, 200)
  const first = rows[0]
  assert.ok(first)
  assert.equal(first.timestamp, '2025-05-01T09:00:00.000Z')
  assert.equal(first.message, 'winston 0')
  assert.equal(first.level, 'warn')
  assert.deepEqual(first.attributes, { env: 'test' })
  assert.deepEqual(
    rows.slice(0, 4).map((r) => r.level),
    ['warn', 'error', 'debug', 'info'],
  )
})

test('winston-loki: JSON with structured metadata', async () => {
  const seen = await viaWinston(true, 'winston-json', 100)
  assert.ok(seen.length >= 1)
  for (const s of seen) {
    assert.equal(s.headers['content-type'], 'application/json')
    assert.equal(s.status, 204)
  }
  const rows = await logsOf(srv, 'winston-json', 100)
  assert.equal(rows.length, 100)
  assert.equal(rows[1]?.message, 'winston 1')
  assert.equal(rows[1]?.level, 'error')
  assert.equal(rows[1]?.timestamp, '2025-05-01T09:00:00.001Z')
  assert.equal(rows[1]?.attributes?.user, 'u1') // structured metadata
  assert.equal(rows[1]?.attributes?.env, 'test')
})

test('pino-loki: JSON, level label, structured metadata', async () => {
  const proxy = await recordingProxy(srv.url)
  const transport = pinoLoki({
    host: proxy.url,
    batching: false,
    labels: { application: 'pino-json' },
    logFormat: '{msg}',
    structuredMetaKey: 'meta',
  })
  const logger = pino({ level: 'debug' }, transport)
  logger.warn({ meta: { order: 'o-1', trace_id: 'abc123' } }, 'pino warn')
  logger.error('pino error')
  logger.debug('pino debug')
  const rows = await logsOf(srv, 'pino-json', 3)
  await proxy.close()
  assert.ok(proxy.seen.length >= 3)
  for (const s of proxy.seen) {
    assert.equal(s.headers['content-type'], 'application/json')
    assert.equal(s.status, 204)
  }
  const byMsg = Object.fromEntries(rows.map((r) => [r.message, r]))
  assert.equal(byMsg['pino warn']?.level, 'warn') // pino-loki labels it "warning"
  assert.equal(byMsg['pino warn']?.attributes?.order, 'o-1')
  assert.equal(byMsg['pino warn']?.trace_id, 'abc123')
  assert.ok(byMsg['pino warn']?.attributes?.hostname)
  assert.equal(byMsg['pino error']?.level, 'error')
  assert.equal(byMsg['pino debug']?.level, 'debug')
  transport.end()
})

test('bad bodies: corrupt snappy is a 400, a bad stream fails its entries only', async () => {
  const corrupt = await fetch(`${srv.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: Buffer.from([0x20, 0x01, 0xff, 0x00]),
  })
  assert.equal(corrupt.status, 400)
  assert.match(((await corrupt.json()) as { error: string }).error, /snappy|protobuf/)
  assert.ok((await rejected(srv, 'loki', 'malformed_request')) >= 1)

  const partial = await fetch(`${srv.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      streams: [
        { labels: '{broken', entries: [{ ts: '2025-01-01T00:00:00Z', line: 'lost' }] },
        {
          stream: { service_name: 'loki-partial' },
          values: [
            ['1735689600000000000', 'kept'],
            ['soon', 'bad time'],
            ['1735689600000000000', ''],
          ],
        },
      ],
    }),
  })
  assert.equal(partial.status, 400)
  const body = (await partial.json()) as { accepted: number; rejected: number; errors: { index: number }[] }
  assert.equal(body.accepted, 1)
  assert.equal(body.rejected, 3)
  assert.deepEqual(
    body.errors.map((e) => e.index),
    [0, 2, 3],
  )
  assert.equal((await logsOf(srv, 'loki-partial', 1))[0]?.message, 'kept')
  assert.ok((await rejected(srv, 'loki', 'invalid_labels')) >= 1)
})

test('JSON with Content-Encoding: gzip', async () => {
  const { gzipSync } = await import('node:zlib')
  const body = { streams: [{ stream: { job: 'loki-gzip', level: 'warn' }, values: [['1735689600000000123', 'compressed line']] }] }
  const r = await fetch(`${srv.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify(body)),
  })
  assert.equal(r.status, 204)
  const [e] = await logsOf(srv, 'loki-gzip', 1)
  assert.deepEqual([e?.message, e?.level, e?.timestamp], ['compressed line', 'warn', '2025-01-01T00:00:00.000000123Z'])
})
