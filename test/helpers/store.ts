/**
 * A migrated embedded store in its own temporary DATA_DIR, for the tests of one file: opened before
 * them, closed and removed after them (clickhouse-js gives every test its own table; we give every file
 * its own engine directory).
 */
import { after, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../server/src/config.ts'
import type { Entry } from '../../server/src/model/index.ts'
import { Store } from '../../server/src/store/index.ts'

export interface TempStore {
  /** The store, once `before` has run. */
  readonly store: Store
  readonly dir: string
}

export function tempStore(name: string): TempStore {
  const dir = mkdtempSync(join(tmpdir(), `ogls-${name}-`))
  let store: Store | undefined
  before(async () => {
    store = await Store.open(loadConfig('all', { DATA_DIR: dir }))
    await store.migrate(0)
  })
  after(async () => {
    await store?.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    dir,
    get store(): Store {
      if (!store) throw new Error('tempStore: the store opens in before()')
      return store
    },
  }
}

/**
 * A store upgraded with entries in it, for a migration that adds a count projection of the logs table
 * (migrations 6 and 7): the projection and the migration's row are dropped, `blocks` inserted under
 * their tokens, and the migration run again (it builds the projection for those parts). The waiting
 * for its mutations must not stay on the embedded engine's session.
 */
export async function upgradeWith(store: Store, projection: string, version: number, blocks: [Entry[], string][]): Promise<void> {
  await store.command(`ALTER TABLE oglogstream.logs DROP PROJECTION ${projection}`)
  await store.command(`DELETE FROM oglogstream.schema_migrations WHERE version = ${version}`)
  for (const [entries, token] of blocks) await store.insert(entries, token)
  assert.deepEqual(await store.migrate(0), [version])
  const [sync] = await store.sql<{ v: string }>("SELECT getSetting('mutations_sync') AS v")
  assert.equal(String(sync?.v), '0', `mutations_sync is back to 0 after migration ${version}`)
}

/** The active parts of the logs table without their part of `projection` (none, where it is kept whole). */
export function partsWithout(store: Store, projection: string): Promise<{ name: string }[]> {
  return store.sql<{ name: string }>(
    `SELECT name FROM system.parts WHERE database = 'oglogstream' AND table = 'logs' AND active
     AND name NOT IN (SELECT parent_name FROM system.projection_parts WHERE database = 'oglogstream' AND table = 'logs' AND active AND name = '${projection}')
     SETTINGS force_optimize_projection = 0`,
  )
}
