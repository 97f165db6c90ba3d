// The one error path, through a real server (app.inject) and a real in-process bus: status, code,
// Retry-After and each protocol's body shape.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { KeyRing } from '../auth/keys.ts'
import { MemoryBus } from '../bus/memory.ts'
import { loadConfig } from '../config.ts'
import { GroupCommit, IngestMetrics, Ingestor, ingestRoutes } from '../ingest/index.ts'
import { HttpMetrics } from './metrics.ts'
import { createServer } from './server.ts'
import { webRoutes } from './web.ts'

async function server(env: Record<string, string> = {}) {
  const config = loadConfig('all', { RATE_LIMIT_MAX: '0', ...env })
  const app = createServer({ ...config.http, bodyLimit: config.ingest.maxBatchBytes }, pino({ level: 'silent' }), new HttpMetrics(new Registry()))
  const bus = new MemoryBus(2) // nothing drains it here: the third entry finds the queue full
  const ingestor = new Ingestor(new GroupCommit(bus, 0, 1_000), new IngestMetrics(new Registry()))
  await app.register(ingestRoutes, { ingestor, config: config.ingest, auth: new KeyRing(config.http).hook('ingest') })
  app.get('/boom', async () => {
    throw new Error('secret detail of the store at 10.0.0.7')
  })
  await app.register(webRoutes, { dir: '/nonexistent/dashboard' })
  return app
}

const entry = { level: 'info', service: 'svc', message: 'm' }

test('a full queue answers 429 LOG_ERR_QUEUE_FULL with Retry-After, in every protocol shape', async () => {
  const app = await server()
  const fill = await app.inject({ method: 'POST', url: '/logs', payload: [entry, entry] })
  assert.equal(fill.statusCode, 202)

  const json = await app.inject({ method: 'POST', url: '/log', payload: entry })
  assert.equal(json.statusCode, 429)
  assert.equal(json.headers['retry-after'], '1')
  assert.equal(json.json().code, 'LOG_ERR_QUEUE_FULL')
  assert.match(json.json().error, /queue is full \(2 entries waiting\)/)

  const es = await app.inject({ method: 'POST', url: '/es/_bulk', headers: { 'content-type': 'application/x-ndjson' }, payload: '{"index":{}}\n{"message":"m"}\n' })
  assert.equal(es.statusCode, 429)
  assert.equal(es.headers['retry-after'], '1')
  assert.equal(es.json().error.type, 'es_rejected_execution_exception')
  assert.equal(es.json().error.code, 'LOG_ERR_QUEUE_FULL')

  const otlp = await app.inject({
    method: 'POST',
    url: '/v1/logs',
    payload: { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'm' } }] }] }] },
  })
  assert.equal(otlp.statusCode, 429)
  assert.equal(otlp.headers['retry-after'], '1')
  assert.deepEqual(Object.keys(otlp.json()).sort(), ['code', 'message'])
  assert.equal(otlp.json().code, 8) // RESOURCE_EXHAUSTED
  await app.close()
})

test('404 from the catalogue; 415 names the content type; a 500 hides its details', async () => {
  const app = await server()
  const nf = await app.inject({ method: 'GET', url: '/nope?x=1' })
  assert.equal(nf.statusCode, 404)
  assert.deepEqual(nf.json(), { status: 'error', error: 'no route GET /nope', code: 'LOG_ERR_NOT_FOUND' })

  const media = await app.inject({ method: 'POST', url: '/log', headers: { 'content-type': 'text/plain' }, payload: 'hi' })
  assert.equal(media.statusCode, 415)
  assert.equal(media.json().code, 'LOG_ERR_UNSUPPORTED_MEDIA_TYPE')
  assert.match(media.json().error, /'text\/plain'/)

  const boom = await app.inject({ method: 'GET', url: '/boom' })
  assert.equal(boom.statusCode, 500)
  assert.equal(boom.json().code, 'LOG_ERR_INTERNAL')
  assert.doesNotMatch(boom.body, /secret|10\.0\.0\.7/)
  assert.match(boom.json().error, /see the server log \(request req-\w+\)/)
  await app.close()
})

