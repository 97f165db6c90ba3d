// Syslog listeners (SYSLOG_TCP_PORT / SYSLOG_UDP_PORT) with util-linux `logger` and raw sockets,
// against the built server: RFC 5424 octet-counted over TCP, RFC 3164 over UDP, LF framing, bad
// frames that are counted while the connection and the process go on.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { hostname } from 'node:os'
import { promisify } from 'node:util'
import { tempDir, waitFor } from '../helpers/server.ts'
import { accepted, logsOf, rejected, startProtocolServer, type ProtocolServer } from './helpers.ts'

const run = promisify(execFile)
let srv: ProtocolServer
before(async () => {
  srv = await startProtocolServer()
})
after(async () => {
  await srv?.stop()
  srv?.cleanup()
})

const near = (iso: string, ms: number) => Math.abs(Date.parse(iso) - ms) < 5 * 60_000

test('logger --tcp --octet-count --rfc5424: app, severity, procid, msgid, structured data', async () => {
  const sent = Date.now()
  for (const [prio, text] of [
    ['local0.warning', 'disk almost full'],
    ['local0.crit', 'disk full'],
    ['local0.debug', 'disk checked'],
  ] as const) {
    await run('logger', [
      '--server',
      '127.0.0.1',
      '--port',
      String(srv.syslogTcp),
      '--tcp',
      '--octet-count',
      '--rfc5424',
      '-t',
      'logger-5424',
      '--id=4242',
      '-p',
      prio,
      '--msgid',
      'DISK',
      '--sd-id',
      'disk@32473',
      '--sd-param',
      'mount="/var"',
      text,
    ])
  }
  const rows = await logsOf(srv, 'logger-5424', 3)
  const byMsg = Object.fromEntries(rows.map((r) => [r.message, r]))
  assert.deepEqual(
    ['disk almost full', 'disk full', 'disk checked'].map((m) => byMsg[m]?.level),
    ['warn', 'fatal', 'debug'],
  )
  const e = byMsg['disk almost full']
  assert.ok(e)
  assert.ok(near(e.timestamp, sent), e.timestamp)
  // logger sends microseconds; one time in a thousand they are a whole millisecond, which the API writes with 3 digits
  assert.ok(rows.some((r) => /\.\d{6}Z$/.test(r.timestamp)), rows.map((r) => r.timestamp).join(' '))
  assert.equal(e.attributes?.facility, 'local0')
  assert.equal(e.attributes?.procid, '4242')
  assert.equal(e.attributes?.msgid, 'DISK')
  assert.equal(e.attributes?.['disk@32473.mount'], '/var')
  assert.equal(e.attributes?.hostname, hostname())
})

test('logger --udp --rfc3164: tag as service, severity, hostname', async () => {
  const sent = Date.now()
  await run('logger', [
    '--server',
    '127.0.0.1',
    '--port',
    String(srv.syslogUdp),
    '--udp',
    '--rfc3164',
    '-t',
    'logger-3164',
    '-p',
    'mail.err',
    'bounce for user@example.com',
  ])
  await run('logger', [
    '--server',
    '127.0.0.1',
    '--port',
    String(srv.syslogUdp),
    '--udp',
    '--rfc3164',
    '-t',
    'logger-3164',
    '-p',
    'mail.info',
    'delivered',
  ])
  const rows = await logsOf(srv, 'logger-3164', 2)
  const byMsg = Object.fromEntries(rows.map((r) => [r.message, r]))
  assert.equal(byMsg['bounce for user@example.com']?.level, 'error')
  assert.equal(byMsg['delivered']?.level, 'info')
  const e = byMsg['delivered']
  assert.ok(e && near(e.timestamp, sent), e?.timestamp)
  assert.equal(e?.attributes?.facility, 'mail')
  assert.equal(e?.attributes?.hostname, hostname())
})

function send(port: number, chunks: (string | Buffer)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ port, host: '127.0.0.1' }, async () => {
      for (const c of chunks) {
        s.write(c)
        await new Promise((r) => setImmediate(r))
      }
      s.end()
    })
    s.on('error', reject)
    s.on('close', () => resolve())
  })
}

