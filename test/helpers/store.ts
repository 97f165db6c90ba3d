/**
 * A migrated embedded store in its own temporary DATA_DIR, for the tests of one file: opened before
 * them, closed and removed after them (clickhouse-js gives every test its own table; we give every file
 * its own engine directory).
 */
import { after, before } from 'node:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../server/src/config.ts'
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
