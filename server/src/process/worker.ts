/**
 * The process role: pulls messages from the bus, accumulates up to BATCH_SIZE entries or
 * FLUSH_TIMEOUT, inserts them as one block, and acks the messages only after the insert.
 * On store errors it retries with exponential backoff (MAX_RETRIES), then hands the messages back
 * to the bus with a delay — it never drops what was accepted.
 */
import type { Logger } from 'pino'
import type { Bus, BusMessage } from '../bus/bus.js'
import type { Metrics } from '../http/metrics.js'
import type { Entry } from '../model/index.js'
import type { Store } from '../store/index.js'
import { createHash } from 'node:crypto'

export interface WorkerOptions {
  batchSize: number
  flushTimeoutMs: number
  maxRetries: number
  retryBaseMs: number
  /** Delay before a batch that exhausted its retries is offered again. */
  redeliverDelayMs?: number
}

export class Worker {
  private running = false
  private loop: Promise<void> | undefined
  private pending: BusMessage[] = []
  private pendingEntries = 0
  private firstAt = 0
  private forceFlush = false
  private stopping = false
  /** The insert in progress (tests and shutdown wait on it). */
  private inflight: Promise<void> = Promise.resolve()

  constructor(
    private readonly bus: Bus,
    private readonly store: Store,
    private readonly opts: WorkerOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  private async run(): Promise<void> {
    while (this.running) {
      const wait = this.pending.length ? Math.max(0, this.firstAt + this.opts.flushTimeoutMs - Date.now()) : 500
      let msgs: BusMessage[] = []
      try {
        // Never pull more than the batch has room for (a message holds at least one entry), so a
        // backlog is written in BATCH_SIZE blocks rather than one huge insert.
        const room = Math.max(1, Math.min(256, this.opts.batchSize - this.pendingEntries))
        msgs = await this.bus.fetch(room, this.stopping ? 0 : Math.min(wait, 500))
      } catch (err) {
        this.log.warn({ err }, 'bus fetch failed; retrying')
        await sleep(500)
      }
      for (const m of msgs) {
        // A recovered batch goes in alone under its recorded token (see BusMessage.batchToken).
        if (m.batchToken) {
          const p = this.writeBatch([m])
          this.inflight = p
          await p
          continue
        }
        if (this.pending.length === 0) this.firstAt = Date.now()
        this.pending.push(m)
        this.pendingEntries += m.entries.length
      }
      const due =
        this.pending.length > 0 &&
        (this.pendingEntries >= this.opts.batchSize || Date.now() - this.firstAt >= this.opts.flushTimeoutMs || this.forceFlush || this.stopping)
      if (due) await this.flushPending()
      else if (this.forceFlush && this.pending.length === 0) this.forceFlush = false // nothing to force
      else if (this.stopping && msgs.length === 0 && this.pending.length === 0) break
      this.updateDepth()
    }
  }

  private updateDepth(): void {
    const n = this.bus.pending()
    if (n !== undefined) this.metrics.queueDepth.set(n)
  }

  private async flushPending(): Promise<void> {
    this.forceFlush = false
    const messages = this.pending
    this.pending = []
    this.pendingEntries = 0
    const p = this.writeBatch(messages)
    this.inflight = p
    await p
  }

  /** Inserts the entries of `messages` as one block; acks them after, or naks them for later. */
  private async writeBatch(messages: BusMessage[]): Promise<void> {
    const entries: Entry[] = []
    for (const m of messages) for (const e of m.entries) entries.push(e)
    // The same set of messages always yields the same token, so a retry after a timeout whose
    // insert did land is deduplicated by ClickHouse.
    const token =
      messages.length === 1 && messages[0]?.batchToken
        ? messages[0].batchToken
        : createHash('sha256')
            .update(messages.map((m) => m.id).join(','))
            .digest('hex')
            .slice(0, 32)
    let recorded = !this.bus.beforeInsert || (messages.length === 1 && messages[0]?.batchToken !== undefined)
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now()
      try {
        messages.forEach((m) => m.working())
        // JetStream may regroup redelivered messages; the bus records this batch first so a
        // redelivery is retried under the same token (bus.ts, beforeInsert).
        if (!recorded) {
          await this.bus.beforeInsert?.(messages, token)
          recorded = true
        }
        await this.store.insert(entries, token)
        this.metrics.insertLatency.observe((performance.now() - t0) / 1000)
        this.metrics.batchSize.observe(entries.length)
        this.metrics.stored.inc(entries.length)
        await Promise.all(messages.map((m) => m.ack()))
        return
      } catch (err) {
        this.metrics.insertErrors.inc()
        if (attempt >= this.opts.maxRetries) {
          const delay = this.opts.redeliverDelayMs ?? this.opts.retryBaseMs * 2 ** attempt
          this.log.error({ err: String(err), entries: entries.length, delay }, 'insert failed after retries; batch returned to the bus')
          messages.forEach((m) => m.nak(delay))
          // Back off before pulling again so a down store is not hammered.
          await sleep(delay)
          return
        }
        const delay = this.opts.retryBaseMs * 2 ** attempt
        this.log.warn({ err: String(err), attempt: attempt + 1, delay }, 'insert failed; retrying')
        await sleep(delay)
      }
    }
  }

  /** Inserts whatever is pending now (tests use this instead of sleeping for FLUSH_TIMEOUT). */
  async flush(): Promise<void> {
    this.forceFlush = true
    this.bus.wake?.()
    // Wait until the loop has taken and written everything that was pending.
    while (this.forceFlush || this.pending.length) await sleep(5)
    await this.inflight
  }

  /**
   * Graceful stop: keeps pulling until the bus has nothing ready (memory bus: everything accepted),
   * writes it, then returns. The caller bounds this with SHUTDOWN_TIMEOUT.
   */
  async stop(): Promise<void> {
    this.stopping = true
    this.bus.wake?.()
    await this.loop
    this.running = false
    await this.inflight
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
