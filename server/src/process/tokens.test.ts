// A commit the real embedded engine refuses after it logged the block's dedup id (the failure
// store-failure met under load): the retry must store the batch, and a second copy must still be dropped.
// The commit is made to fail by putting an undeletable directory where the next part goes: the engine
// writes the part, logs its dedup id, then cannot move the part into place.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { MemoryBus } from '../bus/memory.ts'
import type { Entry } from '../model/index.ts'
import { ProcessMetrics } from './metrics.ts'
import { TokenGuard } from './tokens.ts'
import { Worker, type BatchSink } from './worker.ts'
import { tempStore } from '../../../test/helpers/store.ts'

const temp = tempStore('tokens')

const log = pino({ level: process.env.TLOG ?? 'silent' })
const entry = (svc: string, day: string, i: number): Entry => ({
  timestamp: `${day}T00:00:00.${String(i).padStart(9, '0')}Z`,
  level: 'info',
  service: svc,
  message: `m${i}`,
  attributes: {},
  trace_id: '',
  span_id: '',
})
const count = async (svc: string) => Number((await temp.store.sql<{ c: string }>('SELECT count() AS c FROM oglogstream.logs WHERE service = {s:String}', { s: svc }))[0]?.c)

/**
 * Makes the engine's next insert into oglogstream.logs (on `day`) fail at its commit; returns the
 * function that lets it through again, or undefined where `chattr +i` is not supported.
 */
async function failNextCommit(svc: string, day: string): Promise<(() => void) | undefined> {
  // A probe insert tells the table's last block number; the next insert takes the one after it.
  await temp.store.insert([entry(`${svc}-probe`, '2026-02-01', 0)], `${svc}-probe-${Date.now()}`)
  const [last] = await temp.store.sql<{ name: string; path: string }>(
    "SELECT name, path FROM system.parts WHERE database = 'oglogstream' AND table = 'logs' ORDER BY max_block_number DESC LIMIT 1",
  )
  assert.ok(last)
  const n = Number(/_(\d+)_\d+$/.exec(last.name)?.[1]) + 1
  const blocker = join(last.path.replace(/\/[^/]+\/?$/, ''), `${day.replaceAll('-', '')}_${n}_${n}_0`)
  mkdirSync(blocker)
  writeFileSync(join(blocker, 'x'), 'x')
  const release = () => {
    spawnSync('chattr', ['-i', blocker])
    rmSync(blocker, { recursive: true, force: true })
  }
  if (spawnSync('chattr', ['+i', blocker]).status !== 0) {
    release()
    return undefined
  }
  return release
}

test('an insert whose commit the engine refused is stored by its retry under the same logical token, once', async (t) => {
  const release = await failNextCommit('guard', '2026-03-01')
  if (!release) return t.skip('chattr +i is not supported on this file system')
  const guard = new TokenGuard(temp.store, log)
  try {
    await assert.rejects(guard.insert([entry('guard', '2026-03-01', 1)], 'guard-batch'), /remove_all|Operation not permitted/)
  } finally {
    release()
  }
  assert.equal(await count('guard'), 0)
  // The engine burnt the token: the same token straight to the store stores nothing...
  await temp.store.insert([entry('guard', '2026-03-01', 1)], 'guard-batch')
  assert.equal(await count('guard'), 0, 'the engine dropped a retry under the refused token (its bug this guards against)')
  // ...and through the guard the retry is stored, and a later copy is still a duplicate.
  await guard.insert([entry('guard', '2026-03-01', 1)], 'guard-batch')
  assert.equal(await count('guard'), 1)
  await guard.insert([entry('guard', '2026-03-01', 1)], 'guard-batch')
  assert.equal(await count('guard'), 1)
})

test('the worker loses nothing when the engine refuses a commit: the retried batch is stored once', async (t) => {
  const release = await failNextCommit('commit', '2026-03-02')
  if (!release) return t.skip('chattr +i is not supported on this file system')
  const errors: string[] = []
  // The real store; the commit is let through again after the first refusal.
  const sink: BatchSink = {
    insert: async (entries, token) => {
      try {
        await temp.store.insert(entries, token)
      } catch (err) {
        errors.push(String(err))
        release()
        throw err
      }
    },
    deadLetter: (letters, token) => temp.store.deadLetter(letters, token),
  }
  const bus = new MemoryBus(10_000)
  const w = new Worker(bus, sink, { batchSize: 100, flushTimeoutMs: 60_000, maxRetries: 3, retryBaseMs: 10 }, new ProcessMetrics(), log)
  t.after(() => {
    release()
    return w.stop()
  })
  for (let i = 0; i < 20; i++) await bus.publish([entry('commit', '2026-03-02', i)])
  w.start() // after the publishes: one batch
  await w.flush()
  assert.equal(errors.length, 1, 'the first insert failed at its commit')
  assert.match(errors[0] ?? '', /remove_all|Operation not permitted/)
  assert.equal(await count('commit'), 20, 'every entry of the acked batch is stored')
  await w.stop()
  assert.equal(bus.pending(), 0)
})
