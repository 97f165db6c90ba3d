/**
 * The process role: takes messages from the work queue, sorts out redelivered batches (recovery.ts),
 * accumulates the rest up to BATCH_SIZE entries or FLUSH_TIMEOUT (batcher.ts; while an insert runs, up
 * to GROWN_BATCH_FACTOR × BATCH_SIZE of what is waiting), records each batch in
 * the ledger, inserts it under its token (as one block, or as parts within the store's insert bounds:
 * parts.ts), and acks the messages only after the insert. One insert is in flight at a time, in order,
 * while the loop reads and labels the next batch (the engine inserts on its own threads).
 * On store errors it retries with exponential backoff (MAX_RETRIES), then hands the messages back to
 * the queue with a delay — it never drops what was accepted. An error that retrying cannot cure
 * (failure.ts) isolates the offending entries of the refused part instead (deadletter.ts): the rest is
 * stored, they go to the dead-letter table, and then the messages are acked, so nothing waits behind them.
 * A token whose insert the engine refused is not reused for the retry (tokens.ts: the engine may have
 * burnt it).
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { WorkMessage, WorkQueue } from '../bus/index.js'
import { labelsOf, type InsertBounds, type RowLabels } from '../store/index.js'
import { Wakeup } from '../bus/wakeup.js'
import { Batcher, type Batch } from './batcher.js'
import { RetryLater, type IsolationSink } from './deadletter.js'
import type { ProcessMetrics } from './metrics.js'
import { afterInsertBeforeAck } from './fault.js'
import type { Labeler } from './labeler.js'
import { DEFAULT_INSERT_BOUNDS, writeBatch } from './parts.js'
import { sortOut } from './recovery.js'
import { TokenGuard } from './tokens.js'

export interface WorkerOptions {
  batchSize: number
  flushTimeoutMs: number
  maxRetries: number
  retryBaseMs: number
  /** Delay before a batch that exhausted its retries is offered again. */
  redeliverDelayMs?: number
  /**
   * A batch failing with an error failure.ts cannot classify is dead-lettered once one of its messages
   * was delivered this many times (default 10), rather than redelivered for ever.
   */
  maxDeliveries?: number
}

/** Where batches go: the store must drop a second insert under the same token. */
export interface BatchSink extends IsolationSink {
  /** What one insert may hold (the store's); a larger batch is inserted in parts (parts.ts). */
  readonly insertBounds?: InsertBounds
}

/** Deliveries before an unclassifiable failure is dead-lettered (`WorkerOptions.maxDeliveries`). */
const MAX_DELIVERIES = 10
/**
 * A batch formed while the insert before it runs grows to this many times BATCH_SIZE (within the
 * store's insert bounds): under a backlog the engine takes fewer, larger inserts, which cost it less
 * per entry (bench/direct-insert.mts: 10,000-row blocks about 11 µs an entry, 50,000-row blocks 7–9).
 */
export const GROWN_BATCH_FACTOR = 5
/** How long a growing batch waits for more messages before it looks again whether the insert ended. */
const GROW_WAIT_MS = 20
/**
 * After a fetch that took less than there was room for (the log had no more), how long the worker lets
 * records gather before it fetches again (bounded by FLUSH_TIMEOUT). Under single-entry load every sync
 * of the log woke the worker for one or two small records, and each wake-up (fetch, labelling, batching)
 * cost the event loop about as much as the records did; entries become queryable at most this much later.
 * A flush, a stop or the end of the insert in flight ends the pause at once.
 */
const GATHER_MS = 20

export class Worker {
  private running = false
  private loop: Promise<void> | undefined
  private readonly batcher: Batcher
  private forceFlush = false
  private stopping = false
  /** The insert in progress (tests and shutdown wait on it). */
  private inflight: Promise<void> = Promise.resolve()
  /** An insert is running: the batch being formed may grow past BATCH_SIZE meanwhile. */
  private inserting = false
  /** Times this worker handed each unacked message back (for transports that do not count deliveries). */
  private readonly naks = new Map<string, number>()
  /** The store under tokens the engine did not burn (tokens.ts). */
  private readonly sink: TokenGuard
  /**
   * Labelling in progress (on the pattern thread, labeler.ts), by message: its insert waits for it.
   * The labels of the fetch the message came in, and where its entries start among them.
   */
  private readonly labelling = new WeakMap<WorkMessage, { labelled: Promise<void | RowLabels>; from: number }>()
  /** Ends the gathering pause (GATHER_MS) early: a flush, a stop, the end of an insert. */
  private readonly nudge = new Wakeup()

