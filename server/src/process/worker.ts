/**
 * The process role: takes messages from the work queue, sorts out redelivered batches (recovery.ts),
 * accumulates the rest up to BATCH_SIZE entries or FLUSH_TIMEOUT (batcher.ts), records each batch in
 * the ledger, inserts it as one block under its token, and acks the messages only after the insert.
 * On store errors it retries with exponential backoff (MAX_RETRIES), then hands the messages back to
 * the queue with a delay — it never drops what was accepted.
 */
import type { Logger } from 'pino'
import type { WorkMessage, WorkQueue } from '../bus/index.js'
import type { Entry } from '../model/index.js'
import { Batcher, type Batch } from './batcher.js'
import { classifyInsertError } from './failure.js'
import type { ProcessMetrics } from './metrics.js'
import { sortOut } from './recovery.js'

export interface WorkerOptions {
  batchSize: number
  flushTimeoutMs: number
  maxRetries: number
  retryBaseMs: number
  /** Delay before a batch that exhausted its retries is offered again. */
  redeliverDelayMs?: number
}

/** Where batches go: the store must drop a second insert under the same token. */
export interface BatchSink {
  insert(entries: Entry[], dedupToken: string): Promise<void>
}

export class Worker {
  private running = false
  private loop: Promise<void> | undefined
  private readonly batcher: Batcher
  private forceFlush = false
  private stopping = false
  /** The insert in progress (tests and shutdown wait on it). */
  private inflight: Promise<void> = Promise.resolve()

  constructor(
    private readonly queue: WorkQueue,
    private readonly store: BatchSink,
    private readonly opts: WorkerOptions,
    private readonly metrics: ProcessMetrics,
    private readonly log: Logger,
  ) {
    this.batcher = new Batcher(opts.batchSize, opts.flushTimeoutMs)
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  private async run(): Promise<void> {
    while (this.running) {
      let msgs: WorkMessage[] = []
      try {
        msgs = await this.queue.fetch(this.batcher.room(), this.stopping ? 0 : Math.min(this.batcher.waitMs(), 500))
      } catch (err) {
        this.log.warn({ err }, 'bus fetch failed; retrying')
        await sleep(500)
      }
      const { fresh, recovered } = await sortOut(this.queue, msgs, this.log)
      // A recovered batch goes in alone under its recorded token.
      for (const b of recovered) await this.write(b)
      for (const m of fresh) this.batcher.add(m)
      if (this.batcher.due(this.forceFlush || this.stopping)) {
        this.forceFlush = false
        await this.write(this.batcher.take())
      } else if (this.forceFlush && this.batcher.size === 0) this.forceFlush = false // nothing to force
      else if (this.stopping && msgs.length === 0 && this.batcher.size === 0) break
      this.updateDepth()
    }
  }

  private updateDepth(): void {
    const n = this.queue.pending()
    if (n !== undefined) this.metrics.queueDepth.set(n)
  }

  private write(batch: Batch): Promise<void> {
    const p = this.insert(batch)
    this.inflight = p
    return p
  }

  /** Records `batch` in the ledger, inserts it, then acks its messages; or naks them for later. */
  private async insert(batch: Batch): Promise<void> {
    const { token, entries, messages } = batch
    let recorded = batch.recorded
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now()
      try {
        messages.forEach((m) => m.working())
        // Before the insert, so that a redelivery is re-formed into this batch under this token.
        if (!recorded) {
          await this.queue.ledger.record({ token, ids: batch.ids })
          recorded = true
        }
        await this.store.insert(entries, token)
        this.metrics.insertLatency.observe((performance.now() - t0) / 1000)
        this.metrics.batchSize.observe(entries.length)
        this.metrics.stored.inc(entries.length)
        messages.forEach((m) => m.ack())
        return
      } catch (err) {
        this.metrics.insertErrors.inc()
        // The dead-letter seam: a deterministic failure will go to dead letters; today all are retryable.
        const failure = classifyInsertError(err)
        if (failure === 'retryable' && attempt < this.opts.maxRetries) {
          const delay = this.opts.retryBaseMs * 2 ** attempt
          this.log.warn({ err: String(err), attempt: attempt + 1, delay }, 'insert failed; retrying')
          await sleep(delay)
          continue
        }
        const delay = this.opts.redeliverDelayMs ?? this.opts.retryBaseMs * 2 ** attempt
        this.log.error({ err: String(err), entries: entries.length, delay }, 'insert failed after retries; batch returned to the bus')
        messages.forEach((m) => m.nak(delay))
        // Back off before pulling again so a down store is not hammered.
        await sleep(delay)
        return
      }
    }
  }

  /** Inserts whatever is pending now (tests use this instead of sleeping for FLUSH_TIMEOUT). */
  async flush(): Promise<void> {
    this.forceFlush = true
    this.queue.wake()
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
    await this.loop
    this.running = false
    await this.inflight
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
