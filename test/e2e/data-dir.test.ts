// README Limits: the embedded store and the embedded write-ahead log belong to one process. A second
// process started on the DATA_DIR of a running one must stop at start-up with a message saying so,
// without touching a file of the directory (the first one's write-ahead log included), and the first
// one's accepted entries must all be stored once, also after it is killed and started again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { CLI, ROOT, postJson, startServer, storedIds, tempDir, waitFor } from '../helpers/server.ts'

/** Every file under `dir` with its size and the hash of its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      const st = statSync(p)
      if (st.isDirectory()) walk(p)
      else out[relative(dir, p)] = `${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`
    }
  }
  walk(dir)
  return out
}

test('a second process on the DATA_DIR of a running one stops with a clear error before it opens the store or the write-ahead log; nothing of the first is changed or lost', async () => {
  const dataDir = tempDir()
  const storeDir = join(dataDir, 'store') // startServer's DATA_DIR
  // A long flush: the entries are in the write-ahead log, not yet stored, while the second process starts.
  const env = { RATE_LIMIT_MAX: '0', FLUSH_TIMEOUT: '30s', BATCH_SIZE: '100000' }
  const a = await startServer({ dataDir, env })
  let b: Awaited<ReturnType<typeof startServer>> | undefined
  const service = 'datadir'
  const ids: string[] = []
  const post = async (n: number) => {
    const batch = Array.from({ length: n }, () => {
      const lid = `dd-${ids.length}`
      ids.push(lid)
      return { level: 'info', service, message: `entry ${lid}`, attributes: { lid } }
    })
    const r = await postJson(`${a.url}/logs`, batch)
    assert.equal(r.status, 202, JSON.stringify(r.body))
  }
  try {
    for (let i = 0; i < 10; i++) await post(20)
    assert.match(a.output(), /write-ahead log open/)

    // The first process holds still (SIGSTOP: it writes nothing meanwhile, and keeps its lock).
    a.proc.kill('SIGSTOP')
    const before = snapshot(storeDir)
    assert.ok(
      Object.keys(before).some((f) => f.startsWith('wal/')),
      'the write-ahead log has files',
    )
    const second = spawnSync(process.execPath, [CLI, 'all'], {
      cwd: ROOT,
      env: { ...process.env, ...env, HTTP_PORT: '0', HOST: '127.0.0.1', DATA_DIR: storeDir, LOG_LEVEL: 'info' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    const out = `${second.stdout}${second.stderr}`
    assert.equal(second.status, 1, out)
    assert.ok(
      out.includes(`oglogstream: DATA_DIR ${storeDir} is in use by another process (pid ${a.proc.pid},`),
      `the second process says DATA_DIR is in use by the first: ${out}`,
    )
    assert.doesNotMatch(out, /write-ahead log open|oglogstream listening/, 'the second process opened nothing')
    assert.deepEqual(snapshot(storeDir), before, 'no file under DATA_DIR was changed by the second process')
    a.proc.kill('SIGCONT')

    // The first one goes on accepting; then it is killed (no flush) and started again.
    for (let i = 0; i < 5; i++) await post(20)
    a.proc.kill('SIGKILL')
    await a.stop()
    b = await startServer({ dataDir, env: { RATE_LIMIT_MAX: '0', FLUSH_TIMEOUT: '200ms' } })
    const url = b.url
    // Every id stored, and nothing of the write-ahead log left to store (no later insert can come).
    const stored = await waitFor(
      async () => {
        const metrics = await (await fetch(`${url}/metrics`)).text()
        if (!/^oglogstream_queue_depth_entries 0$/m.test(metrics)) return false
        const s = await storedIds(url, service)
        return ids.every((id) => s.has(id)) && s
      },
      60_000,
      250,
    )
    assert.deepEqual(
      [...stored].filter(([, n]) => n !== 1),
      [],
      'every entry stored once',
    )
    assert.equal(stored.size, ids.length)
    assert.doesNotMatch(b.output(), /corrupted|torn/, 'the write-ahead log reads back clean')
  } finally {
    a.proc.kill('SIGCONT')
    await a.stop('SIGKILL')
    await b?.stop()
    a.cleanup()
  }
})
