import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Worker as Thread } from 'node:worker_threads'
import { pino } from 'pino'
import type { Entry } from '../model/index.ts'
import { PatternStage, type PatternRecord, type PatternStore } from '../patterns/index.ts'
import { bodyFromRows, encodeBody, type RowLabels } from '../store/encode.ts'
import { ThreadedPatternStage, patternStage } from './labeler.ts'

const log = pino({ level: 'silent' })

/** Entries of a few shapes over two tenants and three services, with text that is not plain ASCII. */
function entries(n: number, start = 0): Entry[] {
  const shapes = [
    (i: number) => `Invalid user u${i} from 10.0.${i % 250}.${i % 7}`,
    (i: number) => `Connection closed by 192.168.${i % 9}.1 [preauth]`,
    (i: number) => `Größe ${i} überschritten für Datei /var/log/a${i % 5}.log 🚀`,
    (i: number) => `job ${i} took ${i % 100}ms\u0000tail`,
    () => '',
  ]
  return Array.from({ length: n }, (_, k) => {
    const i = start + k
    const e: Entry = {
      timestamp: `2025-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000000Z`,
      level: 'info',
      service: ['sshd', 'api', 'größe-svc'][i % 3] as string,
      message: (shapes[i % shapes.length] as (i: number) => string)(i),
      attributes: {},
      trace_id: '',
      span_id: '',
    }
    if (i % 4 === 0) e.tenant = 'acme'
    return e
  })
}

/** A store in memory that counts what was written. */
function memoryStore(stored: PatternRecord[] = []): PatternStore & { saved: PatternRecord[] } {
  const saved: PatternRecord[] = []
  return {
    saved,
    save: async (r) => {
      saved.push(...r)
    },
    load: async () => stored,
  }
}

const byId = (rs: PatternRecord[]) => [...rs].sort((a, b) => a.pattern_id.localeCompare(b.pattern_id))

test('the miner on its thread labels as the miner on the event loop does, and writes the same templates', async () => {
  const restored: PatternRecord[] = [
    { tenant: 'default', service: 'api', pattern_id: 'f00dfeedf00dfeed', template: 'job <*> took <*>', first_seen: '2024-01-01T00:00:00.000000000Z', last_seen: '2024-01-01T00:00:00.000000000Z', sample: 'job 1 took 2ms' },
  ]
  const inline = new PatternStage(memoryStore(restored), log)
  const threadStore = memoryStore(restored)
  const threaded = new ThreadedPatternStage(threadStore, log)
  const rowsStore = memoryStore(restored)
  const fromRows = new ThreadedPatternStage(rowsStore, log)
  try {
    await inline.load()
    await threaded.load()
    await fromRows.load()
    const a = entries(3_000)
    const b = entries(3_000)
    const c = entries(3_000)
    const inlineStore = (inline as unknown as { store: ReturnType<typeof memoryStore> }).store
    const labels: Promise<unknown>[] = []
    for (let i = 0; i < a.length; i += 500) {
      inline.label(a.slice(i, i + 500))
      // Several requests in flight at once, as the worker posts each message as it arrives.
      void threaded.label(b.slice(i, i + 500))
      // From the insert's rows (two records, as two messages of the write-ahead log); once rows that
      // are not these entries' (they are labelled from their strings then).
      const part = c.slice(i, i + 500)
      const records = i === 1_000 ? [encodeBody(part.slice(1))] : [encodeBody(part.slice(0, 200)), encodeBody(part.slice(200))]
      labels.push(fromRows.label(part, records))
    }
    await threaded.label(b.slice(0, 0))
    const given = await Promise.all(labels)
    await Promise.all([inline.flush(), threaded.flush(), fromRows.flush()])
    assert.ok(b.every((e) => e.pattern_id !== undefined))
    assert.deepEqual(
      b.map((e) => e.pattern_id),
      a.map((e) => e.pattern_id),
    )
    assert.deepEqual(
      c.map((e) => e.pattern_id),
      a.map((e) => e.pattern_id),
    )
    // The ids by number (for the insert: store/encode.ts RowLabels) are the entries' ids.
    for (const [k, l] of given.entries()) {
      const { which, ids } = l as RowLabels
      const body = bodyFromRows({ records: [encodeBody(c.slice(500 * k, 500 * k + 500).map((e) => ({ ...e, pattern_id: 'x' })))], labels: { which, ids } }, 500)
      assert.ok(body?.equals(encodeBody(c.slice(500 * k, 500 * k + 500))))
    }
    assert.ok(new Set(a.map((e) => e.pattern_id)).size > 5)
    assert.deepEqual(byId(threadStore.saved), byId(inlineStore.saved))
    assert.deepEqual(byId(rowsStore.saved), byId(inlineStore.saved))
    assert.ok(threadStore.saved.length > 0)
    // Mined on the thread, not by the fallback on the event loop.
    assert.equal((threaded as unknown as { local: unknown }).local, undefined)
    assert.equal((fromRows as unknown as { local: unknown }).local, undefined)
  } finally {
    await threaded.close()
    await fromRows.close()
  }
})

test('when the thread dies, labelling goes on on the event loop (stored templates reloaded) and nothing waits for ever', async () => {
  const store = memoryStore()
  const threaded = new ThreadedPatternStage(store, log)
  try {
    await threaded.load()
    const first = entries(200)
    await threaded.label(first)
    await threaded.flush()
    // The templates written so far are what a fresh miner reloads.
    const written = [...store.saved]
    store.load = async () => written
    const thread = (threaded as unknown as { thread: Thread }).thread
    assert.equal((threaded as unknown as { local: unknown }).local, undefined)
    const inFlight = entries(200, 200)
    const labelled = threaded.label(inFlight)
    await thread.terminate()
    await labelled
    const after = entries(200, 400)
    await threaded.label(after)
    // The same as a miner on the event loop that saw the first 200, then the rest.
    const reference = new PatternStage(memoryStore(), log)
    const again = entries(600)
    reference.label(again)
    assert.deepEqual(
      [...first, ...inFlight, ...after].map((e) => e.pattern_id),
      again.map((e) => e.pattern_id),
    )
    await threaded.flush() // the stage on the event loop writes what it mined
  } finally {
    await threaded.close()
  }
})

test('PATTERN_THREAD=off mines on the event loop, with the same ids as the thread; PATTERNS=off labels nothing', async () => {
  assert.equal(patternStage('off', 'on', memoryStore(), log), undefined)
  const loop = patternStage('on', 'off', memoryStore(), log)
  const thread = patternStage('on', 'on', memoryStore(), log)
  try {
    assert.ok(loop instanceof PatternStage)
    assert.ok(thread instanceof ThreadedPatternStage)
    await Promise.all([loop.load(), thread.load()])
    const a = entries(1_000)
    const b = entries(1_000)
    // At once: nothing to wait for, nothing handed to a thread.
    assert.equal(loop.label(a), undefined)
    assert.ok(a.every((e) => e.pattern_id !== undefined))
    await thread.label(b)
    assert.deepEqual(
      a.map((e) => e.pattern_id),
      b.map((e) => e.pattern_id),
    )
  } finally {
    await Promise.all([loop?.close?.(), thread?.close?.()])
  }
})
