// The README is the user's door: every error code, rejection reason and configuration variable the
// server knows must be documented there.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEAD_LETTER_REASONS, ERROR_CODES, REJECT_REASONS } from '../../server/src/errors.ts'
import { ROOT } from '../helpers/server.ts'

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')

test('every error code is documented in the README', () => {
  const missing = ERROR_CODES.filter((code) => !readme.includes(`\`${code}\``))
  assert.deepEqual(missing, [])
})

test('every rejection reason is documented in the README', () => {
  const missing = REJECT_REASONS.filter((r) => !readme.includes(`\`${r}\``))
  assert.deepEqual(missing, [])
})

test('every dead-letter reason is documented in the README', () => {
  const missing = DEAD_LETTER_REASONS.filter((r) => !readme.includes(`\`${r}\``))
  assert.deepEqual(missing, [])
})

test('every environment variable read by the configuration is documented in the README', () => {
  const src = readFileSync(join(ROOT, 'server/src/config.ts'), 'utf8')
  const names = new Set([...src.matchAll(/(?:get|int|dur|optPort)\('([A-Z_]+)'/g)].map((m) => m[1] as string))
  assert.ok(names.size > 20, `found only ${names.size} variables: the pattern is stale`)
  const missing = [...names].filter((n) => !readme.includes(`\`${n}\``))
  assert.deepEqual(missing, [])
})
