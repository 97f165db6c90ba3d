import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SYSTEMS, loadSystem, otherDigits } from '../../../test/helpers/loghub.ts'
import { MaskedMessage, maskKeys } from './mask.ts'
import { PatternMiner, timeHi, timeLo } from './miner.ts'
import { encodeBody, unescapeField } from '../store/encode.ts'
import type { Entry } from '../model/index.ts'

// `npm run build` (make dev, make test) builds the C scan where a C compiler and Node's headers are,
// as on the machines the tests run on: a scan that did not build is a failure here, not a skip.

/** Loghub messages of all 16 systems, each with its own values and with other digits, and edge cases. */
function messages(): string[] {
  const out: string[] = []
  for (const system of SYSTEMS) {
    for (const [i, line] of loadSystem(system).entries()) {
      out.push(line.content, otherDigits(line.content, i, true), otherDigits(line.content, i, false))
    }
  }
  out.push(
    '',
    '   ',
    ' a  b\tc\n',
    'x\u00a0y\u2028z\u3000w\ufeffv',
    'took 30\u00a0ms',
    'took 30 µs, then 12 ms.',
    '\t1190 bytes (1.16 KB) sent ',
    'close, 4670 bytes (2.91 KB) sent, 748 bytes received, lifetime 79:17',
    'close, 4670 bytes (<*>) sent',
    'R02-M1-N0-C:J12-U11 and R17-M0-N4-C:J03-U01 and 12B 7KiB (9.5 MiB) 3 days',
    'ünïcödé 42 wörds 0x7fa3 日本語 10.0.0.1:80',
    Array.from({ length: 300 }, (_, i) => `t${i}=${i * 7}`).join(' '),
  )
  return out
}

test('the C scan was built (npm run build)', () => {
  assert.ok(maskKeys, 'server/native/build/Release/mask_keys.node: run `npm run build` with a C compiler, make and python3 (node-gyp)')
})

test('the C scan gives the keys MaskedMessage.read gives, and after one pass knows every shape but those masked token by token', { skip: !maskKeys }, () => {
  const scan = maskKeys as NonNullable<typeof maskKeys>
  const all = messages()
  const read = new MaskedMessage()
  const out = new Int32Array(3 * 1000)
  for (const pass of [1, 2]) {
    let known = 0
    for (let at = 0; at < all.length; at += 1000) {
      const batch = all.slice(at, at + 1000)
      scan.keys(batch, out)
      for (const [k, m] of batch.entries()) {
        read.read(m) // learns the shapes the scan lacked
        if ((out[3 * k + 2] as number) < 0) continue
        known++
        assert.deepEqual([out[3 * k], out[3 * k + 1], out[3 * k + 2]], [read.key, read.key2, read.count], JSON.stringify(m))
      }
    }
    if (pass === 2) assert.ok(known / all.length > 0.99, `${known} of ${all.length} scanned alone`)
  }
})

test('the C scan knows a token of new run lengths by its family once mask.ts learnt one of them', { skip: !maskKeys }, () => {
  const scan = maskKeys as NonNullable<typeof maskKeys>
  const message = (seed: number): string => {
    const n = Array.from({ length: 8 }, (_, k) => String(1 + ((seed + k) % 9)).repeat(2 + ((seed * 31 + k * 17) % 14)))
    return `${n[0]}-0:7:2:${n[1]}|Step_SPUtils|${n[2]}|setTodayTotalDetailSteps=${n.slice(3).join('##')} took ${n[4]} ms`
  }
  const read = new MaskedMessage()
  // A family is used from its fourth shape on (mask.ts FAMILY_AFTER).
  for (let seed = 1000; seed < 1004; seed++) read.read(message(seed))
  const batch = Array.from({ length: 200 }, (_, i) => message(i))
  const out = new Int32Array(3 * batch.length)
  scan.keys(batch, out)
  for (const [k, m] of batch.entries()) {
    read.read(m)
    assert.deepEqual([out[3 * k], out[3 * k + 1], out[3 * k + 2]], [read.key, read.key2, read.count], m)
  }
})

