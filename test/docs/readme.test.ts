// The README is the user's door: every error code, rejection reason and configuration variable the
// server knows must be documented there.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { variables } from '../../server/src/config.ts'
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

test('every environment variable of the settings table is documented in the README', () => {
  const names = variables().map((v) => v.env)
  assert.ok(names.length > 20, `found only ${names.length} variables`)
  const missing = names.filter((n) => !readme.includes(`\`${n}\``))
  assert.deepEqual(missing, [])
})
