/**
 * Provisioning: makes sure the JetStream streams and the consumer exist with our settings, at start
 * and after each reconnect (a server that lost its store, or a new one, gets them back).
 *
 * - The log stream (`NATS_STREAM`, default LOGS) on `<stream>.entries` (lower case): file storage,
 *   work-queue retention (a message leaves the stream once a worker acked it, so nothing ages out
 *   unprocessed), discard-new at `NATS_MAX_BYTES` (ingest then answers 429), a Nats-Msg-Id duplicate
 *   window, `NATS_REPLICAS` copies.
 * - The durable pull consumer every process worker shares (explicit ack, `NATS_MAX_ACK_PENDING`,
 *   `NATS_ACK_WAIT`, never giving up on a message).
 * - The batch ledger's stream `<stream>_BATCHES` (ledger.ts), one record per subject.
 * - The request records' stream `<stream>_REQUESTS` (requests.ts), one record per subject, kept
 *   no longer than the duplicate window (after it, a retry could not be deduplicated anyway).
 */
import {
  AckPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
} from '@nats-io/jetstream'
import type { Logger } from 'pino'

/** The durable consumer every process worker shares. */
export const CONSUMER_NAME = 'process'

/**
 * How long a ledger record is kept. A batch is re-formed within an ack wait or a nak delay of its
 * insert, so an hour is ample.
 */
export const LEDGER_MAX_AGE_MS = 60 * 60_000 // 1 h

export interface StreamOptions {
  stream: string
  replicas: number
  maxBytes: number
  duplicateWindowMs: number
  ackWaitMs: number
  maxAckPending: number
}

/** Subjects and stream names derived from `NATS_STREAM`. */
export function names(stream: string) {
  const lower = stream.toLowerCase()
  return {
    subject: `${lower}.entries`,
    ledgerStream: `${stream}_BATCHES`,
    ledgerPrefix: `${lower}.batches`,
    requestStream: `${stream}_REQUESTS`,
    requestPrefix: `${lower}.requests`,
  }
}

const ms2ns = (ms: number) => ms * 1_000_000

export function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message)
}

/** Creates the log stream, or brings its limits to ours. */
export async function ensureStream(jsm: JetStreamManager, o: StreamOptions, log: Logger): Promise<void> {
  const want = { max_bytes: o.maxBytes, duplicate_window: ms2ns(o.duplicateWindowMs), num_replicas: o.replicas }
  try {
    const cur = (await jsm.streams.info(o.stream)).config
    if (cur.max_bytes !== want.max_bytes || cur.duplicate_window !== want.duplicate_window || cur.num_replicas !== want.num_replicas) {
      await jsm.streams.update(o.stream, { ...cur, ...want })
      log.info({ stream: o.stream, ...want }, 'JetStream stream limits updated')
    }
  } catch (err) {
    if (!isNotFound(err)) throw err
    await jsm.streams
      .add({
        name: o.stream,
        subjects: [names(o.stream).subject],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        discard: DiscardPolicy.New,
        ...want,
      })
      .catch(async (e) => {
        // Created by another process at the same moment.
        await jsm.streams.info(o.stream).catch(() => Promise.reject(e))
      })
  }
}

/** Creates the shared consumer, or brings its ack wait and max ack pending to ours. */
export async function ensureConsumer(jsm: JetStreamManager, o: StreamOptions): Promise<void> {
  const want: Partial<ConsumerConfig> = {
    durable_name: CONSUMER_NAME,
    ack_policy: AckPolicy.Explicit,
    ack_wait: ms2ns(o.ackWaitMs),
    max_ack_pending: o.maxAckPending,
    max_deliver: -1, // never give up on a message: a store outage must not drop entries
  }
  try {
    const info = await jsm.consumers.info(o.stream, CONSUMER_NAME)
    if (info.config.ack_wait !== want.ack_wait || info.config.max_ack_pending !== want.max_ack_pending) {
      await jsm.consumers.update(o.stream, CONSUMER_NAME, { ack_wait: want.ack_wait, max_ack_pending: want.max_ack_pending })
    }
  } catch (err) {
    if (!isNotFound(err)) throw err
    await jsm.consumers.add(o.stream, want).catch(async (e) => {
      await jsm.consumers.info(o.stream, CONSUMER_NAME).catch(() => Promise.reject(e))
    })
  }
}

/** Creates the ledger's stream (limits retention: records age out after LEDGER_MAX_AGE_MS). */
export async function ensureLedgerStream(jsm: JetStreamManager, o: StreamOptions): Promise<void> {
  const { ledgerStream, ledgerPrefix } = names(o.stream)
  try {
    await jsm.streams.info(ledgerStream)
    return
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
  await jsm.streams
    .add({
      name: ledgerStream,
      subjects: [`${ledgerPrefix}.*`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: ms2ns(LEDGER_MAX_AGE_MS),
      max_msgs_per_subject: 1, // re-recording a token replaces it
      num_replicas: o.replicas,
    })
    .catch(async (err) => {
      // Another process created it at the same moment.
      await jsm.streams.info(ledgerStream).catch(() => Promise.reject(err))
    })
}

/** Creates the request records' stream (requests.ts), or brings its age limit to the duplicate window. */
export async function ensureRequestStream(jsm: JetStreamManager, o: StreamOptions): Promise<void> {
  const { requestStream, requestPrefix } = names(o.stream)
  const maxAge = ms2ns(o.duplicateWindowMs)
  try {
    const cur = (await jsm.streams.info(requestStream)).config
    if (cur.max_age !== maxAge) await jsm.streams.update(requestStream, { ...cur, max_age: maxAge })
    return
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
  await jsm.streams
    .add({
      name: requestStream,
      subjects: [`${requestPrefix}.*`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: maxAge,
      max_msgs_per_subject: 1,
      num_replicas: o.replicas,
    })
    .catch(async (err) => {
      await jsm.streams.info(requestStream).catch(() => Promise.reject(err))
    })
}
