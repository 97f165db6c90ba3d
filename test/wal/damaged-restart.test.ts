// Issue 12: a write-ahead log damaged while the server was down — its last record cut in the middle
// (a torn write), or one byte flipped in a record in the middle — through a real SIGKILL and restart
// of the real server. Start-up must succeed with a log line naming the damage; every entry of the
// records before the damage (and, for the flipped byte, of the records after it) is stored exactly
// once, counted through /api/export, and so is what is sent after the restart; the damaged
// record's entries are not stored; nothing twice.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { postJson, startServer, storedIds, tempDir } from '../helpers/server.ts'
import { checkStored } from './helpers.ts'

const ENTRIES = 5 // per request: one request, one record (the requests are sent one after another)
const STORED = 10 // requests stored (and checkpointed) before the backlog
const BACKLOG = 30 // requests left waiting in the log at the kill
const AFTER = 5 // requests sent after the restart
// record header: payload length (u32 LE), CRC32, entry count (u32 LE, its top bit the payload's format)
// (server/src/bus/wal/record.ts)
const HEADER = 12

interface Rec {
  at: number
  length: number
  count: number
}

/** The records of one segment file, by their framing (length header), in order. */
function records(buf: Buffer): Rec[] {
  const out: Rec[] = []
  for (let at = 0; at + HEADER <= buf.length; ) {
    const length = buf.readUInt32LE(at)
    out.push({ at, length, count: buf.readUInt32LE(at + 8) & 0x7fffffff })
    at += HEADER + length
  }
  return out
}

/** Sends `n` requests of ENTRIES entries one after another; returns each request's ids. */
async function send(url: string, service: string, tag: string, n: number): Promise<string[][]> {
  const reqs: string[][] = []
  for (let r = 0; r < n; r++) {
    const ids = Array.from({ length: ENTRIES }, (_, i) => `${service}-${tag}${r}-${i}`)
    const res = await postJson(
      `${url}/logs`,
      ids.map((id) => ({ level: 'info', service, message: `entry ${id}`, attributes: { lid: id } })),
    )
    assert.equal(res.status, 202, JSON.stringify(res.body))
    reqs.push(ids)
  }
  return reqs
}

async function damagedRestart(
  t: { after(fn: () => unknown): void; diagnostic(msg: string): void },
  service: string,
  damage: (seg: string, backlog: Rec[]) => number,
  logLine: RegExp,
) {
  const dataDir = tempDir('ogls-waldamage-')
  t.after(() => rmSync(dataDir, { recursive: true, force: true }))
  const base = { RATE_LIMIT_MAX: '0', FLUSH_TIMEOUT: '100ms' }

  // 1. Some requests stored and checkpointed (a graceful stop), so the log holds records behind its checkpoint.
  let s = await startServer({ dataDir, env: base })
  let stored: string[][]
  try {
    stored = await send(s.url, service, 'a', STORED)
    const want = new Set(stored.flat())
    const r = await checkStored(s.url, service, want, 60_000)
    assert.deepEqual(r.missing, [], 'the first requests were not stored')
  } finally {
    assert.equal(await s.stop('SIGTERM'), 0, s.output())
  }

  // 2. A backlog: the worker holds what it reads until FLUSH_TIMEOUT (an hour), so nothing of it is
  //    inserted or checkpointed when the process is killed.
  s = await startServer({ dataDir, env: { ...base, FLUSH_TIMEOUT: '1h', BATCH_SIZE: '1000000' } })
  const backlog = await send(s.url, service, 'b', BACKLOG)
  await s.stop('SIGKILL')

  // 3. Damage the last segment while the server is down.
  const walDir = join(dataDir, 'store', 'wal')
  const segs = readdirSync(walDir).filter((n) => n.endsWith('.seg')).sort()
  const seg = join(walDir, segs.at(-1) as string)
  const recs = records(readFileSync(seg))
  assert.ok(recs.length >= BACKLOG, `the last segment holds ${recs.length} records, expected at least the ${BACKLOG} of the backlog`)
  const tail = recs.slice(-BACKLOG)
  assert.deepEqual(
    tail.map((r) => r.count),
    tail.map(() => ENTRIES),
    'each backlog request is one record of its entries',
  )
  const hit = damage(seg, tail) // index of the damaged backlog record

  // 4. Restart: start-up succeeds and reports the damage; everything else is stored exactly once.
  s = await startServer({ dataDir, env: base })
  try {
    const out = s.output()
    assert.match(out, logLine, `start-up did not report the damage:\n${out}`)
    // New requests after the restart are appended after the log's valid end and stored too.
    const after = await send(s.url, service, 'c', AFTER)
    const lost = new Set(backlog[hit])
    const want = new Set([...stored.flat(), ...backlog.filter((_, i) => i !== hit).flat(), ...after.flat()])
    const r = await checkStored(s.url, service, want, 60_000)
    const ids = await storedIds(s.url, service)
    t.diagnostic(`${want.size} entries expected, ${r.stored} distinct stored; damaged record ${hit} of the ${BACKLOG} of the backlog (${lost.size} entries); ${recs.length} records in the last segment`)
    assert.deepEqual(r.missing.slice(0, 10), [], `${r.missing.length} of ${want.size} entries outside the damaged record are not stored`)
    assert.deepEqual(r.dups.slice(0, 10), [], `${r.dups.length} entries stored more than once`)
    assert.deepEqual([...lost].filter((id) => ids.has(id)), [], 'entries of the damaged record were stored')
    assert.equal(ids.size, want.size, 'stored entries that were never sent')
  } finally {
    await s.stop()
  }
}

test('a last record cut in the middle (torn write) while the server was down: truncated with a log line, everything before it stored once', async (t) => {
  await damagedRestart(
    t,
    'waltorn',
    (seg, tail) => {
      const last = tail.at(-1) as Rec
      // Keep the header and half of the payload.
      truncateSync(seg, last.at + HEADER + Math.floor(last.length / 2))
      return tail.length - 1
    },
    /torn last record/,
  )
})

test('a byte flipped in a record in the middle: start-up reports the CRC mismatch, the records before and after it are stored once', async (t) => {
  await damagedRestart(
    t,
    'walflip',
    (seg, tail) => {
      const mid = Math.floor(tail.length / 2)
      const r = tail[mid] as Rec
      const buf = readFileSync(seg)
      const at = r.at + HEADER + Math.floor(r.length / 2)
      buf[at] = (buf[at] as number) ^ 0x20
      writeFileSync(seg, buf)
      return mid
    },
    /corrupted records skipped \(CRC mismatch\)/,
  )
})