test('raw TCP: LF and octet-counted frames on one connection; bad frames counted, the connection goes on', async () => {
  const before = { malformed: await rejected(srv, 'syslog', 'malformed_frame'), large: await rejected(srv, 'syslog', 'frame_too_large') }
  const octet = (m: string) => `${Buffer.byteLength(m)} ${m}`
  // a second connection sends garbage at the same time: it must not stall or break the first
  const garbage = send(srv.syslogTcp, [Buffer.from([0xff, 0xfe, 0x00, 0x0a]), '<300>bad pri\n', '9'.repeat(20), '\n'])
  await send(srv.syslogTcp, [
    '<14>1 2025-02-03T04:05:06.789Z host-a raw-tcp 1 - - first line\n',
    '<999>not a priority\n',
    'x'.repeat(70_000) + '\n', // over the 64 KiB frame limit
    octet('<11>1 2025-02-03T04:05:07Z host-a raw-tcp 2 - - second, octet counted'),
    `70000 ${'y'.repeat(70_000)}`, // skipped by its length
    '<13>Feb  3 04:05:08 host-b raw-tcp[3]: third, BSD style\r\n',
    '<13>1 2025-02-03T04:05:09Z host-a raw-tcp 4 - [broken',
    '\n',
    octet('<15>1 2025-02-03T04:05:10Z host-a raw-tcp 5 - - last'),
  ])
  await garbage
  const rows = await logsOf(srv, 'raw-tcp', 4)
  assert.deepEqual(rows.map((r) => [r.message, r.level]).sort(), [
    ['first line', 'info'],
    ['last', 'debug'],
    ['second, octet counted', 'error'],
    ['third, BSD style', 'info'],
  ])
  const byMsg = Object.fromEntries(rows.map((r) => [r.message, r]))
  assert.equal(byMsg['first line']?.timestamp, '2025-02-03T04:05:06.789Z')
  assert.equal(byMsg['third, BSD style']?.attributes?.hostname, 'host-b')
  assert.equal(byMsg['third, BSD style']?.attributes?.procid, '3')
  await waitFor(async () => (await rejected(srv, 'syslog', 'malformed_frame')) >= before.malformed + 3) // <999>, [broken, <300>
  assert.equal(await rejected(srv, 'syslog', 'frame_too_large'), before.large + 2)
  assert.equal((await fetch(`${srv.url}/health`)).status, 200)
})

test('UDP: a message over 10 KiB is rejected with its reason, the next one is taken', async () => {
  const before = await rejected(srv, 'syslog', 'message_too_long')
  const { createSocket } = await import('node:dgram')
  const sock = createSocket('udp4')
  const sendUdp = (b: Buffer) => new Promise<void>((r, j) => sock.send(b, srv.syslogUdp, '127.0.0.1', (err) => (err ? j(err) : r())))
  await sendUdp(Buffer.from(`<14>1 - h udp-big - - - ${'a'.repeat(20_000)}`))
  await sendUdp(Buffer.from('<14>1 - h udp-big - - - small'))
  sock.close()
  assert.equal((await logsOf(srv, 'udp-big', 1))[0]?.message, 'small')
  await waitFor(async () => (await rejected(srv, 'syslog', 'message_too_long')) === before + 1)
})

test('graceful shutdown: the listeners close first and what they took is stored', async () => {
  const dir = tempDir()
  const first = await startProtocolServer({}, dir)
  try {
    const frames = Array.from({ length: 500 }, (_, i) => {
      const m = `<14>1 2025-02-04T00:00:00.${String(i).padStart(3, '0')}Z h shutdown-app - - - entry ${i}`
      return `${Buffer.byteLength(m)} ${m}`
    })
    await send(first.syslogTcp, [frames.join('')])
    await waitFor(async () => (await accepted(first, 'syslog')) === 500)
    assert.equal(await first.stop('SIGTERM'), 0)
    assert.match(first.output(), /"flushed":true/)
  } finally {
    await first.stop()
  }
  const second = await startProtocolServer({}, dir)
  try {
    const rows = await logsOf(second, 'shutdown-app', 500)
    assert.equal(rows.length, 500)
    assert.equal(new Set(rows.map((r) => r.message)).size, 500)
  } finally {
    await second.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
