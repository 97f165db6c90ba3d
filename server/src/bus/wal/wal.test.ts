// The write-ahead log transport on a real directory: framing, recovery from a torn or corrupted log,
// batches re-formed under their recorded token by process/ after a crash, ids that never repeat,
// segment deletion, the size and read-ahead bounds. A "crash" is a reopen without close.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import type { Entry } from '../../model/index.ts'
import { BusFullError, type WorkMessage } from '../bus.ts'
import { loadConfig } from '../../config.ts'
import { sortOut } from '../../process/recovery.ts'
import { ProcessMetrics, Worker } from '../../process/index.ts'
import { WalBus, type WalOptions } from './index.ts'
import { encodeRecord } from './record.ts'
import { encodeBody } from '../../store/encode.ts'

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
  const opts: WalOptions = { dir, sync: 'always', maxBytes: 1024 ** 3, minFreeDiskBytes: 0, readAheadBytes: 1024 ** 3, ...extra }
  return { dir, lines, log, open: () => WalBus.open(opts, log), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

const messages = (ms: WorkMessage[]) => ms.flatMap((m) => m.entries.map((e) => e.message))
const segs = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.seg'))
    .sort()
const offset = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1))
const tick = () => new Promise((r) => setTimeout(r, 20))

test('published entries come back from disk in order, one message per publish; after the acks a reopened log has nothing pending', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  await Promise.all([bus.publish([entry(1), entry(2)]), bus.publish([entry(3)])])
  assert.equal(bus.pending(), 3)
  const got = await bus.fetch(10, 0)
  assert.equal(got.length, 2)
  assert.deepEqual(messages(got), ['m1', 'm2', 'm3'])
  assert.match(got[0]!.id, /^[0-9a-f]{16}-0$/)
  got.forEach((m) => m.ack())
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
  truncateSync(seg, statSync(seg).size - 7)
  bus = await w.open()
  assert.ok(
    w.lines.some((l) => l.includes('torn last record')),
    w.lines.join(''),
  )
  assert.equal(bus.pending(), 2)
  await bus.publish([entry(4)]) // appends after the valid end
  assert.deepEqual(messages(await bus.fetch(10, 0)), ['m1', 'm2', 'm4'])
  await bus.close()
})

test("records hold the store's rows, handed to the worker with the entries; a record of JSON (a log of the version before) still replays", async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  const tab = { ...entry(1), message: "a\tb\\c'd\né", id: 'id-1', tenant: 'acme' }
  await bus.publish([tab, entry(2)])
  const [m] = await bus.fetch(10, 0)
  assert.deepEqual(m!.entries, [tab, entry(2)])
  assert.ok(m!.rows, 'the rows of a record written in this run')
  await bus.close() // not acked: replayed from disk
  const seg = join(w.dir, segs(w.dir)[0] as string)
  appendFileSync(seg, Buffer.concat(encodeRecord(Buffer.from(JSON.stringify([entry(3)])), 1, 'json')))
  bus = await w.open()
  assert.equal(bus.pending(), 3)
  const back = await bus.fetch(10, 0)
  assert.deepEqual(back.map((x) => x.entries), [[tab, entry(2)], [entry(3)]])
  assert.ok(back[0]!.rows?.equals(m!.rows!), 'the rows read back from disk')
  assert.equal(back[1]!.rows, undefined, 'a JSON record has no rows: the worker encodes its entries')
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
  assert.ok(
    w.lines.some((l) => l.includes('corrupted records skipped')),
    w.lines.join(''),
  )
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

test('after a crash, process/recovery re-forms a recorded batch whole under its token; a stored one is not replayed', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  for (let i = 1; i <= 4; i++) await bus.publish([entry(i)])
  const first = await bus.fetch(2, 0)
  await bus.ledger.record({ token: 'tok-a', ids: first.map((m) => m.id) })
  first.forEach((m) => m.ack())
  const second = await bus.fetch(2, 0)
  await bus.ledger.record({ token: 'tok-b', ids: second.map((m) => m.id) })
  await bus.checkpointed()
  // Crash: no ack for the second batch.
  bus = await w.open()
  // Only one of its two records in this fetch: the other is read from the log.
  const again = await bus.fetch(1, 0)
  assert.deepEqual(
    again.map((m) => m.id),
    [second[0]!.id],
    'ids are stable across a restart',
  )
  assert.equal(again[0]?.redelivered, true)
  const sorted = await sortOut(bus, again, w.log)
  assert.deepEqual(sorted.fresh, [])
  assert.equal(sorted.recovered.length, 1)
  assert.equal(sorted.recovered[0]?.token, 'tok-b')
  assert.deepEqual(
    sorted.recovered[0]?.entries.map((e) => e.message),
    ['m3', 'm4'],
  )
  again.forEach((m) => m.ack())
  // The other record of tok-b comes next: its batch has a stored record, so it is acked, not inserted.
  const rest = await bus.fetch(10, 0)
  assert.deepEqual(messages(rest), ['m4'])
  assert.deepEqual(await sortOut(bus, rest, w.log), { fresh: [], recovered: [] })
  await bus.checkpointed()
  await bus.close()
  bus = await w.open()
  assert.equal(bus.pending(), 0)
  await bus.close()
})

