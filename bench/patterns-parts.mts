// The parts of what PATTERNS=on costs an entry, measured apart (issue 17), in CPU time of this process
// (all threads, and the main thread alone), interleaved rounds:
// - label: the miner on this thread (PatternStage) against the threaded stage (ThreadedPatternStage:
//   handing entries to the thread and ids back), 1,000-entry messages as the bulk bench posts them;
// - engine: chdb's raw insert of the same 10,000-entry blocks with pattern_id empty against filled
//   with the miner's ids (the column and its bloom_filter index), and the TSV encode of each.
// CPU time moves with the other load of a shared machine (±20 %): compare the rows of one run only.
// Usage: node --import tsx bench/patterns-parts.mts [--entries N] [--rounds N] [--only label|engine]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { pino } from 'pino'
import { validateEntry, type Entry } from '../server/src/model/index.ts'
import { PatternStage, type PatternRecord, type PatternStore } from '../server/src/patterns/index.ts'
import { ThreadedPatternStage } from '../server/src/process/labeler.ts'
import { COLUMNS, encodeBody } from '../server/src/store/encode.ts'
import { migrate } from '../server/src/store/migrations.ts'
// @ts-expect-error plain ESM helper without types
import { entries as gen } from './data.mjs'
// @ts-expect-error plain ESM helper without types
import { vary } from './vary.mjs'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined
const total = arg('entries', 100_000)
const rounds = arg('rounds', 3)
const log = pino({ level: 'silent' })

const toEntry = (e: unknown): Entry => {
  const v = validateEntry(e)
  if (!v.ok) throw new Error(v.error)
  return v.entry
}
const fresh = (): Entry[] => (gen(total, 0) as object[]).map((e, k) => toEntry({ ...e, message: vary((e as { message: string }).message, k) }))

function mainTicks(): number {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
  return (Number(rest[11]) + Number(rest[12])) * 10_000 // µs
}
async function cpu<T>(fn: () => Promise<T>): Promise<{ all: number; main: number; value: T }> {
  const c = process.cpuUsage()
  const m = mainTicks()
  const value = await fn()
  const d = process.cpuUsage(c)
  return { all: (d.user + d.system) / total, main: (mainTicks() - m) / total, value }
}
const store = (): PatternStore => ({ save: async (_: readonly PatternRecord[]) => {}, load: async () => [] })
const r1 = (x: number) => Math.round(x * 10) / 10
const results: Record<string, { all: number[]; main: number[] }> = {}
const note = (name: string, r: { all: number; main: number }) => {
  const s = (results[name] ??= { all: [], main: [] })
  s.all.push(r1(r.all))
  s.main.push(r1(r.main))
  console.error(name, r1(r.all), r1(r.main))
}

async function labelRound(kind: 'loop' | 'thread'): Promise<void> {
  const list = fresh()
  const stage = kind === 'loop' ? new PatternStage(store(), log) : new ThreadedPatternStage(store(), log)
  await stage.load()
  const r = await cpu(async () => {
    // As the worker does: every 1,000-entry message labelled as it arrives; a flush every 10,000.
    const pending: Promise<unknown>[] = []
    for (let i = 0; i < list.length; i += 1_000) {
      const p = stage.label(list.slice(i, i + 1_000))
      if (p) pending.push(p)
      if (i % 10_000 === 9_000) {
        await Promise.all(pending.splice(0))
        await stage.flush()
      }
    }
    await Promise.all(pending)
  })
  await stage.close?.()
  note(`label ${kind}`, r)
}

async function engineRounds(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ogls-parts-'))
  const connection = createChdbConnection({ path: dir })
  const client = createClient({ connection } as Parameters<typeof createClient>[0])
  await migrate(client, { database: 'oglogstream', cluster: undefined })
  const labelled = fresh()
  new PatternStage(store(), log).label(labelled)
  const plain = labelled.map((e) => ({ ...e, pattern_id: '' }))
  let n = 0
  const insert = async (list: Entry[], table = 'oglogstream.logs') => {
    for (let i = 0; i < list.length; i += 10_000) {
      const values = encodeBody(list.slice(i, i + 10_000))
      await connection.chdb.rawInsert({
        table,
        values,
        format: 'TabSeparated',
        columns: [...COLUMNS],
        settings: { async_insert: 0, insert_deduplicate: 1, insert_deduplication_token: `parts-${n++}`, min_insert_block_size_rows: 0, min_insert_block_size_bytes: 0 },
      })
    }
  }
  // The same table without the pattern_id index, and one with pattern_id a plain String without it.
  await client.command({ query: 'CREATE TABLE oglogstream.logs_noidx AS oglogstream.logs' })
  await client.command({ query: 'ALTER TABLE oglogstream.logs_noidx DROP INDEX idx_pattern_id' })
  for (let r = 0; r < rounds; r++) {
    const encode = async (list: Entry[]) => {
      for (let i = 0; i < list.length; i += 10_000) encodeBody(list.slice(i, i + 10_000))
    }
    note('encode empty', await cpu(() => encode(plain)))
    note('encode ids', await cpu(() => encode(labelled)))
    note('insert empty', await cpu(() => insert(plain)))
    note('insert ids', await cpu(() => insert(labelled)))
    note('insert ids noidx', await cpu(() => insert(labelled, 'oglogstream.logs_noidx')))
    note('insert empty noidx', await cpu(() => insert(plain, 'oglogstream.logs_noidx')))
  }
  await client.close()
  rmSync(dir, { recursive: true, force: true })
}

for (let r = 0; r < rounds && only !== 'engine'; r++) {
  await labelRound('loop')
  await labelRound('thread')
}
if (only !== 'label') await engineRounds()
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { all_us: median(v.all), main_us: median(v.main), runs_all: v.all }]))))
