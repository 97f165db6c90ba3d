// The write-ahead log on a real directory: framing, recovery from a torn or corrupted log, the
// ledger replay under the same token, segment deletion, and the size bound.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import type { Entry } from '../../model/index.ts'
import { BusFullError, type BusMessage } from '../bus.ts'
import { loadConfig } from '../../config.ts'
import { WalBus, type WalOptions } from './index.ts'

const entry = (i: number): Entry => ({
  timestamp: '2026-01-01T00:00:00.000000000Z',
  level: 'info',
  service: 'wal',
  message: `m${i}`,
  attributes: { i: String(i) },
  trace_id: '',
  span_id: '',
})

function setup(extra: Partial<WalOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ogls-wal-'))
  const lines: string[] = []
  const log = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }))
  const opts: WalOptions = { dir, sync: 'always', maxBytes: 1024 ** 3, minFreeDiskBytes: 0, ...extra }
  return { dir, lines, open: () => WalBus.open(opts, log), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

const messages = (ms: BusMessage[]) => ms.flatMap((m) => m.entries.map((e) => e.message))
const segs = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.seg')).sort()

test('published entries come back from disk in order; after an ack a reopened log has nothing pending', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  await Promise.all([bus.publish([entry(1), entry(2)]), bus.publish([entry(3)])])
  assert.equal(bus.pending(), 3)
  const got = await bus.fetch(10, 0)
  assert.deepEqual(messages(got), ['m1', 'm2', 'm3'])
  await Promise.all(got.map((m) => m.ack()))
  assert.equal(bus.pending(), 0)
  await bus.close()
  bus = await w.open()
  assert.equal(bus.pending(), 0)
  assert.deepEqual(await bus.fetch(10, 0), [])
  await bus.close()
})

test('a log cut in the middle of its last record: the torn record is truncated with a log line, the rest replays', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  for (let i = 1; i <= 3; i++) await bus.publish([entry(i)])
  await bus.close()
  const seg = join(w.dir, segs(w.dir)[0] as string)
  const size = statSync(seg).size
  truncateSync(seg, size - 7)
  bus = await w.open()
  assert.ok(w.lines.some((l) => l.includes('torn last record')), w.lines.join(''))
  assert.equal(bus.pending(), 2)
  await bus.publish([entry(4)]) // appends after the valid end
  assert.deepEqual(messages(await bus.fetch(10, 0)), ['m1', 'm2', 'm4'])
  await bus.close()
})

test('a flipped byte in a middle record: it is reported and skipped, the records after it are kept', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  for (let i = 1; i <= 3; i++) await bus.publish([entry(i)])
  await bus.close()
  const seg = join(w.dir, segs(w.dir)[0] as string)
  const bytes = readFileSync(seg)
  const at = bytes.indexOf('m2')
  bytes[at] = bytes[at]! ^ 0xff
  writeFileSync(seg, bytes)
  bus = await w.open()
  assert.ok(w.lines.some((l) => l.includes('corrupted records skipped')), w.lines.join(''))
  assert.deepEqual(messages(await bus.fetch(10, 0)), ['m1', 'm3'])
  await bus.close()
})

test('a flipped byte in a length field: the next valid record is found', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  for (let i = 1; i <= 3; i++) await bus.publish([entry(i)])
  await bus.close()
  const seg = join(w.dir, segs(w.dir)[0] as string)
  const bytes = readFileSync(seg)
  const second = bytes.readUInt32LE(0) + 12
  bytes[second + 1] = 0x7f // length of record 2 becomes huge
  writeFileSync(seg, bytes)
  bus = await w.open()
  assert.deepEqual(messages(await bus.fetch(10, 0)), ['m1', 'm3'])
  await bus.close()
})