  constructor(
    private readonly queue: WorkQueue,
    private readonly store: BatchSink,
    private readonly opts: WorkerOptions,
    private readonly metrics: ProcessMetrics,
    private readonly log: Logger,
    /** Labels each entry with its template before insert (patterns/, labeler.ts); none: entries go in unlabelled. */
    private readonly patterns?: Labeler,
  ) {
    const bounds = store.insertBounds ?? DEFAULT_INSERT_BOUNDS
    const grown = Math.max(opts.batchSize, Math.min(bounds.maxEntries, GROWN_BATCH_FACTOR * opts.batchSize))
    this.batcher = new Batcher(opts.batchSize, opts.flushTimeoutMs, randomUUID(), grown)
    this.sink = new TokenGuard(store, log)
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  private async run(): Promise<void> {
    // The stored templates first, so that a restart labels with the ids it had.
    if (this.patterns) await this.patterns.load()
    while (this.running) {
      let msgs: WorkMessage[] = []
      // Full at BATCH_SIZE while an insert runs: take what is waiting, and look again soon.
      const growing = this.inserting && this.batcher.entries >= this.opts.batchSize
      const asked = this.batcher.room(this.inserting)
      try {
        msgs = await this.queue.fetch(asked, this.stopping ? 0 : Math.min(this.batcher.waitMs(), growing ? GROW_WAIT_MS : 500))
      } catch (err) {
        this.log.warn({ err }, 'bus fetch failed; retrying')
        await sleep(500)
      }
      const { fresh, recovered } = await sortOut(this.queue, msgs, this.log)
      // A recovered batch goes in alone under its recorded token.
      for (const b of recovered) await this.write(b)
      // Labelled as it arrives, so that mining the next batch overlaps the insert in flight: the entries
      // of one fetch in one call (one message to the pattern thread, not one per bus message; under
      // single-entry load a fetch brings one or two small records after each sync).
      // With their rows where every message has them (the write-ahead log's: labeler.ts).
      const rows = fresh.every((m) => m.rows !== undefined) ? fresh.map((m) => m.rows as Buffer) : undefined
      const labelled = fresh.length === 0 ? undefined : this.patterns?.label(fresh.length === 1 ? (fresh[0] as WorkMessage).entries : fresh.flatMap((m) => m.entries), rows)
      let from = 0
      for (const m of fresh) {
        if (labelled) this.labelling.set(m, { labelled: Promise.resolve(labelled), from })
        from += m.entries.length
        this.batcher.add(m)
      }
      if (this.batcher.due(this.forceFlush || this.stopping, this.inserting)) {
        this.forceFlush = false
        // One insert at a time, in order; not awaited: the next batch is read and labelled while the
        // engine inserts this one (on its own threads).
        await this.inflight
        void this.write(this.batcher.take())
      } else if (this.forceFlush && this.batcher.size === 0) this.forceFlush = false // nothing to force
      else if (this.stopping && msgs.length === 0 && this.batcher.size === 0) break
      else if (msgs.length > 0 && msgs.length < asked && !this.stopping && !this.forceFlush) await this.nudge.wait(Math.min(GATHER_MS, this.batcher.waitMs()))
      this.updateDepth()
    }
  }

  private updateDepth(): void {
    const n = this.queue.pending()
    if (n !== undefined) this.metrics.queueDepth.set(n)
  }

  /** Starts `batch`'s insert after the one in flight (never throws: insert() settles its messages). */
  private write(batch: Batch): Promise<void> {
    this.inserting = true
    const p: Promise<void> = this.inflight
      .then(() => this.insert(batch))
      .catch((err: unknown) => {
        this.log.error({ err: String(err) }, 'batch insert failed unexpectedly; its messages are offered again')
        this.settle(batch.messages, 'nak', this.opts.retryBaseMs)
      })
      .finally(() => {
        if (this.inflight !== p) return
        this.inserting = false
        this.queue.wake() // a batch that grew while this insert ran goes now
        this.nudge.wake()
      })
    this.inflight = p
    return p
  }

  /** Records `batch` in the ledger, inserts it, then acks its messages; or naks them for later. */
  private async insert(batch: Batch): Promise<void> {
    const { token, entries, messages } = batch
    const bounds = this.store.insertBounds ?? DEFAULT_INSERT_BOUNDS
    let recorded = batch.recorded
    // Mined once, before the first attempt (as messages arrive; a recovered batch here): a retry inserts
    // the same labels under the same token.
    const labels = this.patterns ? await this.labels(batch) : undefined
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now()
      try {
        messages.forEach((m) => m.working())
        // Before the insert, so that a redelivery is re-formed into this batch under this token.
        if (!recorded) {
          await this.queue.ledger.record({ token, ids: batch.ids })
          recorded = true
        }
        // Once a message was delivered too often, an error nobody can classify is dead-lettered too.
        const forceUnknown = this.deliveries(messages) >= (this.opts.maxDeliveries ?? MAX_DELIVERIES)
        const rows = batch.rows && { records: batch.rows, labels }
        const { stored, dead, refused, parts } = await writeBatch(this.sink, token, entries, bounds, forceUnknown, rows)
        this.metrics.insertLatency.observe((performance.now() - t0) / 1000)
        this.metrics.batchSize.observe(entries.length)
        this.metrics.stored.inc(stored)
        if (refused.length) {
          this.metrics.insertErrors.inc(refused.length)
          for (const [reason, n] of dead) this.metrics.deadLettered.inc({ reason }, n)
          const deadCount = [...dead.values()].reduce((a, b) => a + b, 0)
          this.log.warn(
            { err: String(refused[0]), token, entries: entries.length, parts, refusedParts: refused.length, stored, deadLettered: Object.fromEntries(dead) },
            `insert refused for good; ${deadCount} entries dead-lettered, the rest stored`,
          )
        }
        afterInsertBeforeAck(token, entries.length) // a test-only fault point (fault.ts); nothing unless set
        this.settle(messages, 'ack')
        if (this.patterns) await this.patterns.flush()
        return
      } catch (err) {
        // A ledger that cannot record, a store that failed (now or while isolating a refused part), an
        // error not yet known to be the data's: the whole batch is retried, under the same tokens, so
        // its parts that had landed are dropped as duplicates. Nothing is inserted before it is recorded.
        this.metrics.insertErrors.inc()
        if (err instanceof RetryLater) this.log.warn({ err: String(err.cause), token }, 'isolating the refused entries failed; batch retried')
        if (attempt < this.opts.maxRetries) {
          const delay = this.opts.retryBaseMs * 2 ** attempt
          this.log.warn({ err: String(err), attempt: attempt + 1, delay }, 'insert failed; retrying')
          await sleep(delay)
          continue
        }
        const delay = this.opts.redeliverDelayMs ?? this.opts.retryBaseMs * 2 ** attempt
        this.log.error({ err: String(err), entries: entries.length, delay }, 'insert failed after retries; batch returned to the bus')
        this.settle(messages, 'nak', delay)
        // Back off before pulling again so a down store is not hammered.
        await sleep(delay)
        return
      }
    }
  }

