import { test } from 'node:test'
import assert from 'node:assert/strict'
import { extractedPhrase, parseStructured } from './structured.ts'

test('a JSON object message: pretty-printed, nested keys dotted', () => {
  const s = parseStructured('{"status":500,"req":{"method":"GET","path":"/a"},"tags":["x"],"ok":false}')
  assert.equal(s?.format, 'json')
  assert.deepEqual(s?.fields, [
    ['status', '500'],
    ['req.method', 'GET'],
    ['req.path', '/a'],
    ['tags', '["x"]'],
    ['ok', 'false'],
  ])
  assert.match(s?.pretty ?? '', /^\{\n {2}"status": 500,/)
  assert.equal(parseStructured('[1,2]'), undefined)
  assert.equal(parseStructured('{not json}'), undefined)
})

test('a logfmt message: every part must be a pair, at least two', () => {
  const s = parseStructured('level=info msg="user signed in" took=12ms user.id=7 empty=')
  assert.equal(s?.format, 'logfmt')
  assert.deepEqual(s?.fields, [
    ['level', 'info'],
    ['msg', 'user signed in'],
    ['took', '12ms'],
    ['user.id', '7'],
    ['empty', ''],
  ])
  assert.equal(parseStructured('retry a=b after 5s'), undefined, 'prose with one pair')
  assert.equal(parseStructured('a=1'), undefined)
})

test('the message text that finds an extracted value', () => {
  assert.equal(extractedPhrase('a=1 took=12ms', 'logfmt', 'took', '12ms'), 'took=12ms')
  assert.equal(extractedPhrase('{"status":500}', 'json', 'status', '500'), '"status":500')
  assert.equal(extractedPhrase('{"user":"bob"}', 'json', 'user', 'bob'), '"user":"bob"')
  assert.equal(extractedPhrase('{"req": {"path": "/a"}}', 'json', 'req.path', '/a'), '/a')
})
