/**
 * Group commit: the entries of concurrent requests are gathered for at most `delayMs` (or until
 * `maxEntries`, or the group's byte bound) and handed to the bus as one message; every waiting request
 * is answered when the bus has them. JetStream acks one message at a time, so this is what makes
 * 202-after-ack fast.
 *
 * A group never mixes a request into a message that could be split: it stays below the bus's message
 * size (half of it, in `entryJsonBytes` estimates: multi-byte text encodes larger than it counts), and a
 * group the bus still finds too large is published again one request at a time. A request that is
 * large on its own goes alone, with its key, so that the bus can split it without a retry duplicating.
 */
import { EntryTooLargeError, MessageTooLargeError, type Publisher } from '../bus/index.js'
import { entriesJsonBytes, type Entry } from '../model/index.js'

/** The group's byte bound when the bus has no message limit of its own (the in-process queue). */
export const DEFAULT_COMMIT_MAX_BYTES = 1024 * 1024 // 1 MiB

interface Pending {
  entries: Entry[]
  key: string | undefined
  resolve: () => void
  reject: (err: unknown) => void
}

export class GroupCommit {
  private pending: Pending[] = []
  private count = 0
  private bytes = 0
  private timer: NodeJS.Timeout | undefined
  private scheduled = false

  constructor(
    private readonly bus: Publisher,
    private readonly delayMs: number,
    private readonly maxEntries: number,
    private readonly onCommit: (n: number) => void = () => {},
    private readonly maxBytes = DEFAULT_COMMIT_MAX_BYTES,
  ) {}

  /** Bytes (estimated) a group may hold: `maxBytes`, and half of the bus's message limit. */
  groupBytes(): number {
    const limit = this.bus.maxMessageBytes?.()
    return limit === undefined ? this.maxBytes : Math.min(this.maxBytes, Math.floor(limit / 2))
  }

  /**
   * Resolves once the bus holds `entries`; rejects (nothing taken) when the bus refuses them. `key`
   * identifies the request (see `PublishRequest`), for when it has to go alone.
   */
  add(entries: Entry[], key?: string): Promise<void> {
    if (entries.length === 0) return Promise.resolve()
    const bytes = entriesJsonBytes(entries)
    const max = this.groupBytes()
    // A large request on its own is already a good bus message (or several).
    if (entries.length >= this.maxEntries || bytes >= max) return this.commit(entries, key)
    if (this.count + entries.length > this.maxEntries || this.bytes + bytes > max) this.flush()
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ entries, key, resolve, reject })
      this.count += entries.length
      this.bytes += bytes
      if (this.count >= this.maxEntries) this.flush()
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
    if (this.pending.length === 0) return
    const group = this.pending
    this.pending = []
    this.count = 0
    this.bytes = 0
    if (group.length === 1) {
      const [p] = group as [Pending]
      this.commit(p.entries, p.key).then(p.resolve, p.reject)
      return
    }
    const entries = group.flatMap((p) => p.entries)
    this.publish(entries, undefined).then(
      () => group.forEach((p) => p.resolve()),
      (err) => {
        if (!(err instanceof MessageTooLargeError || err instanceof EntryTooLargeError)) return group.forEach((p) => p.reject(err))
        // Larger than the estimate said (escapes, multi-byte text): nothing was taken; one request at a time.
        for (const p of group) this.commit(p.entries, p.key).then(p.resolve, p.reject)
      },
    )
  }

  /** One request alone: the bus may split it (see `PublishRequest`). */
  private commit(entries: Entry[], key: string | undefined): Promise<void> {
    return this.publish(entries, { key })
  }

  private async publish(entries: Entry[], request: { key: string | undefined } | undefined): Promise<void> {
    await this.bus.publish(entries, request)
    this.onCommit(entries.length)
  }
}
