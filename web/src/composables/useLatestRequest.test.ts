import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiError } from '../lib/api.ts'
import { useLatestRequest } from './useLatestRequest.ts'

/** A request the test answers by hand; it rejects with an AbortError when its signal aborts, as fetch does. */
function deferred<T>() {
  let answer!: (v: T) => void
  let fail!: (e: unknown) => void
  let signal!: AbortSignal
  const fetch = (s: AbortSignal) => {
    signal = s
    return new Promise<T>((res, rej) => {
      answer = res
      fail = rej
      s.addEventListener('abort', () => rej(Object.assign(new Error('aborted'), { name: 'AbortError' })))
    })
  }
  return { fetch, answer: (v: T) => answer(v), fail: (e: unknown) => fail(e), aborted: () => signal.aborted }
}

test('a newer request aborts the older one, whose late answer changes nothing', async () => {
  const r = useLatestRequest()
  const shown: string[] = []
  const a = deferred<string>()
  const b = deferred<string>()
  const pa = r.request(a.fetch, { done: (v) => shown.push(v) })
  assert.equal(r.loading.value, true)
  const pb = r.request(b.fetch, { done: (v) => shown.push(v) })
  assert.equal(a.aborted(), true)
  await pa
  assert.equal(r.loading.value, true, 'the newer request is still loading')
  b.answer('b')
  await pb
  assert.deepEqual(shown, ['b'])
  assert.equal(r.loading.value, false)
  assert.equal(r.error.value, undefined)
})

test('a failure sets the error and its HTTP status; a success clears them', async () => {
  const r = useLatestRequest()
  let failedWith: unknown
  const a = deferred<number>()
  const pa = r.request(a.fetch, { done: () => assert.fail('no answer'), failed: (e) => (failedWith = e) })
  a.fail(new ApiError('q: unknown pipe "stat" at 4', 400, 'LOG_ERR_BAD_QUERY'))
  await pa
  assert.equal(r.error.value, 'q: unknown pipe "stat" at 4')
  assert.equal(r.errorStatus.value, 400)
  assert.ok(failedWith instanceof ApiError)
  // The error stays while the next request runs, unless it asks to clear it first.
  const b = deferred<number>()
  const pb = r.request(b.fetch, { done: () => {} })
  assert.equal(r.error.value, 'q: unknown pipe "stat" at 4')
  b.answer(1)
  await pb
  assert.equal(r.error.value, undefined)
  assert.equal(r.errorStatus.value, 0)
  const c = deferred<number>()
  const pc = r.request(c.fetch, { done: () => {} })
  c.fail(new TypeError('Failed to fetch'))
  await pc
  assert.equal(r.errorStatus.value, 0, 'a network error has no status')
  const d = deferred<number>()
  const pd = r.request(d.fetch, { done: () => {}, clearError: true })
  assert.equal(r.error.value, undefined)
  d.answer(2)
  await pd
})

test('abort stops the request in flight and nothing is loading; quiet requests leave loading alone', async () => {
  const r = useLatestRequest()
  const a = deferred<number>()
  let called = false
  const pa = r.request(a.fetch, { done: () => (called = true), failed: () => (called = true) })
  r.abort()
  assert.equal(r.loading.value, false)
  await pa
  assert.equal(called, false)
  assert.equal(r.error.value, undefined)
  const b = deferred<number>()
  const pb = r.request(b.fetch, { done: () => {}, quiet: true })
  assert.equal(r.loading.value, false)
  b.answer(1)
  await pb
  // Requests that share the latest request's life stop with it.
  const shared = r.signal()
  const c = deferred<number>()
  const pc = r.request(c.fetch, { done: () => {} })
  assert.equal(shared.aborted, true)
  c.answer(1)
  await pc
})