test('the worker after a crash: the first batch is the recorded one, under its recorded token', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  const log = pino({ level: 'silent' })
  const opts = { batchSize: 3, flushTimeoutMs: 50, maxRetries: 0, retryBaseMs: 10 }
  let bus = await w.open()
  for (let i = 1; i <= 5; i++) await bus.publish([entry(i)])
  // The first worker records its batch and "dies" inside the insert.
  let inserting: { token: string; entries: Entry[] } | undefined
  new Worker(
    bus,
    { insert: (entries, token) => ((inserting = { token, entries }), new Promise(() => {})), deadLetter: async () => {} },
    opts,
    new ProcessMetrics(),
    log,
  ).start()
  for (let i = 0; i < 200 && !inserting; i++) await tick()
  assert.deepEqual(
    inserting?.entries.map((e) => e.message),
    ['m1', 'm2', 'm3'],
  )
  bus = await w.open()
  const inserts: { token: string; messages: string[] }[] = []
  const worker = new Worker(
    bus,
    { insert: async (entries, token) => void inserts.push({ token, messages: entries.map((e) => e.message) }), deadLetter: async () => {} },
    opts,
    new ProcessMetrics(),
    log,
  )
  worker.start()
  t.after(() => worker.stop())
  for (let i = 0; i < 200 && inserts.flatMap((b) => b.messages).length < 5; i++) await tick()
  assert.deepEqual(inserts[0], { token: inserting?.token, messages: ['m1', 'm2', 'm3'] })
  assert.deepEqual(
    inserts.slice(1).flatMap((b) => b.messages),
    ['m4', 'm5'],
  )
  assert.notEqual(inserts[1]?.token, inserting?.token)
  await worker.stop()
  assert.equal(bus.pending(), 0)
  await bus.close()
})

test('ids never repeat: not after the segments holding them are deleted, nor when the log directory is made afresh', async (t) => {
  const w = setup({ segmentBytes: 300 })
  t.after(w.cleanup)
  let bus = await w.open()
  const seen = new Set<string>()
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 5; i++) await bus.publish([entry(i)])
    const ms = await bus.fetch(100, 0)
    for (const m of ms) {
      assert.ok(!seen.has(m.id), `${m.id} handed out twice`)
      seen.add(m.id)
      m.ack()
    }
    await bus.checkpointed()
    await bus.close()
    assert.equal(segs(w.dir).length, 1, 'stored segments are deleted')
    bus = await w.open()
  }
  const last = Math.max(...[...seen].map(offset))
  await bus.publish([entry(9)])
  const [next] = await bus.fetch(1, 0)
  assert.ok(offset(next!.id) > last, `${next!.id} after ${last}`)
  await bus.close()
  // The directory deleted while the store keeps its data: a new log id, so new tokens.
  rmSync(w.dir, { recursive: true, force: true })
  bus = await w.open()
  await bus.publish([entry(10)])
  const [fresh] = await bus.fetch(1, 0)
  assert.equal(offset(fresh!.id), 0)
  assert.ok(!seen.has(fresh!.id))
  await bus.close()
})

