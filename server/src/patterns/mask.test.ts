import { test } from 'node:test'
import assert from 'node:assert/strict'
import { maskToken, tokenize } from './mask.ts'

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
