/**
 * The patterns step of the process role: before a batch is inserted, every entry gets the id of its
 * template (`label`); after the insert, the templates that are new or changed are written to the store
 * (`flush`). At start the stored templates are loaded so that a restart keeps its ids, and every
 * `refreshMs` they are loaded again so that several workers converge on each other's templates.
 * A template that is new, or whose text or first_seen changed, is written after the batch that changed
 * it; one whose last_seen alone moved (nearly every template of a busy service, every batch) at most
 * every `lastSeenMs`, and at `close()`: last_seen may lag that long, nothing else does.
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
export const DEFAULT_PATTERN_LAST_SEEN_MS = 10_000 // 10 s

/**
 * Templates on their way to the store, whatever runs the miner (this stage, or a thread:
 * process/labeler.ts): what a drain gave is kept until written (a failed write is tried again with the
 * next), and last_seen-only changes are asked for (`lastSeenDue`) at most every `lastSeenMs`, with a
 * flush called for (`flushLater`) when they are due and no batch came.
 */
export class TemplateWriter {
  private readonly pending = new Map<string, PatternRecord>()
  private lastSeenAt = -Infinity
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly store: PatternStore,
    private readonly log: Logger,
    private readonly lastSeenMs: number,
    private readonly flushLater: () => void,
  ) {}

  /** Whether this drain is to include the templates whose last_seen alone moved. */
  lastSeenDue(): boolean {
    const now = performance.now()
    if (now - this.lastSeenAt >= this.lastSeenMs) {
      this.lastSeenAt = now
      return true
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      this.flushLater()
    }, this.lastSeenMs - (now - this.lastSeenAt)).unref()
    return false
  }

  /** At close: no flush to come; the caller drains everything. */
  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.lastSeenAt = performance.now()
  }

  /** Writes `records` and what earlier writes left. Never throws. */
  async write(records: readonly PatternRecord[]): Promise<void> {
    for (const r of records) this.pending.set(r.pattern_id, r)
    if (!this.pending.size) return
    const all = [...this.pending.values()]
    try {
      await this.store.save(all)
      for (const r of all) if (this.pending.get(r.pattern_id) === r) this.pending.delete(r.pattern_id)
    } catch (err) {
      this.log.warn({ err: String(err), templates: all.length }, 'writing patterns failed; kept for the next batch')
    }
  }
}

export class PatternStage {
  private readonly miner = new PatternMiner()
  private readonly writer: TemplateWriter
  private loadedAt = -Infinity

  constructor(
    private readonly store: PatternStore,
    private readonly log: Logger,
    private readonly refreshMs = DEFAULT_PATTERN_REFRESH_MS,
    lastSeenMs = DEFAULT_PATTERN_LAST_SEEN_MS,
  ) {
    this.writer = new TemplateWriter(store, log, lastSeenMs, () => void this.flush())
  }

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
    const keys = this.miner.keys(entries.map((e) => e.message))
    for (const [k, e] of entries.entries()) e.pattern_id = this.miner.mine(e.tenant ?? 'default', e.service, e.message, e.timestamp, keys, k)
  }

  /** Writes what changed since the last flush (last_seen alone: when due). Never throws. */
  async flush(): Promise<void> {
    await this.writer.write(this.miner.drain(this.writer.lastSeenDue()))
    if (performance.now() - this.loadedAt >= this.refreshMs) await this.load()
  }

  /** Writes everything still held (at shutdown, after the last batch). Never throws. */
  async close(): Promise<void> {
    this.writer.close()
    await this.writer.write(this.miner.drain(true))
  }

  /** Templates known to this worker. */
  get size(): number {
    return this.miner.size()
  }
}