test('an unbuilt dashboard is 503 LOG_ERR_DASHBOARD_NOT_BUILT with Retry-After', async () => {
  const app = await server()
  const r = await app.inject({ method: 'GET', url: '/' })
  assert.equal(r.statusCode, 503)
  assert.equal(r.json().code, 'LOG_ERR_DASHBOARD_NOT_BUILT')
  assert.equal(r.headers['retry-after'], '1')
  await app.close()
})

test('API keys: Bearer, X-API-Key, ApiKey and Basic are read; a wrong key is 401', async () => {
  const app = await server({ API_KEYS_INGEST: 'k1,s3cret' })
  const post = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/log', headers, payload: entry })
  assert.equal((await post({})).statusCode, 401)
  assert.equal((await post({ authorization: 'Bearer s3cre' })).statusCode, 401)
  assert.equal((await post({ authorization: 'Bearer s3cret' })).statusCode, 202)
  assert.equal((await post({ 'x-api-key': 'k1' })).statusCode, 202)
  const unauth = await post({ authorization: 'ApiKey nope' })
  assert.equal(unauth.json().code, 'LOG_ERR_UNAUTHORIZED')
  assert.equal((await post({ authorization: `Basic ${Buffer.from('elastic:k1').toString('base64')}` })).statusCode, 429) // key accepted; queue now full
  await app.close()
})

test('a request that arrives while the server closes gets 503 LOG_ERR_SHUTTING_DOWN with Retry-After', async () => {
  const app = await server()
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  let entered!: () => void
  const inSlow = new Promise<void>((r) => (entered = r))
  app.get('/slow', async () => {
    entered()
    await gate
    return { ok: true }
  })
  let closingStarted!: () => void
  const started = new Promise<void>((r) => (closingStarted = r))
  app.addHook('preClose', async () => closingStarted()) // after the server's own preClose hook
  let answered!: () => void
  const answeredLog = new Promise<void>((r) => (answered = r))
  app.addHook('onSend', async (req) => {
    if (req.url === '/log') answered()
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  // One keep-alive connection kept busy by /slow, so closing does not reap it; the next request on it
  // arrives while the server closes.
  const socket = connect(port, '127.0.0.1')
  let out = ''
  socket.on('data', (d) => (out += d))
  await new Promise((r) => socket.once('connect', r))
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
  await inSlow
  const closing = app.close()
  await started
  const ended = new Promise((r) => socket.once('close', r))
  socket.write('GET /log HTTP/1.1\r\nHost: x\r\n\r\n')
  await answeredLog // queued behind /slow on this connection until it is released
  release()
  await closing
  await ended
  const second = out.slice(out.indexOf('HTTP/1.1', 1))
  assert.match(second, /^HTTP\/1.1 503/)
  assert.match(second, /retry-after: 1/i)
  assert.match(second, /"code":"LOG_ERR_SHUTTING_DOWN"/)
})


test('a request over REQUEST_TIMEOUT is 408 LOG_ERR_REQUEST_TIMEOUT in the JSON shape', async () => {
  const app = await server({ REQUEST_TIMEOUT: '2s' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const accepted = new Promise<import('node:net').Socket>((r) => app.server.once('connection', r))
  const client = connect(port, '127.0.0.1')
  let out = ''
  client.on('data', (d) => (out += d))
  const closed = new Promise((r) => client.once('close', r))
  // Node raises this on its own connection check (every 30 s); raised here on the real socket.
  app.server.emit('clientError', Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), await accepted)
  await closed
  assert.match(out, /^HTTP\/1.1 408 Request Timeout/)
  const body = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4))
  assert.deepEqual(body, { status: 'error', error: 'the request took longer than 2000 ms', code: 'LOG_ERR_REQUEST_TIMEOUT' })
  await app.close()
})

/**
 * A client (a proxy streaming the body, as nginx with `proxy_request_buffering off`) still writing a
 * body the server has already refused: `bytes` in 16 KiB pieces (as chunks of a chunked body when
 * `chunked`), then `next` on the same connection. Reports what it read and whether the connection
 * was reset under it.
 */
async function sendOversized(
  port: number,
  path: string,
  bytes: number,
  opts: { chunked?: boolean; next?: string } = {},
): Promise<{ answer: string; error?: string; written: number }> {
  // Half-open allowed: like a proxy, the client goes on sending after a FIN of the server.
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  let answer = ''
  let error: string | undefined
  client.on('data', (d) => (answer += d))
  client.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message))
  await new Promise((r) => client.once('connect', r))
  const framing = opts.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${bytes}`
  client.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`)
  const piece = Buffer.alloc(16 * 1024, 'x')
  let written = 0
  while (written < bytes && error === undefined && !client.destroyed) {
    const n = Math.min(piece.length, bytes - written)
    const data = opts.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece.subarray(0, n), Buffer.from('\r\n')]) : piece.subarray(0, n)
    // Paced by the server's reading: a client that buffered the whole body in memory would not notice a reset.
    if (!client.write(data)) await new Promise((r) => client.once('drain', r).once('close', r))
    written += n
  }
  if (opts.chunked && !client.destroyed) client.write('0\r\n\r\n')
  if (opts.next !== undefined && !client.destroyed) {
    client.write(opts.next)
    await waitUntil(() => answer.split('HTTP/1.1 ').length > 2 || client.destroyed)
  }
  if (!client.destroyed) client.end()
  await waitUntil(() => client.closed)
  client.destroy()
  return { answer, error, written }
}