test('ids and templates are the same with the C scan as without it', { skip: !maskKeys }, () => {
  const all = SYSTEMS.flatMap((system) => loadSystem(system).flatMap((line, i) => [line, { ...line, content: otherDigits(line.content, i, false) }]).map((line) => ({ service: system, message: line.content })))
  const run = (scanned: boolean): string[] => {
    const miner = new PatternMiner()
    const ids: string[] = []
    for (let at = 0; at < all.length; at += 500) {
      const batch = all.slice(at, at + 500)
      const keys = scanned ? miner.keys(batch.map((e) => e.message)) : undefined
      for (const [k, e] of batch.entries()) {
        const index = miner.mineIndex(miner.treeOf('default', e.service), 'default', e.service, e.message, 20250101000000, 0, keys, k)
        ids.push(miner.idsFrom(index)[0] as string)
      }
    }
    return [...ids, ...miner.drain(true).map((r) => JSON.stringify(r)).sort()]
  }
  assert.deepEqual(run(true), run(false))
})

test('the C scan reads the insert\'s rows as it reads the messages: keys, services, timestamps', { skip: !maskKeys }, () => {
  const scan = maskKeys as NonNullable<typeof maskKeys>
  const all = [...messages(), 'a lone \ud800 surrogate 42', 'back\\slash\\0 and \'quote\' 7']
  const services = [['default', 'api'], ['default', 'tab\tservice é'], ['acme', 'api'], ['default', 'db']]
  const entries: Entry[] = all.map((message, i) => {
    const [tenant, service] = services[(i * 7) % services.length] as [string, string]
    const ns = String((i * 7919) % 1e9).padStart(9, '0')
    const timestamp = `20${String(10 + (i % 80)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}T0${i % 10}:${10 + (i % 50)}:0${i % 10}.${ns}Z`
    return { tenant: tenant === 'default' ? undefined : tenant, timestamp, level: 'info', service, message, attributes: { k: `v${i}` }, trace_id: '', span_id: '', id: `id-${i}` }
  })
  const read = new MaskedMessage()
  for (const m of all) read.read(m.replace(/[\ud800-\udfff]/g, '\ufffd'))
  let known = 0
  for (let at = 0; at < entries.length; at += 700) {
    const batch = entries.slice(at, at + 700)
    // One buffer of records, as the worker sends them.
    const rows = Buffer.concat([encodeBody(batch.slice(0, 100)), encodeBody(batch.slice(100))])
    const n = batch.length
    const out = new Int32Array(3 * n)
    const fields = new Int32Array(5 * n)
    const times = new Float64Array(2 * n)
    const count = scan.rows(rows, n, out, fields, times)
    const expected = new Map<string, number>()
    for (const e of batch) if (!expected.has(`${e.tenant ?? 'default'}/${e.service}`)) expected.set(`${e.tenant ?? 'default'}/${e.service}`, expected.size)
    assert.equal(count, expected.size)
    const byString = new Int32Array(3 * n)
    // Strings as they are stored: a lone surrogate is U+FFFD in the rows (encode.ts), so it is in the key.
    scan.keys(batch.map((e) => e.message.replace(/[\ud800-\udfff]/g, '\ufffd')), byString)
    for (const [k, e] of batch.entries()) {
      const svc = fields[4 * k] as number
      assert.equal(svc, expected.get(`${e.tenant ?? 'default'}/${e.service}`), e.service)
      const first = batch[fields[4 * n + svc] as number] as Entry
      assert.deepEqual([first.tenant, first.service], [e.tenant, e.service])
      assert.equal(unescapeField(rows.toString('utf8', fields[4 * k + 1], fields[4 * k + 2])), e.message.replace(/[\ud800-\udfff]/g, '\ufffd'))
      assert.ok(rows.subarray(fields[4 * k + 3] as number).toString('utf8').startsWith(`${e.tenant ?? 'default'}\t`))
      assert.deepEqual([times[2 * k], times[2 * k + 1]], [timeHi(e.timestamp), timeLo(e.timestamp)], e.timestamp)
      assert.deepEqual([out[3 * k], out[3 * k + 1], out[3 * k + 2]], [byString[3 * k], byString[3 * k + 1], byString[3 * k + 2]], JSON.stringify(e.message))
      if ((out[3 * k + 2] as number) >= 0) known++
    }
    assert.equal(scan.rows(rows.subarray(0, rows.length - 1), n, out, fields, times), -1, 'a row cut short')
    assert.equal(scan.rows(rows, n - 1, out, fields, times), -1, 'more rows than counted')
  }
  assert.ok(known / entries.length > 0.99, `${known} of ${entries.length} read from the rows alone`)
})
