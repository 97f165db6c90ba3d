// Fault 3: the store fails every insert for 10 s under mixed traffic through HAProxy. The store
// instance runs in its own mount namespace (`unshare --mount`, as root); the test bind-mounts the
// engine's table directories read-only inside that namespace only (`nsenter … mount -o remount,bind,ro`),
// so every insert and merge fails when it tries to create its part directory, then unmounts them.
// Nothing outside the store process sees the mounts, and they vanish with it. This always works as root
// (tests and CI run as root) and cannot skip: without it the test fails. Workers back off and hand
// batches back to JetStream; nothing is dropped: every entry answered 202 is stored exactly once after
// the store recovers.
// (A full disk was tried first: chdb 3.4.0 then once committed a merged part with an empty marks file,
// which made every later read of the table fail — see the README's limits. `chattr +i` came next, but
// it is not supported on every file system (overlayfs, tmpfs), and the test skipped itself there.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '../helpers/server.ts'
import { Mixed, faultFailure, startTopology, verifyAfterFault, type TestTopology } from './harness.ts'

/** The engine's table directories: <DATA_DIR>/store/<3 hex>/<table uuid>. */
function tableDirs(dataDir: string): string[] {
  const root = join(dataDir, 'store')
  return readdirSync(root).flatMap((prefix) => readdirSync(join(root, prefix)).map((uuid) => join(root, prefix, uuid)))
}

/** Runs `args` in the mount namespace of process `pid`; throws with its output when it fails. */
function inNamespace(pid: number, args: string[]): void {
  const r = spawnSync('nsenter', ['-t', String(pid), '-m', '--', ...args], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`nsenter -t ${pid} -m ${args.join(' ')}: exit ${r.status} ${r.error ?? ''} ${r.stderr}`)
}

function readOnly(pid: number, dirs: string[]): void {
  for (const d of dirs) {
    inNamespace(pid, ['mount', '--bind', d, d])
    // The kernel refuses to make a mount read-only while a file is open for writing through it (EBUSY,
    // "mount point is busy"): an insert or merge of the store may have opened one through the new mount
    // between the two commands. Such a write ends within moments; try again.
    for (let attempt = 1; ; attempt++) {
      try {
        inNamespace(pid, ['mount', '-o', 'remount,bind,ro', d])
        break
      } catch (err) {
        if (attempt >= 100 || !/busy/.test(String(err))) throw err
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
      }
    }
  }
}

function writable(pid: number, dirs: string[]): void {
  for (const d of dirs) inNamespace(pid, ['umount', d])
}

/** Whether a file can be created in `dir` as the store process sees it. */
function canWrite(pid: number, dir: string): boolean {
  const probe = join(dir, 'probe-store-failure')
  const r = spawnSync('nsenter', ['-t', String(pid), '-m', '--', 'touch', probe])
  if (r.status === 0) spawnSync('nsenter', ['-t', String(pid), '-m', '--', 'rm', '-f', probe])
  return r.status === 0
}

const failures = (t: TestTopology) => (t.output('store').match(/insert failed/g) ?? []).length

test('the store fails every insert for 10 s (table directories read-only in its mount namespace): nothing dropped, every 202 entry stored exactly once', async (ctx) => {
  const base = mkdtempSync(join(tmpdir(), 'ogls-storefail-'))
  const dataDir = join(base, 'store')
  let t: TestTopology | undefined
  let load: Mixed | undefined
  let pid = 0
  let locked: string[] = []
  try {
    t = await startTopology({ storeDataDir: dataDir, storeWrap: ['unshare', '--mount', '--propagation', 'private'] })
    pid = t.proc('store').child?.pid ?? 0
    assert.ok(pid > 0)
    load = new Mixed(t.url, 'fault-store', 150).start()
    await load.acceptedMore(300, 30_000)
    locked = tableDirs(dataDir)
    assert.ok(locked.length >= 2, `table directories: ${locked.join(', ')}`)
    readOnly(pid, locked)
    assert.equal(canWrite(pid, locked[0] as string), false, 'read-only for the store')
    assert.equal(canWrite(process.pid, locked[0] as string), true, 'writable outside its namespace')
    const failedBefore = failures(t)
    const since = Date.now()
    // Inserts fail while ingest keeps accepting into JetStream: wait for both; the outage lasts 10 s.
    await waitFor(async () => (t ? failures(t) > failedBefore : false), 30_000)
    await load.acceptedMore(300, 30_000)
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - since))))
    const failed = failures(t) - failedBefore
    writable(pid, locked)
    locked = []
    await load.acceptedMore(300, 30_000)
    ctx.diagnostic(`failed insert attempts while read-only: ${failed}; ${await verifyAfterFault(t, load)}`)
  } catch (err) {
    throw faultFailure(err, t, load)
  } finally {
    await load?.stop()
    if (pid && locked.length) {
      try {
        writable(pid, locked)
      } catch {
        /* the namespace goes with the process */
      }
    }
    await t?.cleanup()
    rmSync(base, { recursive: true, force: true })
  }
})
