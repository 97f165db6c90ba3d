/**
 * Starts the real server (`oglogstream all`) with RULES_DIR holding one rule file, and waits for it
 * to exit: for the tests that a bad rule file stops start-up (exit code 2, the problem on stderr).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, ROOT, tempDir } from './server.ts'

export function startWithRuleFile(name: string, text: string): SpawnSyncReturns<string> {
  const d = tempDir('ogls-badrules-')
  writeFileSync(join(d, name), text)
  return spawnSync(process.execPath, [CLI, 'all'], {
    cwd: ROOT,
    env: { ...process.env, RULES_DIR: d, DATA_DIR: join(d, 'store'), HTTP_PORT: '0', HOST: '127.0.0.1' },
    encoding: 'utf8',
    timeout: 60_000,
  })
}
