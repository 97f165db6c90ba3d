// What bounds single-entry POST /log under WAL_SYNC=always (issue 12): the disk's fdatasync latency
// (one 200-byte append + fdatasync at a time, as a lone request would see it), and the write-ahead log
// alone taking single-entry appends from 50 concurrent callers (group commit: one write and one sync
// for all that wait), with no HTTP and no engine. Run it beside bench/ingest.mjs on the same disk.
// Usage: npx tsx bench/wal-sync.mts [dir=os.tmpdir()] [seconds=5]
import { mkdtempSync, rmSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { WalBus } from '../server/src/bus/wal/index.ts'
import type { Entry } from '../server/src/model/index.ts'

const dir = mkdtempSync(join(process.argv[2] ?? tmpdir(), 'ogls-walsync-'))
const seconds = Number(process.argv[3] ?? 5)
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number) * 100) / 100
}

// 1. The disk: append + fdatasync, one at a time.
const fh = await open(join(dir, 'probe'), 'a')
const rec = Buffer.alloc(200, 120)
const syncs: number[] = []
const end1 = performance.now() + seconds * 1000
while (performance.now() < end1) {
  const t0 = performance.now()
  await fh.write(rec)
  await fh.datasync()
  syncs.push(performance.now() - t0)
}
await fh.close()

// 2. The log alone, 50 callers each appending one entry at a time.
const bus = await WalBus.open({ dir: join(dir, 'wal'), sync: 'always', maxBytes: 8 * 1024 ** 3, minFreeDiskBytes: 0, readAheadBytes: 64 * 1024 ** 2 }, pino({ level: 'warn' }))
const entry = (): Entry => ({
  timestamp: '2026-01-01T00:00:00.000000000Z',
  level: 'info',
  service: 'bench',
  message: 'GET /api/v1/items 200 12ms user=42 request_id=7f3c2a',
  attributes: {},
  trace_id: '',
  span_id: '',
})
const lat: number[] = []
const end2 = performance.now() + seconds * 1000
await Promise.all(
  Array.from({ length: 50 }, async () => {
    while (performance.now() < end2) {
      const t0 = performance.now()
      await bus.publish([entry()])
      lat.push(performance.now() - t0)
    }
  }),
)
await bus.close()
rmSync(dir, { recursive: true, force: true })
console.log(
  JSON.stringify({
    dir: process.argv[2] ?? tmpdir(),
    fdatasync_ms: { p50: pct(syncs, 50), p99: pct(syncs, 99), per_s_one_at_a_time: Math.round(syncs.length / seconds) },
    log_alone_50_callers: { appends_per_s: Math.round(lat.length / seconds), p50_ms: pct(lat, 50), p99_ms: pct(lat, 99) },
  }),
)