test('read(id): entries of a record delivered or not, undefined once stored or for another log', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  const bus = await w.open()
  for (let i = 1; i <= 3; i++) await bus.publish([entry(i)])
  const [a] = await bus.fetch(1, 0)
  const b = `${a!.id.split('-')[0]}-${offset(a!.id) + (readFileSync(join(w.dir, segs(w.dir)[0]!)).readUInt32LE(0) + 12)}`
  assert.deepEqual(
    (await bus.read(a!.id))?.map((e) => e.message),
    ['m1'],
  )
  assert.deepEqual(
    (await bus.read(b))?.map((e) => e.message),
    ['m2'],
    'a record not yet delivered is read from the log',
  )
  a!.ack()
  assert.equal(await bus.read(a!.id), undefined)
  assert.equal(await bus.read(`0000000000000000-${offset(b)}`), undefined)
  await bus.close()
})

test('a nak gives the record back (after its delay), flagged redelivered', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  const bus = await w.open()
  await bus.publish([entry(1)])
  const [m] = await bus.fetch(1, 0)
  assert.equal(m?.redelivered, false)
  m!.nak(30)
  assert.deepEqual(await bus.fetch(1, 0), [])
  const [again] = await bus.fetch(1, 5_000)
  assert.equal(again?.id, m!.id)
  assert.equal(again?.redelivered, true)
  await bus.close()
})

test('read-ahead: at most MAX_QUEUE_BYTES of payload is handed out and unsettled; an ack makes room', async (t) => {
  const payload = encodeBody([entry(1)]).length // every record's (same-length messages)
  const w = setup({ readAheadBytes: Math.floor(1.5 * payload) })
  t.after(w.cleanup)
  const bus = await w.open()
  for (let i = 1; i <= 4; i++) await bus.publish([entry(i)])
  const first = await bus.fetch(10, 0)
  assert.equal(first.length, 2, 'the bound is one and a half records: the second passes it, the third waits')
  assert.deepEqual(await bus.fetch(10, 0), [])
  first[0]!.ack()
  const next = await bus.fetch(10, 5_000)
  assert.deepEqual(messages(next), ['m3'])
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
    ms.forEach((m) => m.ack())
  }
  await bus.checkpointed()
  assert.equal(segs(w.dir).length, 1)
  await bus.publish([entry(++i)]) // room again
  await bus.close()
})

test('a torn ledger line (crash mid-append, before its insert) is ignored with a log line', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  let bus = await w.open()
  await bus.publish([entry(1)])
  const ms = await bus.fetch(1, 0)
  await bus.ledger.record({ token: 'tok-1', ids: ms.map((m) => m.id) })
  appendFileSync(join(w.dir, 'ledger.ndjson'), '{"token":"tok-2","offs')
  bus = await w.open()
  assert.ok(w.lines.some((l) => l.includes('unreadable ledger lines ignored')))
  const again = await bus.fetch(1, 0)
  assert.equal((await bus.ledger.find(again[0]!.id))?.token, 'tok-1')
  await bus.close()
})

test('live listeners get entries once they are in the log', async (t) => {
  const w = setup()
  t.after(w.cleanup)
  const bus = await w.open()
  const seen: string[] = []
  bus.subscribe((es) => es.forEach((e) => seen.push(e.message)))
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

test('MAX_QUEUE_ENTRIES is refused at start-up, naming what bounds the log now', () => {
  assert.throws(() => loadConfig('all', { MAX_QUEUE_ENTRIES: '1000' }), /MAX_QUEUE_ENTRIES: no longer used.*WAL_MAX_BYTES/)
  assert.equal(loadConfig('all', { MAX_QUEUE_BYTES: '64MiB' }).bus.maxQueueBytes, 64 * 1024 ** 2)
})
