// The request key (bus/bus.ts PublishRequest): the same request sent again has the same key, as sent
// (gzip included); a different body, route or Idempotency-Key gives another; POST /log has none.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import Fastify from 'fastify'
import { contentEncodingHook, decodeContentEncoding, requestKey } from './body.ts'

async function app() {
  const a = Fastify()
  const handler = async (req: import('fastify').FastifyRequest) => ({ key: requestKey(req) ?? null, body: req.body })
  // As the JSON routes register it: POST /log with the route hook that keys nothing.
  a.post('/log', { preParsing: contentEncodingHook({ key: false }) }, handler)
  await a.register(async (scope) => {
    decodeContentEncoding(scope)
    scope.post('/logs', handler)
    scope.post('/other', handler)
  })
  await a.ready()
  return a
}

test('a retry has the same key; another body, route or Idempotency-Key another; POST /log none', async () => {
  const a = await app()
  try {
    const send = async (url: string, payload: string | Buffer, headers: Record<string, string> = {}) => {
      const r = await a.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', ...headers } })
      assert.equal(r.statusCode, 200, r.body)
      return r.json() as { key: string | null; body: unknown }
    }
    const body = JSON.stringify([{ message: 'm', n: 'x'.repeat(100_000) }])
    const first = await send('/logs', body)
    assert.match(first.key ?? '', /^[A-Za-z0-9_-]{43}$/, 'a NATS subject token')
    assert.equal((await send('/logs', body)).key, first.key)
    assert.deepEqual((await send('/logs', body)).body, JSON.parse(body), 'the body still reaches the route whole')
    const zipped = gzipSync(body)
    const gz = await send('/logs', zipped, { 'content-encoding': 'gzip' })
    assert.deepEqual(gz.body, JSON.parse(body))
    assert.equal((await send('/logs', zipped, { 'content-encoding': 'gzip' })).key, gz.key)
    const keys = [
      first.key,
      gz.key,
      (await send('/logs', body.replace('"m"', '"n"'))).key,
      (await send('/other', body)).key,
      (await send('/logs', body, { 'idempotency-key': 'a' })).key,
      (await send('/logs', body, { 'idempotency-key': 'b' })).key,
    ]
    assert.equal(new Set(keys).size, keys.length, 'all different')
    const one = JSON.stringify({ message: 'm' })
    assert.equal((await send('/log', one)).key, null)
    assert.deepEqual((await send('/log', gzipSync(one), { 'content-encoding': 'gzip' })).body, { message: 'm' }, 'POST /log decodes gzip too')
    const br = await a.inject({ method: 'POST', url: '/log', payload: one, headers: { 'content-type': 'application/json', 'content-encoding': 'br' } })
    assert.equal(br.statusCode, 415, br.body)
  } finally {
    await a.close()
  }
})
