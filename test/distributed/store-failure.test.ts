// Fault 3: the store fails every insert for 10 s under a steady load through HAProxy. The embedded
// store's table directories are made immutable (`chattr +i`: unlike chmod it stops root too), so every
// insert and merge fails when it tries to create its part directory, then they are made writable again.
// Workers back off and hand batches back to JetStream; nothing is dropped: every entry answered 202 is
// stored exactly once after the store recovers.
// (A full disk was tried first: chdb 3.4.0 then once committed a merged part with an empty marks file,
// which made every later read of the table fail — see the README's limits. Failing at the directory
// creation makes the store refuse writes without that engine bug.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Load, faultFailure, sleep, startTopology, verifyAfterFault, type TestTopology } from './harness.ts'

/** The engine's table directories: <DATA_DIR>/store/<3 hex>/<table uuid>. */
function tableDirs(dataDir: string): string[] {
  const root = join(dataDir, 'store')
  return readdirSync(root).flatMap((prefix) => readdirSync(join(root, prefix)).map((uuid) => join(root, prefix, uuid)))
}

function setImmutable(dirs: string[], on: boolean): boolean {
  return dirs.every((d) => spawnSync('chattr', [on ? '+i' : '-i', d]).status === 0)
}

test('the store fails every insert for 10 s (table directories unwritable): nothing dropped, every 202 entry stored exactly once', async (ctx) => {
  const base = mkdtempSync(join(tmpdir(), 'ogls-storefail-'))
  const dataDir = join(base, 'store')
  let t: TestTopology | undefined
  let load: Load | undefined
  let locked: string[] = []
  try {
    t = await startTopology({ storeDataDir: dataDir })
    load = new Load(t.url, 'fault-store', 150).start()
    await load.acceptedMore(300, 30_000)
    locked = tableDirs(dataDir)
    if (!setImmutable(locked, true)) {
      setImmutable(locked, false)
      ctx.skip('chattr +i is not supported on this file system')
      return
    }
    const failedBefore = (t.output('store').match(/insert failed/g) ?? []).length
    await sleep(10_000)
    // Ingest kept accepting into JetStream meanwhile.
    assert.ok(load.count(202) > 300)
    const failed = (t.output('store').match(/insert failed/g) ?? []).length - failedBefore
    assert.ok(failed > 0, 'inserts failed while the store was unwritable')
    setImmutable(locked, false)
    await load.acceptedMore(300, 30_000)
    ctx.diagnostic(`failed insert attempts while unwritable: ${failed}; ${await verifyAfterFault(t, load)}`)
  } catch (err) {
    throw faultFailure(err, t, load)
  } finally {
    await load?.stop()
    setImmutable(locked, false)
    await t?.cleanup()
    rmSync(base, { recursive: true, force: true })
  }
})
