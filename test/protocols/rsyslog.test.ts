// rsyslog (Debian's rsyslogd) as a real relay in front of the built server: a test-started daemon
// with its own config, pid file and work directory, fed by `logger` on its imtcp inputs, forwarding
// with omfwd (RFC 5424 octet-counted, and its LF-framed forward format) to our syslog port and
// with omelasticsearch to our /es bulk API.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { tempDir, waitFor } from '../helpers/server.ts'
import { logsOf, startProtocolServer, type ProtocolServer } from './helpers.ts'

const run = promisify(execFile)
const RSYSLOGD = '/usr/sbin/rsyslogd'
const OMES = ['/usr/lib/x86_64-linux-gnu/rsyslog/omelasticsearch.so', '/usr/lib/aarch64-linux-gnu/rsyslog/omelasticsearch.so']

let srv: ProtocolServer
let daemon: ChildProcess | undefined
let dir: string
let daemonOut = ''
const ports = { rfc5424: 0, forward: 0, es: 0 }

before(async () => {
  assert.ok(existsSync(RSYSLOGD), 'rsyslogd is missing: run scripts/install-system-deps.sh (Debian package rsyslog)')
  assert.ok(
    OMES.some((p) => existsSync(p)),
    'omelasticsearch is missing: run scripts/install-system-deps.sh (Debian package rsyslog-elasticsearch)',
  )
  srv = await startProtocolServer()
  dir = tempDir('ogls-rsyslog-')
  const portFile = (name: string) => join(dir, `port-${name}`)
  const conf = `
global(workDirectory="${dir}")
module(load="imtcp")
module(load="omelasticsearch")
input(type="imtcp" port="0" listenPortFileName="${portFile('rfc5424')}" address="127.0.0.1" ruleset="to5424")
input(type="imtcp" port="0" listenPortFileName="${portFile('forward')}" address="127.0.0.1" ruleset="toForward")
input(type="imtcp" port="0" listenPortFileName="${portFile('es')}" address="127.0.0.1" ruleset="toEs")
template(name="esDoc" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
  property(outname="service.name" name="programname" format="jsonf")
  property(outname="log.level" name="syslogseverity-text" format="jsonf")
  property(outname="host.hostname" name="hostname" format="jsonf")
}
ruleset(name="to5424") {
  action(type="omfwd" target="127.0.0.1" port="${srv.syslogTcp}" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
ruleset(name="toForward") {
  action(type="omfwd" target="127.0.0.1" port="${srv.syslogTcp}" protocol="tcp" template="RSYSLOG_ForwardFormat")
}
ruleset(name="toEs") {
  action(type="omelasticsearch" server="http://127.0.0.1:${srv.port}/es" searchIndex="rsyslog-es" template="esDoc"
         bulkmode="on" errorFile="${join(dir, 'es-errors.json')}")
}
`
  writeFileSync(join(dir, 'rsyslog.conf'), conf)
  daemon = spawn(RSYSLOGD, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] })
  daemon.stdout?.on('data', (c: Buffer) => (daemonOut += c.toString()))
  daemon.stderr?.on('data', (c: Buffer) => (daemonOut += c.toString()))
  // Each input binds port 0 and writes the port it got to its listenPortFileName.
  for (const name of ['rfc5424', 'forward', 'es'] as const) {
    ports[name] = await waitFor(async () => {
      if (daemon?.exitCode !== null) throw new Error(`rsyslogd exited: ${daemonOut}`)
      return existsSync(portFile(name)) && Number(readFileSync(portFile(name), 'utf8').trim())
    }, 20_000)
  }
  // ready when its inputs accept connections
  await waitFor(async () => {
    if (daemon?.exitCode !== null) throw new Error(`rsyslogd exited: ${daemonOut}`)
    await run('logger', [
      '--server',
      '127.0.0.1',
      '--port',
      String(ports.es),
      '--tcp',
      '--octet-count',
      '--rfc5424',
      '-t',
      'rsyslog-probe',
      'probe',
    ])
    return true
  }, 20_000)
})

after(async () => {
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((r) => daemon?.once('exit', r))
    daemon.kill('SIGTERM')
    await exited
  }
  await srv?.stop()
  srv?.cleanup()
})

const feed = (port: number, tag: string, prio: string, msg: string) =>
  run('logger', [
    '--server',
    '127.0.0.1',
    '--port',
    String(port),
    '--tcp',
    '--octet-count',
    '--rfc5424',
    '-t',
    tag,
    '-p',
    prio,
    '--id=777',
    msg,
  ])

test('rsyslog omfwd, RFC 5424 octet-counted', async () => {
  await feed(ports.rfc5424, 'rs-5424', 'daemon.warning', 'relayed in 5424')
  await feed(ports.rfc5424, 'rs-5424', 'daemon.err', 'second relayed')
  const rows = await logsOf(srv, 'rs-5424', 2)
  const e = rows.find((r) => r.message === 'relayed in 5424')
  assert.ok(e, JSON.stringify(rows) + daemonOut)
  assert.equal(e.level, 'warn')
  assert.equal(e.attributes?.facility, 'daemon')
  assert.equal(e.attributes?.procid, '777')
  assert.ok(Math.abs(Date.parse(e.timestamp) - Date.now()) < 5 * 60_000, e.timestamp)
  assert.equal(rows.find((r) => r.message === 'second relayed')?.level, 'error')
})

test('rsyslog omfwd, forward format (LF framing, RFC 3339 time in a BSD header)', async () => {
  await feed(ports.forward, 'rs-forward', 'local5.notice', 'relayed in forward format')
  const [e] = await logsOf(srv, 'rs-forward', 1)
  assert.ok(e, daemonOut)
  assert.equal(e.message, 'relayed in forward format')
  assert.equal(e.level, 'info')
  assert.equal(e.attributes?.facility, 'local5')
  assert.equal(e.attributes?.procid, '777')
})

test('rsyslog omelasticsearch bulk mode into /es', async () => {
  await feed(ports.es, 'rs-es', 'user.crit', 'indexed by omelasticsearch')
  const [e] = await logsOf(srv, 'rs-es', 1)
  const errors = join(dir, 'es-errors.json')
  assert.ok(e, daemonOut + (existsSync(errors) ? readFileSync(errors, 'utf8') : ''))
  assert.equal(e.message.trim(), 'indexed by omelasticsearch')
  assert.equal(e.level, 'fatal')
  assert.ok(e.attributes?.['host.hostname'])
  assert.ok(Math.abs(Date.parse(e.timestamp) - Date.now()) < 5 * 60_000, e.timestamp)
})
