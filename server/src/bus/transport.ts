/**
 * Opens the transport a process's roles need, and only those parts: ingest gets a publisher, process
 * a work queue with its ledger, query a live feed. NATS_URL set: JetStream (nats/), else the
 * in-process queue (memory.ts, embedded mode, all roles in one process).
 */
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { BusStatus, LiveFeed, Publisher, WorkQueue } from './bus.js'
import { MemoryBus } from './memory.js'

/** The part of the configuration the bus reads. */
export type TransportOptions = Pick<
  Config,
  | 'roles'
  | 'natsUrl'
  | 'natsStream'
  | 'natsReplicas'
  | 'natsAckWaitMs'
  | 'natsMaxBytes'
  | 'natsMaxAckPending'
  | 'natsDuplicateWindowMs'
  | 'maxQueueEntries'
  | 'maxQueueBytes'
  | 'commitDelayMs'
>

export interface Transport {
  /** For logs and health only: code must not switch on it. */
  readonly name: 'memory' | 'nats'
  /** Present with the ingest role, and with the query role (dead-letter replay, query/rejected.ts). */
  readonly publisher: Publisher | undefined
  /** Present with the process role. */
  readonly workQueue: WorkQueue | undefined
  /** Present with the query role. */
  readonly liveFeed: LiveFeed | undefined
  /**
   * How long ingest gathers concurrent requests into one message (group commit): JetStream acks one
   * message at a time, so it asks for COMMIT_DELAY; the in-process queue takes a message for free (0).
   */
  readonly commitDelayMs: number
  status(): BusStatus
  /** Entries waiting to be processed, when the transport can tell cheaply (the process role). */
  pending(): number | undefined
  /**
   * Closes every part: publishes reject, pulled-ahead work goes back (JetStream) or stays to be
   * drained (memory), acks in flight are flushed. Call the work queue's `stopPulling` and stop the
   * worker first.
   */
  close(): Promise<void>
}

export async function openTransport(opts: TransportOptions, log: Logger): Promise<Transport> {
  if (opts.natsUrl) {
    const { openNats } = await import('./nats/index.js')
    return openNats({ ...opts, natsUrl: opts.natsUrl }, log)
  }
  const bus = new MemoryBus(opts.maxQueueEntries, opts.maxQueueBytes)
  return {
    name: 'memory',
    publisher: bus,
    workQueue: bus,
    liveFeed: bus,
    commitDelayMs: 0,
    status: () => bus.status(),
    pending: () => bus.pending(),
    close: () => bus.close(),
  }
}
