/**
 * The patterns step of the process role: before a batch is inserted, every entry gets the id of its
 * template (`label`); after the insert, the templates that are new or changed are written to the store
 * (`flush`). At start the stored templates are loaded so that a restart keeps its ids, and every
 * `refreshMs` they are loaded again so that several workers converge on each other's templates.
 * Writing templates never holds up the entries: a failed write is kept and tried again after the next batch.
 */
import type { Logger } from 'pino'
import type { Entry } from '../model/index.js'
import { PatternMiner, type PatternRecord } from './miner.js'

/** Where templates are kept (store/patterns.ts). */
export interface PatternStore {
  /** Must accept a template written again (the newest `last_seen` wins on read). */
  save(records: readonly PatternRecord[]): Promise<void>
  load(): Promise<PatternRecord[]>
}

export const DEFAULT_PATTERN_REFRESH_MS = 60_000 // 1 min

export class PatternStage {
  private readonly miner = new PatternMiner()
  private readonly pending = new Map<string, PatternRecord>()
  private loadedAt = -Infinity

  constructor(
    private readonly store: PatternStore,
    private readonly log: Logger,
    private readonly refreshMs = DEFAULT_PATTERN_REFRESH_MS,
  ) {}

  /** Loads the stored templates (at start, and when `refreshMs` has passed). Never throws. */
  async load(): Promise<void> {
    this.loadedAt = performance.now()
    try {
      this.miner.restore(await this.store.load())
    } catch (err) {
      this.log.warn({ err: String(err) }, 'loading the stored patterns failed; mining goes on and tries again later')
    }
  }

  /** Sets `pattern_id` on every entry. */
  label(entries: readonly Entry[]): void {
    for (const e of entries) e.pattern_id = this.miner.mine(e.tenant ?? 'default', e.service, e.message, e.timestamp)
  }

  /** Writes what changed since the last flush. Never throws. */
  async flush(): Promise<void> {
    for (const r of this.miner.drain()) this.pending.set(r.pattern_id, r)
    if (this.pending.size) {
      const records = [...this.pending.values()]
      try {
        await this.store.save(records)
        for (const r of records) if (this.pending.get(r.pattern_id) === r) this.pending.delete(r.pattern_id)
      } catch (err) {
        this.log.warn({ err: String(err), templates: records.length }, 'writing patterns failed; kept for the next batch')
      }
    }
    if (performance.now() - this.loadedAt >= this.refreshMs) await this.load()
  }

  /** Templates known to this worker. */
  get size(): number {
    return this.miner.size()
  }
}
