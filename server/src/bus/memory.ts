import type { Entry } from '../model/index.js'
import { BusFullError, BusUnavailableError, type Bus, type BusMessage, type BusStatus } from './bus.js'

/**
 * The embedded bus: an in-process queue between ingest and the process role, bounded by
 * `maxEntries` so that a store outage turns into 429s rather than unbounded memory. A nak'ed message
 * goes back to the front of the queue after its delay.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory'
  private queue: MemoryMessage[] = []
  private queued = 0 // entries in queue + in flight
  private seq = 0
  private closed = false
  private waiters: (() => void)[] = []
  private listeners = new Set<(entries: Entry[]) => void>()

  constructor(private readonly maxEntries: number) {}

  async publish(entries: Entry[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus closed')
    if (this.queued + entries.length > this.maxEntries && this.queued > 0) throw new BusFullError(this.queued)
    this.queued += entries.length
    this.push(new MemoryMessage(this, String(++this.seq), entries))
    for (const l of this.listeners) l(entries)
  }

  private push(m: MemoryMessage, front = false): void {
    if (front) this.queue.unshift(m)
    else this.queue.push(m)
    const w = this.waiters
    this.waiters = []
    w.forEach((wake) => wake())
  }

  async fetch(max: number, expiresMs: number): Promise<BusMessage[]> {
    if (this.queue.length === 0 && expiresMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, expiresMs)
        function done() {
          clearTimeout(timer)
          resolve()
        }
        this.waiters.push(done)
      })
    }
    return this.queue.splice(0, max)
  }

  /** Wakes a waiting `fetch` (shutdown, force flush). */
  wake(): void {
    const w = this.waiters
    this.waiters = []
    w.forEach((wake) => wake())
  }

  onLive(listener: (entries: Entry[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  status(): BusStatus {
    return this.closed ? 'CLOSED' : 'EMBEDDED'
  }

  pending(): number {
    return this.queued
  }

  async close(): Promise<void> {
    this.closed = true
    this.wake()
  }

  /** @internal */
  settle(m: MemoryMessage, ok: boolean, delayMs: number): void {
    if (ok) {
      this.queued -= m.entries.length
      return
    }
    const again = new MemoryMessage(this, m.id, m.entries, true)
    if (delayMs > 0) setTimeout(() => this.push(again, true), delayMs).unref()
    else this.push(again, true)
  }
}

class MemoryMessage implements BusMessage {
  private done = false
  constructor(
    private readonly bus: MemoryBus,
    readonly id: string,
    readonly entries: Entry[],
    readonly redelivered = false,
  ) {}
  async ack(): Promise<void> {
    if (this.done) return
    this.done = true
    this.bus.settle(this, true, 0)
  }
  nak(delayMs = 0): void {
    if (this.done) return
    this.done = true
    this.bus.settle(this, false, delayMs)
  }
  working(): void {}
}
