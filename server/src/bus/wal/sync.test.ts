// WAL_SYNC=always (README Limits and Configuration): an accepted entry waits for an fdatasync of the
// write-ahead log, and concurrent requests share one. The log's own file handle is watched through
// FileHandle.prototype.datasync, whose first call is held until the test releases it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Entry } from '../../model/index.ts'
import { WalBus } from './index.ts'
import { encodeRecord } from './record.ts'
import { encodeBody } from '../../store/encode.ts'

const entry = (i: number): Entry => ({
  timestamp: '2026-01-01T00:00:00.000000000Z',
  level: 'info',
  service: 'wal',
  message: `m${String(i).padStart(3, '0')}`, // records of one size
  attributes: {},
  trace_id: '',
  span_id: '',
})

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

test('WAL_SYNC=always: no publish resolves before an fdatasync that began after its write; 51 concurrent publishes take 2 syncs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ogls-walsync-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const bus = await WalBus.open(
    { dir, sync: 'always', maxBytes: 1024 ** 3, minFreeDiskBytes: 0, readAheadBytes: 1024 ** 3 },
    pino({ level: 'silent' }),
  )
  t.after(() => bus.close())

  const probe = await open(join(dir, 'probe'), 'w')
  const proto = Object.getPrototypeOf(probe) as FileHandle
  await probe.close()
  const datasync = proto.datasync
  t.after(() => void (proto.datasync = datasync))
  let syncs = 0
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  proto.datasync = async function (this: FileHandle) {
    syncs++
    await held
    return datasync.call(this)
  }

  const resolved: number[] = []
  const publish = (i: number) => bus.publish([entry(i)]).then(() => void resolved.push(i))
  const first = publish(0)
  await until(() => syncs === 1, 'the first fdatasync')
  // 50 more while that sync is held: written meanwhile, covered by the next sync.
  const rest = Array.from({ length: 50 }, (_, i) => publish(i + 1))
  const seg = () => readdirSync(dir).filter((n) => n.endsWith('.seg'))
  const bytes = () => seg().reduce((n, f) => n + statSync(join(dir, f)).size, 0)
  // Every record is as long as the first (same-length messages): all 51 are in the file.
  const record = encodeRecord(encodeBody([entry(0)]), 1).reduce((n, b) => n + b.length, 0)
  await until(() => bytes() === 51 * record, 'the 50 records written')
  assert.deepEqual(resolved, [], 'nothing resolves while the fdatasync is held, although every record is written')
  assert.equal(syncs, 1, 'one sync in flight at a time')

  release()
  await Promise.all([first, ...rest])
  assert.equal(resolved.length, 51)
  assert.equal(syncs, 2, 'the 50 records written during the first sync share the second')
})
