/**
 * The distributed transport on NATS JetStream (SPEC §1 and §3 "What accepted means"), split as nats.js
 * splits JetStream: connection.ts (connection and status), provision.ts (streams and consumer),
 * publisher.ts (ingest; requests.ts for requests larger than one message), consumer.ts (the work queue), ledger.ts (the batch ledger), live.ts (the
 * live feed). `openNats` builds the parts the process's roles need and nothing else.
 *
 * Durability: JetStream answers a publish once the message is in its store, but a nats-server only
 * fsyncs that store every `sync_interval` (2 min by default; Jepsen's NATS 2.12.1 analysis, Dec 2025).
 * The shipped server configs (deploy/nats/) set `sync_interval: always`, or use 3 replicas.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { Transport, TransportOptions } from '../transport.js'
import { Connection } from './connection.js'
import { NatsLease } from './lease.js'
import { NatsWorkQueue } from './consumer.js'
import { NatsLedger } from './ledger.js'
import { NatsLiveFeed } from './live.js'
import { ensureConsumer, ensureLedgerStream, ensureRequestStream, ensureStream, names, type StreamOptions } from './provision.js'
import { NatsPublisher, PUBLISH_TIMEOUT_MS } from './publisher.js'
import { RequestRecords } from './requests.js'

/** Connects (waiting for a first connection as long as it takes) and provisions what the roles use. */
export async function openNats(opts: TransportOptions & { natsUrl: string }, log: Logger): Promise<Transport> {
  const { roles } = opts
  const conn = await Connection.open({ servers: opts.natsUrl, name: `oglogstream ${[...roles].join(',')}` }, log)
  const js = jetstream(conn.nc, { timeout: PUBLISH_TIMEOUT_MS })
  // No API check here: without a meta leader it times out, and provisioning below waits for one patiently.
  const jsm = await jetstreamManager(conn.nc, { timeout: 5_000, checkAPI: false })
  const so: StreamOptions = {
    stream: opts.natsStream,
    replicas: opts.natsReplicas,
    maxBytes: opts.natsMaxBytes,
    duplicateWindowMs: opts.natsDuplicateWindowMs,
    ackWaitMs: opts.natsAckWaitMs,
    maxAckPending: opts.natsMaxAckPending,
  }
  const n = names(opts.natsStream)
  const work = roles.has('process')
  // Live tail is a core subscription: a query-only process needs no stream.
  const provision = async () => {
    if (!roles.has('ingest') && !work) return
    await ensureStream(jsm, so, log)
    if (roles.has('ingest')) await ensureRequestStream(jsm, so)
    if (work) {
      await ensureLedgerStream(jsm, so)
      await ensureConsumer(jsm, so)
    }
  }

  // The query role publishes too: a dead-letter replay (query/rejected.ts) goes back through the stream.
  const publisher = roles.has('ingest') || roles.has('query')
    ? new NatsPublisher(conn, js, jsm, so.stream, n.subject, new RequestRecords(js, jsm, n.requestStream, n.requestPrefix))
    : undefined
  let workQueue: NatsWorkQueue | undefined
  if (work) {
    const ledger = new NatsLedger(js, jsm, n.ledgerStream, n.ledgerPrefix, (ids) => workQueue?.stale(ids), log)
    workQueue = new NatsWorkQueue(conn, js, jsm, ledger, { stream: so.stream, ackWaitMs: so.ackWaitMs }, provision, log)
  }
  const liveFeed = roles.has('query') ? new NatsLiveFeed(conn, n.subject) : undefined

  await provisionPatiently(provision, log).catch(async (err: unknown) => {
    await conn.nc.close().catch(() => {})
    throw err
  })
  conn.onReconnect(() => {
    provision().catch((err) => log.warn({ err: String(err) }, 'could not re-check the JetStream stream after reconnecting'))
  })
  log.info({ server: conn.nc.getServer(), stream: so.stream, subject: n.subject, replicas: so.replicas }, 'NATS JetStream ready')

  const leases: NatsLease[] = []
  return {
    name: 'nats',
    lease: (name, ttlMs) => {
      const l = new NatsLease(js, jsm, name, ttlMs, opts.natsReplicas, log)
      leases.push(l)
      return l
    },
    publisher,
    workQueue,
    liveFeed,
    commitDelayMs: opts.commitDelayMs,
    status: () => conn.status(),
    pending: () => workQueue?.pending(),
    async close() {
      await Promise.all(leases.map((l) => l.close()))
      conn.markClosing()
      await publisher?.close()
      await workQueue?.close()
      await conn.close()
    },
  }
}

/**
 * JetStream answers its API only once it has a meta leader (in a cluster, also a leader of the
 * stream): right after a cluster starts, or under load, `streams.info` times out or answers 503.
 * Provisioning waits for that as the connection waits for a first server (the process would exit
 * otherwise, and a supervisor restart it into the same wait); other errors fail the start.
 */
export async function provisionPatiently(provision: () => Promise<void>, log: Logger, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await provision()
    } catch (err) {
      if (!isJetStreamUnready(err)) throw err
      log.warn({ err: String(err), attempt }, 'JetStream is not ready yet (no meta or stream leader); provisioning again')
      await sleep(Math.min(250 * attempt, 2_000))
    }
  }
}

/** A timeout, no responders or a 503 of the JetStream API: the cluster has no leader (yet). */
export function isJetStreamUnready(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const e = err as Error & { code?: unknown; status?: unknown; api_error?: { code?: number } }
  return (
    e.name === 'TimeoutError' ||
    e.name === 'NoRespondersError' ||
    e.api_error?.code === 503 ||
    /timeout|no responders|temporarily unavailable|no suitable peers|leader/i.test(e.message)
  )
}
