import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SYSTEMS, loadSystem, otherDigits } from '../../../test/helpers/loghub.ts'
import { maskToken, maskTokenByRules, tokenize } from './mask.ts'

test('values are masked whole: IPs, host:port, UUIDs, URLs, paths, hex, numbers with units, times, dates', () => {
  for (const t of [
    '10.251.73.220', '/10.251.73.220:50010', 'proxy.cse.cuhk.edu.hk:5070', 'de305d54-75b4-431b-adb2-eb6b9e546014',
    'https://example.com/a?b=1', '/user/root/rand/part-00001', 'C:\\Windows\\winsxs', '0x7fed806eb5d', 'deadbeef42',
    '42', '-17', '3.25', '120ms', '1.5GB', '99%', '12:03:45', '12:03:45.123', '2016-09-28', '2015-10-18T18:01:47',
  ]) {
    assert.equal(maskToken(t), '<*>', t)
  }
})

test('brackets, quotes and trailing punctuation stay around a masked value', () => {
  assert.equal(maskToken('[173.234.31.186]'), '[<*>]')
  assert.equal(maskToken('(uid=0)'), '(uid=<*>)')
  assert.equal(maskToken('"42",'), '"<*>",')
})

test('inside a token, runs with digits are masked; short names ending in one digit are kept', () => {
  assert.equal(maskToken('blk_-6952295868487656571'), 'blk_<*>')
  assert.equal(maskToken('node-246'), 'node-<*>')
  assert.equal(maskToken('attempt_1445144423722_0020_m_000000_0'), 'attempt_<*>_<*>_m_<*>_<*>')
  assert.equal(maskToken('rhost=218.188.2.4'), 'rhost=<*>')
  for (const t of ['eth1', 'alt0', 'ssh2', 'wl0', 'SOCKS5', 'en0']) assert.equal(maskToken(t), t)
  for (const t of ['Received', 'block', 'TrustedInstaller', '[preauth]']) assert.equal(maskToken(t), t)
})

test('a number and its unit are one value, a size restated in parentheses too', () => {
  assert.deepEqual(tokenize('close, 1190 bytes (1.16 KB) sent, lifetime <1 sec'), ['close,', '<*>', 'sent,', 'lifetime', '<<*>'])
  assert.deepEqual(tokenize('close, 403 bytes sent, lifetime 00:02'), ['close,', '<*>', 'sent,', 'lifetime', '<*>'])
  assert.deepEqual(tokenize('  took  30 ms\t'), ['took', '<*>'])
})

// The tokenizer as it was written first (split on whitespace, each token masked by the rules alone):
// the one-pass reader with its memory of shapes must give the same tokens.
const UNIT = /^(?:[KMGTP]i?B|[kmgt]b|B|bytes?|ms|us|µs|ns|s|secs?|seconds?|mins?|minutes?|h|hours?|days?)(?=$|[)\],;.])/
function referenceTokenize(message: string): string[] {
  const raw = message.split(/\s+/)
  const out: string[] = []
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i] as string
    if (t === '') continue
    const next = raw[i + 1]
    const sized = next !== undefined && /\d$/.test(t) && UNIT.test(next)
    if (sized) t += raw[++i]
    const masked = maskTokenByRules(t)
    out.push(masked)
    if (sized && masked === '<*>' && raw[i + 1]?.startsWith('(') && UNIT.test(raw[i + 2] ?? '') && maskTokenByRules(raw[i + 1] + (raw[i + 2] as string)) === '(<*>)') i += 2
  }
  return out
}

test('masking by shape gives what the rules give, token by token, on Loghub lines with their own and other values', () => {
  let tokens = 0
  for (const system of SYSTEMS) {
    for (const [i, line] of loadSystem(system).entries()) {
      for (const m of [line.content, otherDigits(line.content, i, true), otherDigits(line.content, i, false), otherDigits(line.content, i + 7, true)]) {
        assert.deepEqual(tokenize(m), referenceTokenize(m), m)
        for (const t of m.split(/\s+/)) {
          assert.equal(maskToken(t), maskTokenByRules(t), t)
          tokens++
        }
      }
    }
  }
  assert.ok(tokens > 500_000, `${tokens} tokens`)
})

test('tokens are split on any whitespace as \\s reads it', () => {
  for (const m of ['', '   ', ' a  b\tc\n', 'x\u00a0y\u2028z\u3000w\ufeffv', 'took 30\u00a0ms', '\t1190 bytes (1.16 KB) sent ']) {
    assert.deepEqual(tokenize(m), referenceTokenize(m), JSON.stringify(m))
  }
  assert.deepEqual(tokenize('a\u00a0b\u2003c'), ['a', 'b', 'c'])
})

test('a shape that keeps digits beside a wildcard is masked token by token', () => {
  assert.equal(maskToken('R02-M1-N0-C:J12-U11'), '<*>-M1-N0-C:<*>-<*>')
  assert.equal(maskToken('R17-M0-N4-C:J03-U01'), '<*>-M0-N4-C:<*>-<*>')
  assert.equal(maskToken('eth1'), 'eth1')
  assert.equal(maskToken('eth7'), 'eth7')
})

/** A token of several numbers with `lengths` digits each (HealthApp's step counts, one token). */
const steps = (lengths: readonly number[], seed: number): string => {
  const n = lengths.map((len, k) => String((seed * 7919 + k * 104_729) % 9 + 1).padEnd(len, String((seed + k) % 10)))
  return `${n[0]}-0:7:2:${n[1]}|Step_SPUtils|${n[2]}|setTodayTotalDetailSteps=${n.slice(3).join('##')}`
}

test('a family of shapes (runs of two digits or more of any length) masks as the rules do, where it holds and where it does not', () => {
  for (let seed = 0; seed < 300; seed++) {
    const lengths = Array.from({ length: 8 }, (_, k) => 2 + ((seed * 31 + k * 17) % 14))
    const t = steps(lengths, seed)
    assert.equal(maskToken(t), maskTokenByRules(t), t)
  }
  // Exact lengths beside a group of letters: a UUID with eight digits is one value, with nine it is not.
  for (const t of ['12345678-abcd-ef01-2345-6789abcdef01', '123456789-abcd-ef01-2345-6789abcdef01', '1234567-abcd-ef01-2345-6789abcdef01', '87654321-dcba-ef01-2345-6789abcdef01']) {
    assert.equal(maskToken(t), maskTokenByRules(t), t)
  }
  assert.equal(maskToken('123456789-abcd-ef01-2345-6789abcdef01'), '<*>-abcd-<*>-<*>-<*>')
  assert.equal(maskToken('12345678-abcd-ef01-2345-6789abcdef01'), '<*>')
  // A name ending in one digit is not a run of two: `eth1` and `eth12` are not one family.
  assert.equal(maskToken('eth12'), '<*>')
  assert.equal(maskToken('eth1'), 'eth1')
})
