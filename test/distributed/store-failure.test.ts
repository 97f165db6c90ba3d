// Fault 3: the store fails every insert for 10 s under a steady load through HAProxy. The embedded
// store's data directory is on a small tmpfs that is filled up (ENOSPC stops root too, unlike chmod),
// then freed. Workers back off and hand batches back to JetStream; nothing is dropped: every entry
// answered 202 is stored exactly once after the store recovers.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Load, assertExactlyOnce, diagnostics, recoveries, sleep, smoke, startTopology, type TestTopology } from './harness.ts'

function mountTmpfs(dir: string, size: string): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0
}

test('the store fails every insert for 10 s (disk full): nothing dropped, every 202 entry stored exactly once', async (ctx) => {
  const mnt = mkdtempSync(join(tmpdir(), 'ogls-tmpfs-'))
  if (!mountTmpfs(mnt, '256m')) {
    rmSync(mnt, { recursive: true, force: true })
    ctx.skip('cannot mount a tmpfs here (needs root)')
    return
  }
  let t: TestTopology | undefined
  let load: Load | undefined
  const filler = join(mnt, 'filler')
  try {
    t = await startTopology({ storeDataDir: join(mnt, 'store') })
    load = new Load(t.url, 'fault-store', 150).start()
    await load.acceptedMore(300, 30_000)
    // Fill the file system: every insert now fails with "not enough space".
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], { stdio: 'ignore' })
    const failedBefore = (t.output('store').match(/insert failed/g) ?? []).length
    await sleep(10_000)
    // Ingest kept accepting into JetStream meanwhile.
    assert.ok(load.count(202) > 300)
    const failed = (t.output('store').match(/insert failed/g) ?? []).length - failedBefore
    assert.ok(failed > 0, 'inserts failed while the disk was full')
    rmSync(filler, { force: true })
    await load.acceptedMore(300, 30_000)
    await load.stop()
    await assertExactlyOnce(t.url, load.service, load.accepted)
    ctx.diagnostic(`${load.summary()}; failed insert attempts while full: ${failed}; ${recoveries(t)}`)
    await smoke(t.url)
  } catch (err) {
    throw new Error(`${String(err)}\nload: ${load?.summary()}\n${diagnostics(t)}`, { cause: err })
  } finally {
    await load?.stop()
    rmSync(filler, { force: true })
    await t?.cleanup()
    try {
      execFileSync('umount', ['-l', mnt])
    } catch {
      /* already gone */
    }
    rmSync(mnt, { recursive: true, force: true })
  }
})