/** Until `done`, or 10 s: the caller's assertions tell what did not come. */
async function waitUntil(done: () => boolean): Promise<void> {
  const end = Date.now() + 10_000
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 5))
}

test('a body refused before it was read is read and dropped: the client still sending gets the whole 413, and the connection serves the next request', async () => {
  const app = await server()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  // Told from Content-Length before a byte of the body is read (/log 50 KiB, /logs MAX_BATCH_BYTES 10 MiB), and met
  // while reading a chunked body.
  for (const [path, bytes, chunked] of [
    ['/log', 2 * 1024 * 1024, false],
    ['/logs', 12 * 1024 * 1024, false],
    ['/log', 2 * 1024 * 1024, true],
  ] as const) {
    const got = await sendOversized(port, path, bytes, { chunked, next: 'GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n' })
    const what = `${path}${chunked ? ' chunked' : ''}`
    assert.equal(got.error, undefined, `${what}: the connection was reset under the client (${got.written} of ${bytes} bytes written)`)
    assert.equal(got.written, bytes)
    const [first, second] = got.answer.split(/(?=HTTP\/1\.1 )/)
    assert.match(first!, /^HTTP\/1.1 413 /, what)
    assert.equal(JSON.parse(first!.slice(first!.indexOf('\r\n\r\n') + 4)).code, 'LOG_ERR_BODY_TOO_LARGE')
    assert.match(second ?? '', /^HTTP\/1.1 404 /, `${what}: the next request on the connection`)
  }
  await app.close()
})

test('reading a refused body is bounded: 64 MiB, and a declared length over it closes at once', async () => {
  const app = await server()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const declared = await sendOversized(port, '/log', 1024 * 1024 * 1024)
  assert.match(declared.answer, /^HTTP\/1.1 413 /)
  assert.match(declared.answer, /connection: close/i)
  assert.ok(declared.written < 64 * 1024 * 1024, `${declared.written} bytes written before the server closed`)
  // A chunked body never ends: cut off once 64 MiB more were read (plus what the sockets hold).
  const endless = await sendOversized(port, '/log', 1024 * 1024 * 1024, { chunked: true })
  assert.match(endless.answer, /^HTTP\/1.1 413 /)
  assert.ok(endless.written > 64 * 1024 * 1024 && endless.written < 80 * 1024 * 1024, `${endless.written} bytes written before the server closed`)
  await app.close()
})
