// journald: Debian's real systemd-journal-upload sends to POST /journal/upload. The test writes
// entries in the journal export format, makes a real journal file of them with
// systemd-journal-remote, and has systemd-journal-upload read that file (through sd-journal, as it
// reads the system journal) and upload it with its own HTTP client (chunked, Expect: 100-continue).
// The ingest key travels in the URL (Basic auth): journal-upload cannot set headers.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { tempDir, waitFor } from '../helpers/server.ts'
import { accepted, logsOf, rejected, startProtocolServer, type ProtocolServer } from './helpers.ts'

const run = promisify(execFile)
const UPLOAD = '/lib/systemd/systemd-journal-upload'
const REMOTE = '/lib/systemd/systemd-journal-remote'
const KEY = 'journal-ingest-key'

let srv: ProtocolServer
let dir: string

before(async () => {
  for (const p of [UPLOAD, REMOTE])
    assert.ok(existsSync(p), `${p} is missing: run scripts/install-system-deps.sh (Debian package systemd-journal-remote)`)
  srv = await startProtocolServer({ API_KEYS_INGEST: KEY })
  dir = tempDir('ogls-journald-')
})
after(async () => {
  await srv?.stop()
  srv?.cleanup()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

type Field = [string, string | Buffer]

/** One entry in the export format; a Buffer value is written as a binary field. */
function exportEntry(fields: Field[]): Buffer {
  const parts: Buffer[] = []
  for (const [name, value] of fields) {
    if (typeof value === 'string') parts.push(Buffer.from(`${name}=${value}\n`))
    else {
      const len = Buffer.alloc(8)
      len.writeBigUInt64LE(BigInt(value.length))
      parts.push(Buffer.from(`${name}\n`), len, value, Buffer.from('\n'))
    }
  }
  parts.push(Buffer.from('\n'))
  return Buffer.concat(parts)
}

let seq = 0
/** The fields journald itself adds (the journal file refuses entries without them). */
function base(micros: bigint): Field[] {
  seq++
  return [
    ['__REALTIME_TIMESTAMP', String(micros)],
    ['__MONOTONIC_TIMESTAMP', String(1_000_000 + seq)],
    ['_BOOT_ID', '0123456789abcdef0123456789abcdef'],
  ]
}

/** A .journal file of `entries`, written by systemd-journal-remote from the export format. */
async function journalFile(name: string, entries: Field[][]): Promise<string> {
  const exportPath = join(dir, `${name}.export`)
  writeFileSync(exportPath, Buffer.concat(entries.map(exportEntry)))
  const out = join(dir, `${name}.journal`)
  await run(REMOTE, [`--output=${out}`, '--compress=no', exportPath], { timeout: 60_000 })
  assert.ok(existsSync(out))
  return out
}

async function upload(args: string[], key = KEY): Promise<{ code: number; stderr: string }> {
  const url = `http://journal:${key}@127.0.0.1:${srv.port}/journal`
  try {
    const r = await run(UPLOAD, [`--url=${url}`, `--save-state=${join(dir, `state-${++seq}`)}`, ...args], { timeout: 120_000 })
    return { code: 0, stderr: r.stderr }
  } catch (err) {
    const e = err as { code?: number; stderr?: string }
    return { code: e.code ?? -1, stderr: e.stderr ?? String(err) }
  }
}

test('systemd-journal-upload sends a journal file: message, priority, identifier or unit, fields as attributes', async () => {
  const now = BigInt(Date.now()) * 1000n + 123n
  const file = await journalFile('basic', [
    [
      ...base(now),
      ['MESSAGE', 'Started web server'],
      ['PRIORITY', '6'],
      ['SYSLOG_IDENTIFIER', 'jd-app'],
      ['_SYSTEMD_UNIT', 'jd-app.service'],
      ['_HOSTNAME', 'box1'],
      ['_PID', '4242'],
    ],
    [
      ...base(now + 1n),
      ['MESSAGE', Buffer.from('panic: two\nlines \x01 and binary', 'latin1')],
      ['PRIORITY', '2'],
      ['SYSLOG_IDENTIFIER', 'jd-app'],
    ],
    [
      ...base(now + 2n),
      ['MESSAGE', 'disk nearly full'],
      ['PRIORITY', '4'],
      ['_SYSTEMD_UNIT', 'jd-unit.service'],
      ['CUSTOM_FIELD', 'custom value'],
    ],
    [
      ...base(now + 3n),
      ['MESSAGE', 'debugging'],
      ['PRIORITY', '7'],
      ['SYSLOG_IDENTIFIER', 'jd-app'],
      ['_SOURCE_REALTIME_TIMESTAMP', String(now - 5_000_000n)],
    ],
  ])
  const before = await accepted(srv, 'journald')
  const r = await upload([`--file=${file}`, '--follow=no'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal((await accepted(srv, 'journald')) - before, 4)

  const app = await logsOf(srv, 'jd-app', 3)
  assert.deepEqual(
    app.map((e) => [e.level, e.message]),
    [
      ['debug', 'debugging'], // its source time is 5 s earlier
      ['info', 'Started web server'],
      ['fatal', 'panic: two\nlines \x01 and binary'],
    ],
  )
  const started = app[1]
  assert.equal(started?.attributes?._HOSTNAME, 'box1')
  assert.equal(started?.attributes?._PID, '4242')
  assert.equal(started?.attributes?._SYSTEMD_UNIT, 'jd-app.service')
  assert.equal(started?.attributes?._BOOT_ID, '0123456789abcdef0123456789abcdef')
  assert.equal(started?.attributes?.SYSLOG_IDENTIFIER, undefined, 'the service is not repeated')
  assert.equal(started?.attributes?.__CURSOR, undefined)
  // __REALTIME_TIMESTAMP (microseconds) is the time.
  assert.equal(started?.timestamp, new Date(Number(now / 1000n)).toISOString().replace(/Z$/, '123Z'))

  const [unit] = await logsOf(srv, 'jd-unit.service', 1)
  assert.equal(unit?.level, 'warn')
  assert.equal(unit?.attributes?.CUSTOM_FIELD, 'custom value')
})

test('a large journal goes in batches, every entry once; a wrong key is refused', async () => {
  const n = 20_000
  const now = BigInt(Date.now()) * 1000n
  const entries: Field[][] = []
  for (let i = 0; i < n; i++)
    entries.push([
      ...base(now + BigInt(i)),
      ['MESSAGE', `bulk entry ${i} ${'x'.repeat(i % 300)}`],
      ['PRIORITY', String(i % 8)],
      ['SYSLOG_IDENTIFIER', 'jd-bulk'],
      ['SEQ', String(i)],
    ])
  const file = await journalFile('bulk', entries)

  const refused = await upload([`--file=${file}`, '--follow=no'], 'wrong-key')
  assert.notEqual(refused.code, 0)
  assert.match(refused.stderr, /401/)

  const before = await accepted(srv, 'journald')
  const t0 = Date.now()
  const r = await upload([`--file=${file}`, '--follow=no'])
  const ms = Date.now() - t0
  assert.equal(r.code, 0, r.stderr)
  assert.equal((await accepted(srv, 'journald')) - before, n)
  // Every entry once: once all are stored, the export of the service has each SEQ exactly once.
  const seqs = await waitFor(
    async () => {
      const res = await fetch(`${srv.url}/api/export?service=jd-bulk&format=ndjson`, { signal: AbortSignal.timeout(60_000) })
      assert.equal(res.status, 200)
      const got = (await res.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { attributes: { SEQ: string } }).attributes.SEQ)
      return got.length >= n ? got : undefined
    },
    60_000,
    250,
  )
  assert.equal(seqs.length, n)
  assert.equal(new Set(seqs).size, n)
  console.log(`# journald: ${n} entries uploaded by systemd-journal-upload in ${ms} ms (${Math.round((n / ms) * 1000)} entries/s)`)
})

test('entries the server cannot take are counted by reason and reported; the others are taken', async () => {
  const now = BigInt(Date.now()) * 1000n
  const file = await journalFile('bad', [
    [...base(now), ['MESSAGE', 'fine'], ['SYSLOG_IDENTIFIER', 'jd-bad']],
    [...base(now + 1n), ['MESSAGE', 'y'.repeat(20_000)], ['SYSLOG_IDENTIFIER', 'jd-bad']],
    [...base(now + 2n), ['MESSAGE', ''], ['SYSLOG_IDENTIFIER', 'jd-bad']],
    [...base(now + 3n), ['MESSAGE', 'also fine'], ['SYSLOG_IDENTIFIER', 'jd-bad']],
  ])
  const tooLong = await rejected(srv, 'journald', 'message_too_long')
  const empty = await rejected(srv, 'journald', 'empty_message')
  const r = await upload([`--file=${file}`, '--follow=no'])
  // journal-upload reports the 400 and exits with an error; the valid entries are stored.
  assert.notEqual(r.code, 0)
  assert.match(r.stderr, /400/)
  assert.equal((await rejected(srv, 'journald', 'message_too_long')) - tooLong, 1)
  assert.equal((await rejected(srv, 'journald', 'empty_message')) - empty, 1)
  const rows = await logsOf(srv, 'jd-bad', 2)
  assert.deepEqual(
    rows.map((e) => e.message),
    ['fine', 'also fine'],
  )
})

test('the export format straight from a file or stdin (systemd-journal-upload FILE|-) is taken as well', async () => {
  const now = BigInt(Date.now()) * 1000n
  const path = join(dir, 'plain.export')
  writeFileSync(
    path,
    Buffer.concat([exportEntry([...base(now), ['MESSAGE', 'from an export file'], ['SYSLOG_IDENTIFIER', 'jd-export'], ['PRIORITY', '3']])]),
  )
  const r = await upload([path])
  assert.equal(r.code, 0, r.stderr)
  const [e] = await logsOf(srv, 'jd-export', 1)
  assert.equal(e?.message, 'from an export file')
  assert.equal(e?.level, 'error')
})
