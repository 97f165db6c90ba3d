// Issue 12: SIGKILL at random moments under bulk and single-entry load, then restart: every entry
// answered 202 is stored exactly once (counted through /api/export). Real process, real kills.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { startServer, tempDir } from '../helpers/server.ts'
import { MixedLoad, checkStored, sleep } from './helpers.ts'

const HOUR = 3_600_000
const ROUNDS = Number(process.env.WAL_CRASH_ROUNDS ?? 10)
// Short batches and a small BATCH_SIZE so that kills land during inserts, checkpoints and replays.
const env = { RATE_LIMIT_MAX: '0', FLUSH_TIMEOUT: '100ms', BATCH_SIZE: '2000', LOG_LEVEL: 'info' }

test(`${ROUNDS} SIGKILLs under load: every 202-answered entry is stored exactly once after restart`, async (t) => {
  const dataDir = tempDir('ogls-walcrash-')
  t.after(() => rmSync(dataDir, { recursive: true, force: true }))
  const load = new MixedLoad('', 'walcrash')
  const started = Date.now()
  const notes: string[] = []
  let replays = 0
  let torn = 0
  for (let round = 0; round < ROUNDS; round++) {
    const s = await startServer({ dataDir, env })
    const before = load.accepted.size
    load.start(s.url)
    // A random moment: sometimes right after start (replay in progress), mostly under load.
    await sleep(100 + Math.floor(Math.random() * 1_500))
    await s.stop('SIGKILL')
    await load.stop()
    const out = s.output()
    replays += (out.match(/re-formed under its recorded token/g) ?? []).length
    torn += (out.match(/torn last record/g) ?? []).length
    notes.push(`round ${round}: +${load.accepted.size - before}`)
  }
  const s = await startServer({ dataDir, env })
  try {
    const r = await checkStored(s.url, 'walcrash', load.accepted, 60_000)
    t.diagnostic(`accepted ${load.accepted.size} in ${ROUNDS} rounds (${notes.join(', ')}); statuses ${load.summary()}; batches replayed under their token ${replays}; torn tails truncated ${torn}`)
    assert.ok(load.accepted.size > 0, 'the load got no 202 at all')
    assert.deepEqual(r.missing.slice(0, 10), [], `${r.missing.length} of ${load.accepted.size} accepted entries are not stored`)
    assert.deepEqual(r.dups.slice(0, 10), [], `${r.dups.length} entries stored more than once`)
    // Issue 17: GET /api/patterns over whole hours counts from the per-hour counts kept with each part
    // (store/patterns.ts): a batch replayed under its token is not counted twice there either.
    const from = new Date(Math.floor(started / HOUR) * HOUR).toISOString()
    const to = new Date(Math.ceil((Date.now() + 1) / HOUR) * HOUR).toISOString()
    const res = await fetch(`${s.url}/api/patterns?service=walcrash&from=${from}&to=${to}&limit=1000`)
    const counted = ((await res.json()) as { count: number }[]).reduce((a, p) => a + p.count, 0)
    assert.equal(counted, r.stored, 'GET /api/patterns counts every stored entry once')
  } finally {
    await s.stop()
  }
})
