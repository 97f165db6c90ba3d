import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { REJECT_REASONS } from '../../errors.ts'
import { FrameDecoder } from './framing.ts'
import { mapFrame } from './mapping.ts'
import { parseSyslog } from './parse.ts'

const NOW = '2025-06-01T00:00:00.000000000Z'

function entry(text: string) {
  const v = mapFrame(text, NOW)
  assert.ok(v.ok, v.ok ? '' : v.error)
  return { ...v.entry, attributes: { ...v.entry.attributes } }
}

test('RFC 5424 with structured data, BOM and escapes', () => {
  const e = entry(
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="App\\"li\\]cation"][origin ip="10.0.0.1"] \uFEFFAn application event\n',
  )
  assert.deepEqual(e, {
    timestamp: '2003-10-11T22:14:15.003000000Z',
    level: 'info', // severity 5 notice
    service: 'evntslog',
    message: 'An application event',
    attributes: {
      hostname: 'mymachine.example.com',
      facility: 'local4',
      procid: '1234',
      msgid: 'ID47',
      'exampleSDID@32473.iut': '3',
      'exampleSDID@32473.eventSource': 'App"li]cation',
      'origin.ip': '10.0.0.1',
    },
    trace_id: '',
    span_id: '',
  })
  const nil = entry('<11>1 - - - - - - message only')
  assert.equal(nil.service, 'syslog')
  assert.equal(nil.level, 'error')
  assert.equal(nil.timestamp, NOW)
  assert.deepEqual(nil.attributes, { facility: 'user' })
  assert.equal(entry('<15>1 2025-01-01T12:00:00.123456+02:00 host app - - - m').timestamp, '2025-01-01T10:00:00.123456000Z')
})

test('RFC 5424 without a message is an empty message; broken headers are malformed frames', () => {
  const v = mapFrame('<15>1 2025-01-01T12:00:00Z host app - - -', NOW)
  assert.equal(v.ok, false)
  if (!v.ok) assert.equal(v.reason, 'empty_message')
  for (const bad of ['<15>1 2025-01-01T12:00:00Z host', '<15>1 - - - - - [broken', '<15>1 - - - - - x', '<999>hi', '<x>hi']) {
    const r = mapFrame(bad, NOW)
    assert.equal(r.ok, false, bad)
    if (!r.ok) assert.equal(r.reason, 'malformed_frame', bad)
  }
  const t = mapFrame('<15>1 yesterday host app - - - m', NOW)
  assert.equal(t.ok, false)
  if (!t.ok) assert.equal(t.reason, 'invalid_timestamp')
})

test('RFC 3164: BSD time, tag and pid, hostname optional, RFC 3339 time, no PRI', () => {
  const year = new Date().getFullYear()
  const e = entry("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8")
  assert.equal(e.level, 'fatal') // severity 2 crit
  assert.equal(e.service, 'su')
  assert.equal(e.message, "'su root' failed for lonvick on /dev/pts/8")
  assert.deepEqual(e.attributes, { hostname: 'mymachine', facility: 'auth', procid: '230' })
  assert.match(e.timestamp, new RegExp(`^(${year}|${year - 1})-`))
  const local = entry('<13>Jan  2 03:04:05 cron: job done')
  assert.equal(local.service, 'cron')
  assert.equal(local.message, 'job done')
  assert.equal(local.attributes.hostname, undefined)
  const iso = entry('<28>2025-01-01T12:00:00.5+01:00 web nginx: upstream slow')
  assert.equal(iso.timestamp, '2025-01-01T11:00:00.500000000Z')
  assert.equal(iso.level, 'warn')
  assert.equal(iso.service, 'nginx')
  assert.equal(iso.attributes.hostname, 'web')
  const fwd = entry('<173>2025-01-01T12:00:00.338083+00:00 vm rs-forward[777] relayed')
  assert.deepEqual([fwd.service, fwd.message, fwd.attributes.procid, fwd.attributes.hostname], ['rs-forward', 'relayed', '777', 'vm'])
  const bare = entry('just text')
  assert.equal(bare.service, 'syslog')
  assert.equal(bare.level, 'info')
  assert.equal(bare.message, 'just text')
  assert.ok(mapFrame('<14>Feb 30 10:00:00 h app: x', NOW).ok) // no such date: the text stays in the message
  assert.equal(parseSyslog('<14>Oct 11 22:14:15 host-only').ok, true)
})

