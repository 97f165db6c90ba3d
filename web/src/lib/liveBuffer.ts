/**
 * Live tail bookkeeping: a bounded buffer (oldest entries fall off) and an arrival-rate meter
 * over a sliding window.
 */

export class BoundedBuffer<T> {
  private items: T[] = []
  /** Entries dropped off the front since the start, so that indices can be kept stable. */
  dropped = 0

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new Error('capacity must be positive')
  }

  push(batch: readonly T[]): void {
    if (!batch.length) return
    this.items.push(...(batch.length > this.capacity ? batch.slice(batch.length - this.capacity) : batch))
    const over = this.items.length - this.capacity
    if (batch.length > this.capacity) this.dropped += batch.length - this.capacity
    if (over > 0) {
      this.items.splice(0, over)
      this.dropped += over
    }
  }

  clear(): void {
    this.dropped += this.items.length
    this.items = []
  }

  get length(): number {
    return this.items.length
  }

  /** The current contents, oldest first (a read-only view; do not mutate). */
  view(): readonly T[] {
    return this.items
  }
}

/** Counts arrivals per second over the last `windowMs`. */
export class RateMeter {
  private samples: { t: number; n: number }[] = []

  constructor(private readonly windowMs = 5_000) {}

  add(n: number, now: number): void {
    if (n > 0) this.samples.push({ t: now, n })
    this.trim(now)
  }

  /** Entries per second over the window ending at `now`. */
  rate(now: number): number {
    this.trim(now)
    let sum = 0
    for (const s of this.samples) sum += s.n
    return sum / (this.windowMs / 1000)
  }

  reset(): void {
    this.samples = []
  }

  private trim(now: number): void {
    const cut = now - this.windowMs
    let i = 0
    while (i < this.samples.length && (this.samples[i] as { t: number }).t <= cut) i++
    if (i) this.samples.splice(0, i)
  }
}
