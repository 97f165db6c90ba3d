// Dying is better than hanging (issue 11): a heap too small for the load ends the process with a
// non-zero status and frees the port, instead of leaving the engine's SIGABRT handler asleep for ever.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { startServer } from '../helpers/server.ts'

/** Exit within this long after the heap runs out (generous: the machine is shared). */
const EXIT_WITHIN_MS = 60_000

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** One MAX_BATCH_BYTES-sized request of small entries: parsing it costs the heap several times its size. */
function bigBatch(bytes: number): string {
  const one = JSON.stringify({ level: 'info', service: 'oom', message: 'x'.repeat(40), attributes: { k: 'v' } })
  const n = Math.floor(bytes / (one.length + 1)) - 1
  return `[${Array.from({ length: n }, () => one).join(',')}]`
}

test('running out of heap ends the process with a non-zero status and frees the port', async () => {
  const srv = await startServer({ env: { NODE_OPTIONS: '--max-old-space-size=48' }, timeoutMs: 60_000 })
  try {
    // After start-up (the engine has run its migrations) no fatal signal has a handler any more.
    const caught = BigInt(`0x${/SigCgt:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8'))?.[1]}`)
    const fatal = { SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGSEGV: 11, SIGSYS: 31 }
    const handled = Object.entries(fatal).filter(([, n]) => (caught >> BigInt(n - 1)) & 1n).map(([name]) => name)
    assert.deepEqual(handled, [], 'fatal signals are back to their default action')
    const body = bigBatch(9 * 1024 * 1024)
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      srv.proc.once('exit', (code, signal) => resolve({ code, signal })),
    )
    // Concurrent full-size batches: a realistic load for a heap this small.
    const send = () => fetch(`${srv.url}/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0)
    let done = false
    const load = (async () => {
      while (!done) await Promise.all(Array.from({ length: 6 }, send))
    })()
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([exited, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), EXIT_WITHIN_MS)))])
    clearTimeout(timer)
    done = true
    void load // its requests end by themselves (exit or timeout); not awaited, the process may be hung
    assert.notEqual(outcome, 'hung', `the process did not exit within ${EXIT_WITHIN_MS} ms:\n${srv.output().slice(-2000)}`)
    if (outcome === 'hung') return
    assert.ok(outcome.code !== 0 || outcome.signal !== null, `exit status ${JSON.stringify(outcome)}`)
    assert.match(srv.output(), /heap out of memory|Allocation failed/, 'it died of the heap, not of something else')
    assert.equal(await portFree(srv.port), true, 'the HTTP port is free again')
  } finally {
    await srv.stop('SIGKILL')
    srv.cleanup()
  }
})
