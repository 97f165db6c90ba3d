#!/usr/bin/env node
// Runs every test file with node's test runner (TypeScript through tsx). Unit tests sit beside the
// code (server/src/**/*.test.ts); end-to-end, fault and browser suites under test/.
// Usage: node scripts/run-tests.mjs [path-filter ...]
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['server/src', 'test', 'packages/shared/src', 'web/src']
const files = []
function walk(dir) {
  let names
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    if (name === 'node_modules' || name === 'dist') continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (/\.test\.ts$/.test(name)) files.push(p)
  }
}
roots.forEach(walk)
const filters = process.argv.slice(2)
const selected = files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort()
if (selected.length === 0) {
  console.error('no test files matched', filters)
  process.exit(1)
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2'
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...selected],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
)
process.exit(r.status ?? 1)
