// Issue 12: a small filesystem (a size-limited tmpfs made by the test) that fills up: ingest answers
// 503 while free space is under MIN_FREE_DISK, resumes when space returns, and everything accepted
// is stored once; the table still reads after a restart.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getJson, postJson, startServer, waitFor, type RunningServer } from '../helpers/server.ts'
import { MixedLoad, checkStored } from './helpers.ts'

const MIB = 1024 * 1024
const root = process.getuid?.() === 0

test('a filling disk: 503 while under MIN_FREE_DISK, 202 again when space returns, nothing lost or doubled', { skip: !root && 'needs root to mount a tmpfs' }, async (t) => {
  const mnt = mkdtempSync(join(tmpdir(), 'ogls-waldisk-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=320m', 'tmpfs', mnt])
  let s: RunningServer | undefined
  const load = new MixedLoad('', 'waldisk', { bulkConns: 1, bulkSize: 200, singleConns: 2 })
  t.after(async () => {
    await load.stop()
    await s?.stop('SIGKILL')
    execFileSync('umount', ['-l', mnt])
    rmSync(mnt, { recursive: true, force: true })
  })
  const env = { MIN_FREE_DISK: '100MiB', RATE_LIMIT_MAX: '0', FLUSH_TIMEOUT: '100ms' }
  s = await startServer({ dataDir: mnt, env })
  load.start(s.url)
  await waitFor(async () => load.accepted.size > 1_000, 30_000)

  // Leave 60 MiB free: under MIN_FREE_DISK, with room for the engine to finish what it has.
  const free = () => {
    const st = statfsSync(mnt)
    return st.bavail * st.bsize
  }
  const filler = join(mnt, 'filler')
  writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 60 * MIB)))
  const full = await waitFor(async () => {
    const r = await postJson(`${s!.url}/log`, { level: 'info', service: 'waldisk-probe', message: 'while full' })
    return r.status === 503 ? r : undefined
  }, 15_000)
  assert.equal(full.body.code, 'LOG_ERR_BUS_UNAVAILABLE')
  assert.match(full.body.error, /MIN_FREE_DISK/)
  assert.ok(full.headers.get('retry-after'), 'a 503 carries Retry-After')
  const acceptedWhenFull = load.accepted.size
  // A request admitted before the probe's 503 may still be answered 202 once its sync completes; one
  // sent after it must not be (entry numbers are in the order sent).
  const sentWhenFull = load.sent
  await new Promise((r) => setTimeout(r, 1_500))
  const lateAccepted = [...load.accepted].filter((id) => Number(id.slice(id.lastIndexOf('-') + 1)) > sentWhenFull)
  assert.deepEqual(lateAccepted, [], 'nothing sent while the disk is full is accepted')

  rmSync(filler)
  await waitFor(async () => load.accepted.size > acceptedWhenFull + 500, 30_000)
  await load.stop()
  const r = await checkStored(s.url, 'waldisk', load.accepted, 60_000)
  t.diagnostic(`accepted ${load.accepted.size} (${acceptedWhenFull} before the disk filled); statuses ${load.summary()}`)
  assert.deepEqual(r.missing.slice(0, 10), [], `${r.missing.length} accepted entries are not stored`)
  assert.deepEqual(r.dups.slice(0, 10), [], `${r.dups.length} entries stored more than once`)

  // The table reads whole after a restart.
  assert.equal(await s.stop(), 0)
  s = await startServer({ dataDir: mnt, env })
  const stats = await getJson(`${s.url}/api/stats?service=waldisk`)
  assert.equal(stats.status, 200)
  assert.equal(stats.body.total_logs, load.accepted.size)
})