  /**
   * Waits for the batch's entries to be labelled (labelled here if they were not: a recovered batch).
   * For an insert of the batch's rows, its pattern ids: by number where the labeler gave them so (the
   * fetches its messages came in, labelled as they came), else from the entries (the miner on the
   * event loop).
   */
  private async labels(batch: Batch): Promise<RowLabels | undefined> {
    const { messages, entries } = batch
    const parts = await Promise.all(
      messages.map(async (m) => {
        const l = this.labelling.get(m)
        return l && { labels: await l.labelled, from: l.from, count: m.entries.length }
      }),
    )
    // Only an insert of the batch's rows takes the ids by number; otherwise the entries carry them.
    const byNumber = batch.rows !== undefined
    const ids = parts[0]?.labels?.ids
    if (byNumber && ids !== undefined && parts.every((p) => p?.labels?.ids === ids)) {
      const which = new Int32Array(entries.length)
      let at = 0
      for (const p of parts as { labels: RowLabels; from: number; count: number }[]) {
        if (at + p.count > which.length) break
        which.set(p.labels.which.subarray(p.from, p.from + p.count), at)
        at += p.count
      }
      if (at === entries.length) return { which, ids }
    }
    if (entries.some((e) => e.pattern_id === undefined)) {
      const l = await (this.patterns as Labeler).label(entries)
      if (l && byNumber) return l
    }
    return byNumber ? labelsOf(entries) : undefined
  }

  /** How often the batch's most delivered message was delivered (counting this delivery). */
  private deliveries(messages: readonly WorkMessage[]): number {
    return Math.max(0, ...messages.map((m) => Math.max(m.deliveries ?? 1, (this.naks.get(m.id) ?? 0) + 1)))
  }

  private settle(messages: readonly WorkMessage[], how: 'ack' | 'nak', delayMs?: number): void {
    for (const m of messages) {
      if (how === 'ack') {
        this.naks.delete(m.id)
        m.ack()
      } else {
        // Bounded: messages taken over by another worker (JetStream) are never acked here.
        if (this.naks.size > 100_000) this.naks.clear()
        this.naks.set(m.id, (this.naks.get(m.id) ?? 0) + 1)
        m.nak(delayMs)
      }
    }
  }

  /** Inserts whatever is pending now (tests use this instead of sleeping for FLUSH_TIMEOUT). */
  async flush(): Promise<void> {
    this.forceFlush = true
    this.queue.wake()
    this.nudge.wake()
    // Wait until the loop has taken and written everything that was pending.
    while (this.forceFlush || this.batcher.size) await sleep(5)
    await this.inflight
  }

  /**
   * Graceful stop: keeps pulling until the queue has nothing ready (memory: everything accepted),
   * writes it, then returns. The caller calls the queue's `stopPulling` first and bounds this with
   * SHUTDOWN_TIMEOUT.
   */
  async stop(): Promise<void> {
    this.stopping = true
    this.queue.wake()
    this.nudge.wake()
    await this.loop
    this.running = false
    await this.inflight
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
