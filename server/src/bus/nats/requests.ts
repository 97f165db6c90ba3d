/**
 * A request split over several messages (larger than NATS max_payload), stored so that the client's
 * retry cannot duplicate it.
 *
 * nats-server 2.9 has no atomic batch publish. Staging the parts and committing a reference instead
 * would make the work queue assemble messages from a second stream and clean up after abandoned
 * requests; we chose to keep one message = its entries, and to make a retry resume where the failed
 * attempt stopped. A record per request key (`<stream>_REQUESTS`, one per subject, every write a
 * compare-and-set) holds, from before the first part until the last is stored (then it is purged):
 * - `upTo`: the request's entries stored so far (written after each part's ack), so a retry
 *   publishes only the rest. Entries stamped at receive time differ between attempts: each entry's
 *   stored copy is that of the attempt that stored it.
 * - `nonce`: the parts' Nats-Msg-Ids are `<nonce>.<first entry>-<last entry>`, so the part in flight
 *   when an attempt failed (stored, but its ack or the record's update lost) is dropped by
 *   JetStream's duplicate window when the retry sends it again.
 * - `until`: the attempt's lease, renewed with each part. A request under the same key while it
 *   holds the lease cannot be told from a retry: 503, retry shortly. An attempt never publishes past
 *   its lease; a failed one releases it at once (`until: 0`) when NATS lets it.
 * A byte-identical request sent after a success finds no record: it is a new request, stored again.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream'
import { nuid } from '@nats-io/transport-node'
import { BusUnavailableError } from '../bus.js'

/** How long an attempt holds the key without news (renewed after each part). */
export const LEASE_MS = 10_000

interface Record {
  nonce: string
  /** Entries [0, upTo) of the request are stored. */
  upTo: number
  /** Epoch ms the attempt holding the record may publish until; 0 once it failed. */
  until: number
}

export interface Attempt {
  readonly nonce: string
  /** Entries of the request already stored by an earlier attempt: publish from here. */
  readonly from: number
  /** Epoch ms after which this attempt must not publish another part. */
  until(): number
  /** Entries [0, upTo) are stored; renews the lease. Rejects (stop publishing) when NATS refuses. */
  progress(upTo: number): Promise<void>
  /** All parts stored: frees the key (a later identical request is a new one). */
  done(): Promise<void>
  /** A part failed: the client's retry may resume at once. */
  failed(): Promise<void>
}

export class RequestRecords {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly prefix: string,
  ) {}

  /** Takes the record of `key`; rejects with a 503 while another attempt holds it. */
  async begin(key: string): Promise<Attempt> {
    const subject = `${this.prefix}.${key}`
    const last = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject })
    const prev = last ? parse(last.string()) : undefined
    if (prev && prev.until > Date.now()) throw busy()
    let rec: Record = { nonce: prev?.nonce ?? nuid.next(), upTo: prev?.upTo ?? 0, until: Date.now() + LEASE_MS }
    let seq = last?.seq ?? 0
    const write = async (next: Record) => {
      try {
        seq = (await this.js.publish(subject, JSON.stringify(next), { expect: { lastSubjectSequence: seq } })).seq
        rec = next
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err)
        if (/wrong last sequence/i.test(why)) throw busy()
        throw new BusUnavailableError(`JetStream did not store the request's record: ${why}`)
      }
    }
    await write(rec)
    const from = rec.upTo
    return {
      nonce: rec.nonce,
      from,
      until: () => rec.until,
      progress: (upTo) => write({ ...rec, upTo, until: Date.now() + LEASE_MS }),
      done: async () => {
        try {
          await this.jsm.streams.purge(this.stream, { filter: subject })
        } catch (err) {
          // Every entry is stored and the record says so: the client's retry (503) stores nothing
          // again and frees the key.
          await write({ ...rec, until: 0 }).catch(() => {})
          throw new BusUnavailableError(`could not release the request's record: ${err instanceof Error ? err.message : String(err)}`)
        }
      },
      failed: () => write({ ...rec, until: 0 }).catch(() => {}),
    }
  }
}

function busy(): BusUnavailableError {
  return new BusUnavailableError('an identical request (same body and Idempotency-Key) is being stored right now; retry shortly')
}

function parse(s: string): Record | undefined {
  try {
    const v = JSON.parse(s) as Partial<Record>
    if (typeof v.nonce !== 'string' || typeof v.until !== 'number' || typeof v.upTo !== 'number') return undefined
    return { nonce: v.nonce, upTo: v.upTo, until: v.until }
  } catch {
    return undefined
  }
}
