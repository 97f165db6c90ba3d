/**
 * Ingest's publisher on JetStream: each group-commit message goes as a JSON array with a Nats-Msg-Id
 * and resolves only on the stream's ack (then the 202 goes out). A retry of one publish reuses its id,
 * so the stream stores it once. While NATS is unreachable a publish fails at once (503, nothing taken).
 * A body larger than the server's max_payload is split into several messages.
 */
import { nuid } from '@nats-io/transport-node'
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream'
import type { Entry } from '../../model/index.js'
import { BusFullError, BusUnavailableError, type BusStatus, type Publisher } from '../bus.js'
import type { Connection } from './connection.js'

/** One publish attempt waits this long for the stream's ack... */
export const PUBLISH_TIMEOUT_MS = 2_000
/** ...and a publish is retried (same Nats-Msg-Id) until this deadline, then answered with 503. */
const PUBLISH_DEADLINE_MS = 5_000
/** Payload room kept for headers (Nats-Msg-Id) below the server's max_payload. */
const HEADER_ROOM = 1_024

export class NatsPublisher implements Publisher {
  private closed = false
  private readonly instance = nuid.next()
  private published = 0
  /** Entries per message, a running average (to estimate the backlog for a 429). */
  private avgEntries = 1

  constructor(
    private readonly conn: Connection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly subject: string,
  ) {}

  async publish(entries: Entry[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus closed')
    const chunks: Uint8Array[] = []
    this.encode(entries, chunks)
    this.avgEntries = this.avgEntries * 0.99 + (entries.length / chunks.length) * 0.01
    // Each chunk is stored once, but a 503 midway may leave the first ones stored (the client's
    // retry then repeats them).
    for (const data of chunks) await this.publishOne(data)
  }

  private encode(entries: Entry[], out: Uint8Array[]): void {
    const data = Buffer.from(JSON.stringify(entries))
    const max = (this.conn.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM
    if (data.length <= max || entries.length <= 1) {
      out.push(data)
      return
    }
    const mid = entries.length >> 1
    this.encode(entries.slice(0, mid), out)
    this.encode(entries.slice(mid), out)
  }

  private async publishOne(data: Uint8Array): Promise<void> {
    const msgID = `${this.instance}.${++this.published}`
    const deadline = Date.now() + PUBLISH_DEADLINE_MS
    for (let attempt = 0; ; attempt++) {
      const state = this.conn.state
      if (state !== 'CONNECTED') throw new BusUnavailableError(`NATS is ${state.toLowerCase()}`)
      try {
        // A duplicate ack means an earlier attempt with this id was stored: that is success.
        await this.js.publish(this.subject, data, { msgID, timeout: PUBLISH_TIMEOUT_MS })
        return
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err)
        if (/maximum (bytes|messages)|insufficient (storage )?resources|resource limits/i.test(why))
          throw new BusFullError(await this.waiting())
        // No responders / timeout: e.g. a stream leader election in a cluster. Retry with the same id.
        if (Date.now() + 100 >= deadline) throw new BusUnavailableError(`JetStream did not store the message: ${why}`)
        await sleep(Math.min(100 * 2 ** attempt, 1_000))
      }
    }
  }

  /** Entries waiting in the stream, estimated from its message count (for the 429 message). */
  private async waiting(): Promise<number> {
    const info = await this.jsm.streams.info(this.stream).catch(() => undefined)
    return info ? Math.round(info.state.messages * this.avgEntries) : 0
  }

  status(): BusStatus {
    return this.conn.status()
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
