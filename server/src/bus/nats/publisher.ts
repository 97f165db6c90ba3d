/**
 * Ingest's publisher on JetStream: each group-commit message goes as a JSON array with a Nats-Msg-Id
 * and resolves only on the stream's ack (then the 202 goes out). A retry of one publish reuses its id,
 * so the stream stores it once. While NATS is unreachable a publish fails at once (503, nothing taken).
 *
 * A message holds at most the server's max_payload (learnt at connect): a group larger than that is
 * refused before anything is published (group commit then publishes its requests one by one), an
 * entry larger than that is a 413, and one request larger than that is split into parts whose retry
 * cannot duplicate (requests.ts).
 */
import { nuid } from '@nats-io/transport-node'
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream'
import type { Entry } from '../../model/index.js'
import {
  BusFullError,
  BusUnavailableError,
  EntryTooLargeError,
  MessageTooLargeError,
  type BusStatus,
  type PublishRequest,
  type Publisher,
} from '../bus.js'
import type { Connection } from './connection.js'
import type { RequestRecords } from './requests.js'

/** One publish attempt waits this long for the stream's ack... */
export const PUBLISH_TIMEOUT_MS = 2_000
/** ...and a publish is retried (same Nats-Msg-Id) until this deadline, then answered with 503. */
const PUBLISH_DEADLINE_MS = 5_000
/** Payload room kept for headers (Nats-Msg-Id) below the server's max_payload. */
const HEADER_ROOM = 1_024
/** NATS's default max_payload, until the server told us its own. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024

/** One message of a request: its JSON and the range of the request's entries it holds. */
interface Part {
  data: Uint8Array
  from: number
  to: number
}

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
    private readonly records: RequestRecords,
  ) {}

  /** Bytes of JSON one message holds: the server's max_payload less room for the headers. */
  maxMessageBytes(): number {
    return (this.conn.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ROOM
  }

  async publish(entries: Entry[], request?: PublishRequest): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus closed')
    const max = this.maxMessageBytes()
    const whole = Buffer.from(JSON.stringify(entries))
    if (whole.length <= max) {
      this.avgEntries = this.avgEntries * 0.99 + entries.length * 0.01
      return this.publishOne(whole, `${this.instance}.${++this.published}`)
    }
    // Every part is encoded (and every entry checked) before the first is published.
    const parts = split(entries, max)
    if (!request) throw new MessageTooLargeError(`${whole.length} bytes of entries do not fit one message of ${max} bytes`)
    this.avgEntries = this.avgEntries * 0.99 + (entries.length / parts.length) * 0.01
    if (request.key === undefined) {
      // No identity (syslog): nothing can tell a retry, so the parts get fresh ids.
      const nonce = `${this.instance}.${++this.published}`
      for (const p of parts) await this.publishOne(p.data, `${nonce}.${p.from}-${p.to}`)
      return
    }
    const attempt = await this.records.begin(request.key)
    // A retry resumes after what the failed attempt stored (splitting the rest afresh, in case
    // max_payload changed meanwhile).
    const todo = attempt.from === 0 ? parts : split(entries.slice(attempt.from), max, attempt.from)
    try {
      for (const p of todo) {
        if (Date.now() >= attempt.until()) throw new BusUnavailableError('the request took longer than its lease to store; retry')
        await this.publishOne(p.data, `${attempt.nonce}.${p.from}-${p.to}`, attempt.until())
        await attempt.progress(p.to + 1)
      }
    } catch (err) {
      await attempt.failed()
      throw err
    }
    await attempt.done()
  }

  /** Publishes one message under `msgID`, retrying until its deadline (and `until`, a request's lease). */
  private async publishOne(data: Uint8Array, msgID: string, until = Infinity): Promise<void> {
    const deadline = Math.min(Date.now() + PUBLISH_DEADLINE_MS, until)
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

/**
 * Packs the entries in order into parts of at most `max` bytes of JSON; `from`/`to` count from
 * `offset`. Deterministic for entries of the same encoded sizes (receive-time timestamps have a
 * fixed width), so a retry's parts carry the same ids.
 */
function split(entries: Entry[], max: number, offset = 0): Part[] {
  const parts: Part[] = []
  let buf: Buffer[] = []
  let size = 1 // '['
  let from = offset
  const close = (to: number) => {
    parts.push({ data: Buffer.concat([Buffer.from('['), ...buf.flatMap((b, i) => (i ? [COMMA, b] : [b])), Buffer.from(']')]), from, to: offset + to })
    buf = []
    size = 1
  }
  entries.forEach((e, i) => {
    const b = Buffer.from(JSON.stringify(e))
    if (b.length + 2 > max) throw new EntryTooLargeError(b.length, max - 2)
    if (buf.length > 0 && size + 1 + b.length + 1 > max) {
      close(i - 1)
      from = offset + i
    }
    size += (buf.length ? 1 : 0) + b.length
    buf.push(b)
  })
  if (buf.length) close(entries.length - 1)
  return parts
}
const COMMA = Buffer.from(',')

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
