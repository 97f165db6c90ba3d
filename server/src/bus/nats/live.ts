/**
 * The live feed on NATS: a core subscription to the log subject, so every published message reaches
 * live tail best effort, independent of the work queue (and of its acks).
 */
import type { Subscription } from '@nats-io/transport-node'
import type { Entry } from '../../model/index.js'
import type { LiveFeed } from '../bus.js'
import type { Connection } from './connection.js'
import { decode } from './codec.js'

export class NatsLiveFeed implements LiveFeed {
  private sub: Subscription | undefined
  private readonly listeners = new Set<(entries: Entry[]) => void>()

  constructor(
    private readonly conn: Connection,
    private readonly subject: string,
  ) {}

  /** Subscribes on the first listener and unsubscribes after the last one. */
  subscribe(listener: (entries: Entry[]) => void): () => void {
    this.listeners.add(listener)
    this.sub ??= this.conn.nc.subscribe(this.subject, {
      callback: (err, msg) => {
        if (err) return
        const entries = decode(msg.data)
        if (entries) for (const l of this.listeners) l(entries)
      },
    })
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0) {
        this.sub?.unsubscribe()
        this.sub = undefined
      }
    }
  }
}
