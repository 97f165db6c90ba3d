/**
 * Opens the transport a process's roles need, and only those parts: ingest gets a publisher, process
 * a work queue with its ledger, query a live feed. NATS_URL set: JetStream (nats/), else the
 * write-ahead log under DATA_DIR (wal/, embedded mode, all roles in one process). The in-process
 * queue (memory.ts) is for unit tests.
 */
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { BusStatus, Lease, LiveFeed, Publisher, WorkQueue } from './bus.js'
import { WalBus } from './wal/index.js'

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
  | 'maxQueueBytes'
  | 'dataDir'
  | 'walSync'
  | 'walMaxBytes'
  | 'minFreeDiskBytes'
  | 'commitDelayMs'
>

export interface Transport {
  /** For logs and health only: code must not switch on it. */
  readonly name: 'wal' | 'nats'
  /** Present with the ingest role, and with the query role (dead-letter replay, query/rejected.ts). */
  readonly publisher: Publisher | undefined
  /** Present with the process role. */
  readonly workQueue: WorkQueue | undefined
  /** Present with the query role. */
  readonly liveFeed: LiveFeed | undefined
  /**
   * How long ingest gathers concurrent requests into one message (group commit): JetStream acks one
   * message at a time, so it asks for COMMIT_DELAY; the write-ahead log groups the appends that
   * arrive while it syncs by itself (0).
   */
  readonly commitDelayMs: number
  /** Distributed only: a lease named `name` (NATS key-value). Absent: this process is the only one. */
  readonly lease?: ((name: string, ttlMs: number) => Lease) | undefined
  status(): BusStatus
  /** Entries waiting to be processed, when the transport can tell cheaply (the process role). */
  pending(): number | undefined
  /**
   * Closes every part: publishes reject, pulled-ahead work goes back (JetStream) or stays in the
   * log (embedded), acks in flight are flushed. Call the work queue's `stopPulling` and stop the
   * worker first.
   */
  close(): Promise<void>
}

export async function openTransport(opts: TransportOptions, log: Logger): Promise<Transport> {
  if (opts.natsUrl) {
    const { openNats } = await import('./nats/index.js')
    return openNats({ ...opts, natsUrl: opts.natsUrl }, log)
  }
  // Embedded: a 202 means on disk (issue 12); the backlog waits in the log, not in memory.
  const bus = await WalBus.open(
    {
      dir: join(opts.dataDir, 'wal'),
      sync: opts.walSync,
      maxBytes: opts.walMaxBytes,
      minFreeDiskBytes: opts.minFreeDiskBytes,
      readAheadBytes: opts.maxQueueBytes,
    },
    log,
  )
  return {
    name: 'wal',
    publisher: bus,
    workQueue: bus,
    liveFeed: bus,
    commitDelayMs: 0,
    status: () => bus.status(),
    pending: () => bus.pending(),
    close: () => bus.close(),
  }
}
