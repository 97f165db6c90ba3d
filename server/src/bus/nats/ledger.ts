/**
 * The batch ledger on JetStream: which stream messages made up each batch a worker inserted, so that
 * `process/` retries a redelivery under the same ClickHouse dedup token.
 *
 * Why: ClickHouse deduplicates a whole inserted block by its token. JetStream redelivers messages one
 * by one (after a worker died, a nak, or a lost ack), and a worker would group them with other
 * messages into a different batch, hence a different token, and a batch that had landed before its
 * ack would be stored twice. So before each insert the worker records `token -> sequences` here (one
 * small JetStream message per batch, on its own stream, provision.ts); a redelivered message whose
 * batch is recorded is re-formed into exactly that batch and inserted under that token (ClickHouse
 * drops it if it had landed). This is the approach of ClickHouse's Kafka Connect sink (record the
 * batch, replay it identically). Message ids are stream sequences here.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream'
import { DeliverPolicy } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { BatchLedger, LedgerBatch } from '../bus.js'
import { isNotFound } from './provision.js'

interface RecordedBatch {
  token: string
  /** Stream sequences of the batch's messages, ascending. */
  seqs: number[]
  min: number
  max: number
  /** When this process learnt of it (ms). */
  at: number
}

/**
 * Records are kept in memory at least this long even when the ack floor passed them: after a hard
 * kill of nats-server the consumer's state (ack floor included) can fall back a little.
 */
const KEEP_MIN_MS = 5 * 60_000 // 5 min
/** No progress of the tail for this long while behind: read the gap directly or restart the tail. */
const TAIL_STALL_MS = 2_000 // 2 s
/** Gaps up to this many records are read by sequence rather than by restarting the tail. */
const DIRECT_READ_MAX = 1_000

export class NatsLedger implements BatchLedger {
  private readonly byToken = new Map<string, RecordedBatch>()
  /** Highest ledger sequence the tail has read. */
  private seen = 0
  private tail: Promise<void> | undefined
  private stopped = false
  private stopTail: (() => void) | undefined
  /** The catch-up the `find` calls of one synchronous run share (recovery asks for many ids at once). */
  private sync: Promise<void> | undefined

  /**
   * `guard` throws when some of the messages must not be recorded now (consumer.ts: delivered
   * before a reconnect, so possibly being handled by another worker).
   */
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly subjectPrefix: string,
    private readonly guard: (ids: readonly string[]) => void,
    private readonly log: Logger,
  ) {}

  /** Resolves once JetStream stored the record. */
  async record(batch: LedgerBatch): Promise<void> {
    this.guard(batch.ids)
    const sorted = batch.ids.map(Number).sort((a, b) => a - b)
    await this.js.publish(`${this.subjectPrefix}.${batch.token}`, encodeRanges(sorted), { timeout: 2_000 })
    this.add(batch.token, sorted)
  }

  /** Reads the ledger up to its end first (every record stored so far, by any worker). */
  async find(id: string): Promise<LedgerBatch | undefined> {
    if (!this.sync) {
      this.sync = this.caughtUp()
      queueMicrotask(() => (this.sync = undefined))
    }
    await this.sync
    const b = this.findSeq(Number(id))
    return b && { token: b.token, ids: b.seqs.map(String) }
  }

  private findSeq(seq: number): RecordedBatch | undefined {
    for (const b of this.byToken.values()) if (seq >= b.min && seq <= b.max && bsearch(b.seqs, seq)) return b
    return undefined
  }

  /** Forgets batches whose messages are all at or below the consumer's ack floor (all acked). */
  prune(ackFloor: number): void {
    const old = Date.now() - KEEP_MIN_MS
    for (const [token, b] of this.byToken) if (b.max <= ackFloor && b.at < old) this.byToken.delete(token)
  }

  /**
   * Resolves once every record stored so far has been read (by any worker, also before this process
   * started). The tail starts on first use: a worker that never sees a redelivery never reads it.
   */
  private async caughtUp(timeoutMs = 15_000): Promise<void> {
    this.tail ??= this.runTail()
    const info = await this.jsm.streams.info(this.stream)
    const target = info.state.messages > 0 ? info.state.last_seq : 0
    const end = Date.now() + timeoutMs
    let lastSeen = this.seen
    let lastProgress = Date.now()
    while (this.seen < target) {
      if (Date.now() > end) throw new Error(`batch ledger not read up to ${target} (at ${this.seen}) within ${timeoutMs} ms`)
      if (this.seen !== lastSeen) {
        lastSeen = this.seen
        lastProgress = Date.now()
      } else if (Date.now() - lastProgress > TAIL_STALL_MS) {
        // The tail's consumer can stall for good after the stream's leader is lost (seen with a
        // three-server cluster): read a small gap directly by sequence, restart the tail for a big one.
        if (target - this.seen <= DIRECT_READ_MAX) {
          await this.readDirect(this.seen + 1, target)
        } else {
          this.log.warn({ seen: this.seen, target }, 'batch ledger tail stalled; restarting it')
          this.stopTail?.()
        }
        lastProgress = Date.now()
        continue
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Reads ledger records `from..to` one by one (a record replaced by a newer one is gone: skipped). */
  private async readDirect(from: number, to: number): Promise<void> {
    for (let seq = from; seq <= to; seq++) {
      try {
        const m = await this.jsm.streams.getMessage(this.stream, { seq })
        if (m) this.add(m.subject.slice(this.subjectPrefix.length + 1), decodeRanges(m.string()))
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
      this.seen = Math.max(this.seen, seq)
    }
  }

  private async runTail(): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.js.consumers.get(this.stream, { deliver_policy: DeliverPolicy.All })
        const messages = await consumer.consume()
        this.stopTail = () => void messages.stop()
        for await (const m of messages) {
          const token = m.subject.slice(this.subjectPrefix.length + 1)
          this.add(token, decodeRanges(m.string()))
          this.seen = Math.max(this.seen, m.seq)
          if (this.stopped) break
        }
      } catch (err) {
        if (this.stopped) return
        this.log.warn({ err: String(err) }, 'batch ledger tail failed; restarting')
        await new Promise((r) => setTimeout(r, 1_000))
      }
    }
  }

  private add(token: string, seqs: number[]): void {
    if (seqs.length === 0) return
    this.byToken.delete(token)
    this.byToken.set(token, { token, seqs, min: seqs[0] as number, max: seqs[seqs.length - 1] as number, at: Date.now() })
  }

  stop(): void {
    this.stopped = true
    this.stopTail?.()
  }
}

function bsearch(sorted: number[], x: number): boolean {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const v = sorted[mid] as number
    if (v === x) return true
    if (v < x) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

/** `[1,2,3,7,9,10]` -> `1-3,7,9-10` (a batch's sequences are mostly runs). */
export function encodeRanges(sorted: number[]): string {
  const parts: string[] = []
  for (let i = 0; i < sorted.length;) {
    const start = sorted[i] as number
    let end = start
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) end = sorted[++i] as number
    parts.push(start === end ? String(start) : `${start}-${end}`)
    i++
  }
  return parts.join(',')
}

export function decodeRanges(s: string): number[] {
  const out: number[] = []
  for (const part of s.split(',')) {
    if (!part) continue
    const [a, b] = part.split('-').map(Number)
    if (a === undefined || !Number.isFinite(a)) continue
    for (let x = a; x <= (b ?? a); x++) out.push(x)
  }
  return out
}
