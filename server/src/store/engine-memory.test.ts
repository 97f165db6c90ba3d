// The embedded engine's allocator runs with ENGINE_MALLOC_CONF (client.ts): freed pages returned after
// 1 s, heap-profile sampling off. Read back from the engine itself (system.jemalloc_stats).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { tempStore } from '../../../test/helpers/store.ts'

const given = process.env.JE_MALLOC_CONF
const temp = tempStore('engine-memory')

test('the engine allocator returns freed pages after 1 s and does not sample heap profiles', { skip: given !== undefined && 'JE_MALLOC_CONF is set by the environment' }, async () => {
  const rows = await temp.store.sql<Record<string, string>>('SELECT * FROM system.jemalloc_stats')
  const text = rows.map((r) => Object.values(r).join(' ')).join('\n')
  assert.match(text, /opt\.dirty_decay_ms: 1000\b/)
  assert.match(text, /opt\.prof_active: false\b/)
})
