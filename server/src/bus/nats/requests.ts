/**
 * A request split over several messages (larger than NATS max_payload), stored so that the client's
 * retry cannot duplicate it.
 *
 * nats-server 2.9 has no atomic batch publish. Staging the parts and committing a reference instead
 * would make the work queue assemble messages from a second stream and clean up after abandoned
 * requests; we chose to keep one message = its entries, and make a retry harmless: the parts'
 * Nats-Msg-Ids are `<nonce>.<first entry>-<last entry>`, and a retry of a request whose earlier
 * attempt did not finish reuses that attempt's nonce, so JetStream drops the parts it already stored
 * (within NATS_DUPLICATE_WINDOW). Entries stamped at receive time differ between attempts; the
 * stored copy of each part is the first attempt's.
 *
 * The nonce lives in a record per request key (`<stream>_REQUESTS`, one per subject, created with
 * a compare-and-set) from before the first part until the last part is stored, then purged. So:
 * - a retry after a failed attempt finds the record and reuses its nonce;
 * - a byte-identical request sent after a success finds none: new nonce, stored again (it is a new
 *   request, e.g. receive-time timestamps);
 * - one sent while another attempt holds the record (its lease, `until`, not run out) cannot be told
 *   from a retry: 503, retry later. An attempt never publishes past its lease, and a failed one
 *   releases it at once (`until: 0`) when NATS lets it.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream'
import { nuid } from '@nats-io/transport-node'
import { BusUnavailableError } from '../bus.js'

interface Record {
  nonce: string
  /** Epoch ms the attempt holding the record publishes until; 0 once it failed. */
  until: number
}

export interface Attempt {
  readonly nonce: string
  /** Epoch ms after which this attempt must not publish another part. */
  readonly until: number
  /** All parts stored: frees the key (a later identical request is a new one). */
  done(): Promise<void>
  /** A part failed: the next attempt (the client's retry) may take the nonce at once. */
  failed(): Promise<void>
}

export class RequestRecords {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly prefix: string,
  ) {}

  /** Takes the record of `key` for an attempt that may take `leaseMs`; rejects with 503 if another attempt holds it. */
  async begin(key: string, leaseMs: number): Promise<Attempt> {
    const subject = `${this.prefix}.${key}`
    const last = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject })
    const prev = last ? parse(last.string()) : undefined
    if (prev && prev.until > Date.now()) {
      throw new BusUnavailableError('an identical request (same body and Idempotency-Key) is being stored right now; retry shortly')
    }
    const rec: Record = { nonce: prev?.nonce ?? nuid.next(), until: Date.now() + leaseMs }
    let seq: number
    try {
      const ack = await this.js.publish(subject, JSON.stringify(rec), { expect: { lastSubjectSequence: last?.seq ?? 0 } })
      seq = ack.seq
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      if (/wrong last sequence/i.test(why)) throw new BusUnavailableError('an identical request is being stored right now; retry shortly')
      throw new BusUnavailableError(`JetStream did not store the request record: ${why}`)
    }
    return {
      nonce: rec.nonce,
      until: rec.until,
      done: async () => {
        try {
          await this.jsm.streams.purge(this.stream, { filter: subject })
        } catch (err) {
          // Every part is stored but the key stays taken: the client's retry (503) re-sends the
          // same parts, which the stream drops, and frees it then (after the lease if NATS is down).
          await this.js.publish(subject, JSON.stringify({ nonce: rec.nonce, until: 0 }), { expect: { lastSubjectSequence: seq } }).catch(() => {})
          throw new BusUnavailableError(`could not release the request record: ${err instanceof Error ? err.message : String(err)}`)
        }
      },
      failed: async () => {
        const off: Record = { nonce: rec.nonce, until: 0 }
        await this.js.publish(subject, JSON.stringify(off), { expect: { lastSubjectSequence: seq } }).catch(() => {})
      },
    }
  }
}

function parse(s: string): Record | undefined {
  try {
    const v = JSON.parse(s) as Partial<Record>
    return typeof v.nonce === 'string' && typeof v.until === 'number' ? { nonce: v.nonce, until: v.until } : undefined
  } catch {
    return undefined
  }
}
