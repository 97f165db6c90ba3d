import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BusFullError, BusUnavailableError } from './bus/bus.ts'
import { FOREIGN_ERRORS, storeError, toCatalogueError } from './error-map.ts'
import { ERROR_CODES, Errors } from './errors.ts'

const foreign = (code: string, message = 'x', extra: object = {}) => Object.assign(new Error(message), { code }, extra)

test('every foreign code translates to a documented catalogue code', () => {
  for (const code of Object.keys(FOREIGN_ERRORS)) {
    const e = toCatalogueError(foreign(code), { bodyLimit: 10, requestTimeoutMs: 20, queryTimeoutMs: 30, contentType: 'text/plain' })
    assert.ok(ERROR_CODES.includes(e.code), `${code} -> ${e.code}`)
    assert.ok(e.statusCode >= 400, code)
  }
})

test('table cases keep the limit in the message', () => {
  const cases: [Error, string, number, RegExp][] = [
    [foreign('FST_ERR_CTP_BODY_TOO_LARGE'), 'LOG_ERR_BODY_TOO_LARGE', 413, /larger than 51200 bytes/],
    [foreign('FST_ERR_CTP_INVALID_MEDIA_TYPE'), 'LOG_ERR_UNSUPPORTED_MEDIA_TYPE', 415, /'text\/xml'; use application\/json/],
    [foreign('FST_ERR_CTP_EMPTY_JSON_BODY'), 'LOG_ERR_INVALID_JSON', 400, /the body is empty/],
    [new SyntaxError('Unexpected token } in JSON'), 'LOG_ERR_INVALID_JSON', 400, /malformed JSON: Unexpected token/],
    [new BusFullError(7), 'LOG_ERR_QUEUE_FULL', 429, /7 entries waiting/],
    [new BusUnavailableError('NATS is reconnecting'), 'LOG_ERR_BUS_UNAVAILABLE', 503, /NATS is reconnecting/],
    [foreign('159', 'Timeout exceeded'), 'LOG_ERR_QUERY_TIMEOUT', 504, /longer than 900 ms/],
    [foreign('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.7:8123'), 'LOG_ERR_STORE_UNAVAILABLE', 503, /ECONNREFUSED/],
    [Object.assign(new Error('Rate limit exceeded'), { statusCode: 429 }), 'LOG_ERR_RATE_LIMITED', 429, /Rate limit/],
    [Object.assign(new Error('Method Not Allowed'), { statusCode: 405 }), 'LOG_ERR_BAD_PARAMETER', 405, /Method Not Allowed/],
  ]
  for (const [err, code, status, re] of cases) {
    const e = toCatalogueError(err, { bodyLimit: 51200, contentType: 'text/xml', queryTimeoutMs: 900 })
    assert.deepEqual([e.code, e.statusCode], [code, status], err.message)
    assert.match(e.message, re)
  }
})

test('ours pass through; anything else is LOG_ERR_INTERNAL without its details, kept as the cause', () => {
  const ours = new Errors.BAD_QUERY('x')
  assert.equal(toCatalogueError(ours), ours)
  const bug = new TypeError("Cannot read properties of undefined (reading 'secret')")
  const e = toCatalogueError(bug)
  assert.equal(e.code, 'LOG_ERR_INTERNAL')
  assert.equal(e.statusCode, 500)
  assert.doesNotMatch(e.message, /secret/)
  assert.equal(e.cause, bug)
})

test('store errors: timeouts and unreachable servers read from the message too', () => {
  assert.equal(storeError(new Error('Code: 159. DB::Exception: Timeout exceeded: elapsed 1 s'), 1000).code, 'LOG_ERR_QUERY_TIMEOUT')
  assert.equal(storeError(new Error('socket hang up'), 1000).code, 'LOG_ERR_STORE_UNAVAILABLE')
  const syntax = storeError(foreign('62', 'Syntax error: failed at position 12 (SELECT secret_column)'), 1000)
  assert.equal(syntax.code, 'LOG_ERR_INTERNAL')
  assert.doesNotMatch(syntax.message, /secret_column/)
})