test('severity to level: emerg/alert/crit fatal, err error, warning warn, notice/info info, debug debug', () => {
  const levels = [0, 1, 2, 3, 4, 5, 6, 7].map((sev) => entry(`<${8 + sev}>1 - h a - - - m`).level)
  assert.deepEqual(levels, ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'])
})

const frames = (d: FrameDecoder, ...chunks: string[]) =>
  chunks.flatMap((c) => d.push(Buffer.from(c))).map((f) => (f.ok ? f.data.toString() : `!${f.reason}`))

test('TCP framing: octet counting and LF framing detected per message, split anywhere', () => {
  const d = new FrameDecoder(100)
  assert.deepEqual(frames(d, '15 <13>1 - - -', ' - a', '\n<13>line one\n5 hel', 'lo12x not-a-count\n'), [
    '<13>1 - - - - a',
    '<13>line one',
    'hello',
    '12x not-a-count',
  ])
  assert.deepEqual(frames(d, '\r\n\n3 abc'), ['abc'])
  assert.deepEqual(d.end(), [])
  // oversized: skipped by its length (octet counting) or to its LF, and the next frame is intact
  assert.deepEqual(frames(d, `150 ${'x'.repeat(100)}`, `${'x'.repeat(50)}4 next`), ['!frame_too_large', 'next'])
  assert.deepEqual(frames(d, 'y'.repeat(150), 'y'.repeat(50), '\n<13>after\n'), ['!frame_too_large', '<13>after'])
  assert.deepEqual(frames(d, 'tail without newline'), [])
  assert.deepEqual(
    d.end().map((f) => f.ok && f.data.toString()),
    ['tail without newline'],
  )
  const cut = new FrameDecoder(100)
  frames(cut, '20 short')
  assert.deepEqual(
    cut.end().map((f) => !f.ok && f.reason),
    ['malformed_frame'],
  )
})

const reasons = REJECT_REASONS as readonly string[]

test('fuzz: any message text maps or is rejected with a reason; any byte stream frames within the limit', () => {
  const piece = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom(
      '<13>',
      '<165>1 ',
      '1 ',
      '- ',
      '[a b="c"]',
      '[x@1 y="\\"]"]',
      'Oct 11 22:14:15 ',
      '2025-01-01T00:00:00Z ',
      'tag[1]: ',
      '\uFEFF',
      '\n',
    ),
  )
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
      const text = parts.join('')
      for (const t of [text, text.slice(0, Math.floor(text.length / 2))]) {
        const v = mapFrame(t, NOW)
        if (!v.ok) assert.ok(reasons.includes(v.reason), v.reason)
      }
    }),
    { numRuns: 400 },
  )
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }),
          fc.constantFrom('5 hello', '300 ', '\n', '99999999999 x').map((s) => new Uint8Array(Buffer.from(s))),
        ),
        { maxLength: 30 },
      ),
      (chunks) => {
        const d = new FrameDecoder(64)
        for (const c of chunks) {
          for (const f of d.push(Buffer.from(c))) {
            if (f.ok) assert.ok(f.data.length <= 64)
            else assert.ok(reasons.includes(f.reason))
          }
        }
        d.end()
      },
    ),
    { numRuns: 400 },
  )
})

test('property: framed messages give the same frames however the stream is split into chunks', () => {
  const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31))
  const MAX = 200
  const bytes = (s: string) => Buffer.from(s, 'utf8')
  // Any bytes but the empty message, octet counted (RFC 6587 3.4.1): LF, CR, NUL and digits inside are data.
  const counted = fc
    .oneof(fc.uint8Array({ minLength: 1, maxLength: MAX }).map((a) => Buffer.from(a)), fc.constantFrom('12 x', '<13>a\nb', '\r\n', '5 hello').map(bytes))
    .filter((b) => b.length >= 1 && b.length <= MAX)
    .map((data) => ({ data, wire: Buffer.concat([bytes(`${data.length} `), data]) }))
  // One line (3.4.2): no LF; not starting with a separator or with what reads as an octet count.
  const line = fc
    .oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
      fc.constantFrom('<13>Oct 11 22:14:15 host app: hi', '12x not a count', '123', '<165>1 - - - - - body', 'a\r'),
    )
    .map(bytes)
    .filter((b) => b.length <= MAX && !b.includes(10) && ![10, 13, 0, 32].includes(b[0] as number) && !/^[1-9][0-9]{0,9}( |$)/.test(b.toString('latin1')))
    .map((data) => ({ data, wire: Buffer.concat([data, bytes('\n')]) }))
  fc.assert(
    fc.property(
      fc.array(fc.oneof(counted, line), { minLength: 1, maxLength: 15 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.constantFrom('', '\n', '\r\n'),
      (messages, cuts, between) => {
        const stream = Buffer.concat(messages.flatMap((m, i) => (i === 0 ? [m.wire] : [bytes(between), m.wire])))
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        const d = new FrameDecoder(MAX)
        const got: string[] = []
        let at = 0
        for (const p of [...points, stream.length]) {
          for (const f of d.push(stream.subarray(at, p))) got.push(f.ok ? f.data.toString('hex') : `!${f.reason}`)
          at = p
        }
        for (const f of d.end()) got.push(f.ok ? f.data.toString('hex') : `!${f.reason}`)
        assert.deepEqual(
          got,
          messages.map((m) => m.data.toString('hex')),
          `cut at ${points.join(',')}`,
        )
      },
    ),
    { numRuns: 1000, seed },
  )
})
