/**
 * The connection to NATS and its status: connects (waiting for a first connection as long as it
 * takes), reconnects for ever with backoff, and tells the other parts about disconnects (`epoch`)
 * and reconnects (`onReconnect`).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { Logger } from 'pino'
import type { BusStatus } from '../bus.js'

export interface ConnectionOptions {
  /** Comma-separated server URLs (NATS_URL). */
  servers: string
  /** Shown by the server's monitoring (`connz`). */
  name: string
}

export class Connection {
  private current: BusStatus = 'CONNECTED'
  private closing = false
  /** Counts disconnects: a message delivered before one may meanwhile be redelivered elsewhere. */
  private disconnects = 0
  private readonly reconnectHandlers: (() => void)[] = []

  private constructor(
    readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {}

  static async open(opts: ConnectionOptions, log: Logger): Promise<Connection> {
    const servers = opts.servers.split(',').map((s) => s.trim())
    let attempts = 0
    log.info({ servers }, 'connecting to NATS')
    const nc = await connect({
      servers,
      name: opts.name,
      maxReconnectAttempts: -1, // for ever: a NATS restart must not need ours
      waitOnFirstConnect: true,
      // Exponential backoff, 100 ms doubling to 2 s, plus jitter; reset on each connect.
      reconnectDelayHandler: () => Math.min(100 * 2 ** attempts++, 2_000) + Math.random() * 100,
      pingInterval: 5_000,
      maxPingOut: 2,
    })
    const c = new Connection(nc, log)
    c.onReconnect(() => (attempts = 0))
    c.watch()
    return c
  }

  /** Disconnects so far; compare two readings to know whether one happened in between. */
  get epoch(): number {
    return this.disconnects
  }

  /** The connection's own state (CLOSED only once the socket is closed). */
  get state(): BusStatus {
    return this.current
  }

  /** As health reports it: CLOSED from the moment we started closing. */
  status(): BusStatus {
    return this.closing && this.current === 'CONNECTED' ? 'CLOSED' : this.current
  }

  /** Called (in registration order) each time the connection is back after a disconnect. */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler)
  }

  private watch(): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') {
          this.current = 'DISCONNECTED'
          this.disconnects++
          this.log.warn({ server: s.server }, 'NATS disconnected; publishes answer 503 until it is back')
        } else if (s.type === 'reconnecting') {
          this.current = 'RECONNECTING'
        } else if (s.type === 'reconnect') {
          this.current = 'CONNECTED'
          this.log.info({ server: s.server }, 'NATS reconnected')
          this.reconnectHandlers.forEach((h) => h())
        }
      }
    })()
    void this.nc.closed().then(() => {
      this.current = 'CLOSED'
    })
  }

  /** Marks the connection as closing (status CLOSED) before the parts shut down. */
  markClosing(): void {
    this.closing = true
  }

  /** Flushes what is in flight (acks included), then closes the socket. */
  async close(): Promise<void> {
    this.closing = true
    await this.nc.drain().catch(() => this.nc.close())
  }
}