test('a batch recorded before a crash is re-formed whole under its token; one stored is not replayed', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  for (let i = 1; i <= 4; i++) await bus.publish([entry(i)])
  const first = await bus.fetch(2, 0)
  await bus.beforeInsert(first, 'tok-a')
  await Promise.all(first.map((m) => m.ack()))
  const second = await bus.fetch(2, 0)
  await bus.beforeInsert(second, 'tok-b')
  // Crash: no ack for the second batch (the bus is dropped without close).
  bus = await w.open()
  const again = await bus.fetch(10, 0)
  assert.equal(again.length, 1)
  assert.equal(again[0]?.batchToken, 'tok-b')
  assert.equal(again[0]?.redelivered, true)
  assert.deepEqual(messages(again), ['m3', 'm4'])
  await again[0]?.ack()
  await bus.close()
  bus = await w.open()
  assert.equal(bus.pending(), 0)
  await bus.close()
})

test('a batch acked out of order is not replayed, and a nak gives the batch back under its token', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  for (let i = 1; i <= 3; i++) await bus.publish([entry(i)])
  const [a, b, c] = await bus.fetch(3, 0)
  await bus.beforeInsert([a!], 'tok-1')
  await bus.beforeInsert([b!, c!], 'tok-2')
  await Promise.all([b!.ack(), c!.ack()])
  a!.nak(0)
  const back = await bus.fetch(10, 0)
  assert.deepEqual(messages(back), ['m1'])
  assert.equal(back[0]?.batchToken, 'tok-1')
  // Crash before the retry is acked: only batch 1 comes back.
  bus = await w.open()
  const replay = await bus.fetch(10, 0)
  assert.deepEqual(messages(replay), ['m1'])
  assert.equal(replay[0]?.batchToken, 'tok-1')
  await replay[0]?.ack()
  await bus.close()
})

test('segments behind the checkpoint are deleted, and WAL_MAX_BYTES refuses with BusFullError', async (t) => {
  const w = setup({ segmentBytes: 600, maxBytes: 3_000 })
  t.after(w.cleanup)
  const bus = await w.open()
  let i = 0
  await assert.rejects(
    (async () => {
      for (;;) await bus.publish([entry(++i)])
    })(),
    BusFullError,
  )
  assert.ok(segs(w.dir).length >= 4, segs(w.dir).join())
  for (;;) {
    const ms = await bus.fetch(100, 0)
    if (ms.length === 0) break
    await Promise.all(ms.map((m) => m.ack()))
  }
  assert.equal(segs(w.dir).length, 1)
  await bus.publish([entry(++i)]) // room again
  await bus.close()
})

test('live listeners get entries as they are published', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  const bus = await w.open()
  const seen: string[] = []
  bus.onLive((es) => es.forEach((e) => seen.push(e.message)))
  await bus.publish([entry(1), entry(2)])
  assert.deepEqual(seen, ['m1', 'm2'])
  await bus.close()
})

test('WAL_SYNC as an interval: publish resolves after the write, the worker sees the entries once synced', async (t) => {
  const w = setup({ sync: 20 })
  t.after(w.cleanup)
  const bus = await w.open()
  await bus.publish([entry(1)])
  assert.deepEqual(messages(await bus.fetch(10, 5_000)), ['m1'])
  await bus.close()
})

test('WAL_SYNC, WAL_MAX_BYTES and MIN_FREE_DISK are read from the environment; a bad value names the variable', () => {
  const c = loadConfig('all', { WAL_SYNC: '100ms', WAL_MAX_BYTES: '2GiB', MIN_FREE_DISK: '1GiB' })
  assert.equal(c.walSync, 100)
  assert.equal(c.walMaxBytes, 2 * 1024 ** 3)
  assert.equal(c.minFreeDiskBytes, 1024 ** 3)
  const d = loadConfig('all', {})
  assert.equal(d.walSync, 'always')
  assert.equal(d.walMaxBytes, 1024 ** 3)
  assert.equal(d.minFreeDiskBytes, 512 * 1024 ** 2)
  assert.throws(() => loadConfig('all', { WAL_SYNC: 'sometimes' }), /WAL_SYNC: 'sometimes' is not a duration/)
  assert.throws(() => loadConfig('all', { WAL_MAX_BYTES: 'lots' }), /WAL_MAX_BYTES/)
})
