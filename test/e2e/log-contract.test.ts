// SPEC §3 POST /log and POST /logs against the real all-in-one process (embedded ClickHouse).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'

let srv: RunningServer
before(async () => {
  srv = await startServer({ env: { RATE_LIMIT_MAX: '0' } })
})
after(async () => {
  await srv.stop()
  srv.cleanup()
})

const ok = { level: 'info', message: 'hello', service: 'contract' }

describe('POST /log', () => {
  test('accepts the seed example with 202 and the stored timestamp', async () => {
    const r = await postJson(`${srv.url}/log`, { level: 'INFO', message: 'Log message', service: 'my-service', timestamp: '2025-01-01T12:00:00Z' })
    assert.equal(r.status, 202)
    assert.deepEqual(r.body, { status: 'accepted', timestamp: '2025-01-01T12:00:00.000Z' })
  })

  test('without a timestamp the receive time is used', async () => {
    const before = Date.now()
    const r = await postJson(`${srv.url}/log`, ok)
    assert.equal(r.status, 202)
    const t = Date.parse(r.body.timestamp)
    assert.ok(t >= before - 5 && t <= Date.now() + 5, r.body.timestamp)
  })

  test('a 10 KiB message is accepted, one byte more is rejected naming the limit', async () => {
    assert.equal((await postJson(`${srv.url}/log`, { ...ok, message: 'x'.repeat(10240) })).status, 202)
    const r = await postJson(`${srv.url}/log`, { ...ok, message: 'x'.repeat(10241) })
    assert.equal(r.status, 400)
    assert.equal(r.body.status, 'error')
    assert.match(r.body.error, /message/)
    assert.match(r.body.error, /10240/)
    // the limit is in UTF-8 bytes, not characters
    const r2 = await postJson(`${srv.url}/log`, { ...ok, message: 'é'.repeat(5121) })
    assert.equal(r2.status, 400)
    assert.equal((await postJson(`${srv.url}/log`, { ...ok, message: 'é'.repeat(5120) })).status, 202)
  })

  test('service: required, non-empty, at most 100 characters', async () => {
    assert.equal((await postJson(`${srv.url}/log`, { ...ok, service: 's'.repeat(100) })).status, 202)
    const long = await postJson(`${srv.url}/log`, { ...ok, service: 's'.repeat(101) })
    assert.equal(long.status, 400)
    assert.match(long.body.error, /service.*100/)
    const empty = await postJson(`${srv.url}/log`, { ...ok, service: '' })
    assert.equal(empty.status, 400)
    assert.match(empty.body.error, /service/)
    const { service: _s, ...noService } = ok
    assert.match((await postJson(`${srv.url}/log`, noService)).body.error, /service is required/)
  })

  test('level: required, one of five, case-insensitive', async () => {
    for (const level of ['debug', 'INFO', 'Warn', 'error', 'FATAL']) {
      assert.equal((await postJson(`${srv.url}/log`, { ...ok, level })).status, 202, level)
    }
    const bad = await postJson(`${srv.url}/log`, { ...ok, level: 'verbose' })
    assert.equal(bad.status, 400)
    assert.match(bad.body.error, /level must be one of debug, info, warn, error, fatal/)
    const { level: _l, ...noLevel } = ok
    assert.match((await postJson(`${srv.url}/log`, noLevel)).body.error, /level is required/)
    assert.equal((await postJson(`${srv.url}/log`, { ...ok, level: 3 })).status, 400)
  })

  test('message: required and non-empty', async () => {
    assert.match((await postJson(`${srv.url}/log`, { ...ok, message: '' })).body.error, /message must not be empty/)
    const { message: _m, ...noMessage } = ok
    assert.match((await postJson(`${srv.url}/log`, noMessage)).body.error, /message is required/)
    assert.match((await postJson(`${srv.url}/log`, { ...ok, message: 42 })).body.error, /message must be a string/)
  })

  test('an unknown field is refused naming it', async () => {
    const r = await postJson(`${srv.url}/log`, { ...ok, severity: 'high' })
    assert.equal(r.status, 400)
    assert.match(r.body.error, /unknown field 'severity'/)
  })

  test('a bad timestamp is refused', async () => {
    for (const timestamp of ['yesterday', '2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', '1800-01-01T00:00:00Z']) {
      const r = await postJson(`${srv.url}/log`, { ...ok, timestamp })
      assert.equal(r.status, 400, timestamp)
      assert.match(r.body.error, /timestamp/)
    }
  })

  test('attributes must be flat; trace and span ids are checked', async () => {
    assert.equal((await postJson(`${srv.url}/log`, { ...ok, attributes: { a: 1, b: true, c: 'x' }, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' })).status, 202)
    const nested = await postJson(`${srv.url}/log`, { ...ok, attributes: { a: { b: 1 } } })
    assert.equal(nested.status, 400)
    assert.match(nested.body.error, /attributes\.a/)
    assert.match((await postJson(`${srv.url}/log`, { ...ok, trace_id: 'not a trace id!' })).body.error, /trace_id/)
  })

  test('malformed JSON -> 400, non-object -> 400, wrong content type -> 415', async () => {
    const bad = await postJson(`${srv.url}/log`, '{"level": "info",')
    assert.equal(bad.status, 400)
    assert.equal(bad.body.status, 'error')
    assert.match(bad.body.error, /JSON/)
    const arr = await postJson(`${srv.url}/log`, '[1,2]')
    assert.equal(arr.status, 400)
    const text = await fetch(`${srv.url}/log`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' })
    assert.equal(text.status, 415)
    const body = (await text.json()) as { status: string; error: string }
    assert.equal(body.status, 'error')
  })

  test('a body over 50 KiB -> 413', async () => {
    const r = await postJson(`${srv.url}/log`, { ...ok, message: 'x'.repeat(51 * 1024) })
    assert.equal(r.status, 413)
    assert.equal(r.body.status, 'error')
    assert.match(r.body.error, /51200 bytes/)
  })
})

describe('POST /logs', () => {
  test('a JSON array is accepted whole', async () => {
    const r = await postJson(`${srv.url}/logs`, [ok, { ...ok, level: 'error' }])
    assert.equal(r.status, 202)
    assert.deepEqual(r.body, { status: 'accepted', accepted: 2 })
  })

  test('NDJSON, gzip, and per-entry errors by index while the valid ones are accepted', async () => {
    const lines = [
      { level: 'info', message: 'nd-1', service: 'ndjson' },
      { level: 'nope', message: 'nd-2', service: 'ndjson' },
      { level: 'warn', message: 'nd-3', service: 'ndjson', extra: 1 },
      { level: 'error', message: 'nd-4', service: 'ndjson' },
    ]
    const body = gzipSync(lines.map((l) => JSON.stringify(l)).join('\n') + '\n{broken\n')
    const res = await fetch(`${srv.url}/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' }, body })
    assert.equal(res.status, 400)
    const r = (await res.json()) as { accepted: number; rejected: number; errors: { index: number; error: string }[] }
    assert.equal(r.accepted, 2)
    assert.equal(r.rejected, 3)
    assert.deepEqual(r.errors.map((e) => e.index), [1, 2, 4])
    assert.match(r.errors[1]?.error ?? '', /unknown field 'extra'/)
    const stored = await waitFor(async () => {
      const g = await getJson(`${srv.url}/api/logs?service=ndjson`)
      return g.body.length === 2 ? g.body : undefined
    })
    assert.deepEqual(stored.map((e: { message: string }) => e.message).sort(), ['nd-1', 'nd-4'])
  })

  test('a body over MAX_BATCH_BYTES -> 413 and an unknown encoding -> 415', async () => {
    const s = await startServer({ env: { MAX_BATCH_BYTES: '1KiB', RATE_LIMIT_MAX: '0' } })
    try {
      const r = await postJson(`${s.url}/logs`, Array.from({ length: 50 }, () => ok))
      assert.equal(r.status, 413)
      const enc = await fetch(`${s.url}/logs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: '[]' })
      assert.equal(enc.status, 415)
    } finally {
      await s.stop()
      s.cleanup()
    }
  })
})

test('per-IP rate limit answers 429 with Retry-After', async () => {
  const s = await startServer({ env: { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW: '1m' } })
  try {
    const codes: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 8; i++) {
      const r = await postJson(`${s.url}/log`, ok)
      codes.push(r.status)
      if (r.status === 429) {
        retryAfter = r.headers.get('retry-after')
        assert.equal(r.body.status, 'error')
        assert.match(r.body.error, /rate limit/)
      }
    }
    assert.deepEqual(codes.slice(0, 5), [202, 202, 202, 202, 202])
    assert.equal(codes[7], 429)
    assert.ok(retryAfter && Number(retryAfter) > 0, `Retry-After: ${retryAfter}`)
  } finally {
    await s.stop()
    s.cleanup()
  }
})

test('CORS: allowed origins only', async () => {
  const s = await startServer({ env: { CORS_ORIGINS: 'https://app.example' } })
  try {
    const pre = await fetch(`${s.url}/log`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    assert.equal(pre.status, 204)
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example')
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/)
    const other = await fetch(`${s.url}/health`, { headers: { origin: 'https://evil.example' } })
    assert.equal(other.headers.get('access-control-allow-origin'), null)
  } finally {
    await s.stop()
    s.cleanup()
  }
})
