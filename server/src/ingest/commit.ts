/**
 * Group commit: the entries of concurrent requests are gathered for at most `delayMs` (or until
 * `maxEntries`) and handed to the bus as one message; every waiting request is answered when the
 * bus has them. JetStream acks one message at a time, so this is what makes 202-after-ack fast.
 */
import type { Publisher } from '../bus/index.js'
import type { Entry } from '../model/index.js'

interface Waiter {
  resolve: () => void
  reject: (err: unknown) => void
}

export class GroupCommit {
  private entries: Entry[] = []
  private waiters: Waiter[] = []
  private timer: NodeJS.Timeout | undefined
  private scheduled = false

  constructor(
    private readonly bus: Publisher,
    private readonly delayMs: number,
    private readonly maxEntries: number,
    private readonly onCommit: (n: number) => void = () => {},
  ) {}

  /** Resolves once the bus holds `entries`; rejects (nothing taken) when the bus refuses them. */
  add(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve()
    // A large batch on its own is already a good bus message.
    if (entries.length >= this.maxEntries) return this.commit(entries)
    return new Promise<void>((resolve, reject) => {
      for (const e of entries) this.entries.push(e)
      this.waiters.push({ resolve, reject })
      if (this.entries.length >= this.maxEntries) this.flush()
      else this.schedule()
    })
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    if (this.delayMs <= 0) setImmediate(() => this.flush())
    else this.timer = setTimeout(() => this.flush(), this.delayMs)
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.scheduled = false
    if (this.waiters.length === 0) return
    const entries = this.entries
    const waiters = this.waiters
    this.entries = []
    this.waiters = []
    this.commit(entries).then(
      () => waiters.forEach((w) => w.resolve()),
      (err) => waiters.forEach((w) => w.reject(err)),
    )
  }

  private async commit(entries: Entry[]): Promise<void> {
    await this.bus.publish(entries)
    this.onCommit(entries.length)
  }
}
