/**
 * The distributed bus on NATS JetStream (SPEC §1 and §3 "What accepted means").
 *
 * - One stream (`NATS_STREAM`, default LOGS) on the subject `<stream>.entries` (lower case): file
 *   storage, work-queue retention (a message leaves the stream once a worker acked it, so nothing
 *   ages out unprocessed), discard-new at `NATS_MAX_BYTES` (ingest then answers 429), a Nats-Msg-Id
 *   duplicate window, `NATS_REPLICAS` copies.
 * - Ingest publishes each group-commit message as a JSON array with a Nats-Msg-Id and resolves only
 *   on the stream's ack (then the 202 goes out). A retry of one publish reuses its id, so the stream
 *   stores it once. While NATS is unreachable a publish fails at once (503, nothing taken).
 * - Process workers share one durable pull consumer (explicit ack, `NATS_MAX_ACK_PENDING`,
 *   `NATS_ACK_WAIT`). A message's id is its stream sequence, stable across redeliveries; a
 *   redelivered message is re-formed into the batch it was first inserted with (nats-journal.ts).
 * - Live tail is a core subscription to the subject: every published message, best effort,
 *   independent of the work queue.
 *
 * Durability: JetStream answers a publish once the message is in its store, but a nats-server only
 * fsyncs that store every `sync_interval` (2 min by default; Jepsen's NATS 2.12.1 analysis, Dec 2025).
 * The shipped server configs (deploy/nats/) set `sync_interval: always`, or use 3 replicas.
 */
import { connect, nuid, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import {
  AckPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Metrics } from '../http/metrics.js'
import type { Entry } from '../model/index.js'
import { BusFullError, BusUnavailableError, type Bus, type BusMessage, type BusStatus } from './bus.js'
import { BatchJournal } from './nats-journal.js'

/** The durable consumer every process worker shares. */
export const CONSUMER_NAME = 'process'
/** Messages pulled ahead of the worker, so a fetch rarely waits on a round trip. */
const PREFETCH = 512
/** One publish attempt waits this long for the stream's ack... */
const PUBLISH_TIMEOUT_MS = 2_000
/** ...and a publish is retried (same Nats-Msg-Id) until this deadline, then answered with 503. */
const PUBLISH_DEADLINE_MS = 5_000
/** Payload room kept for headers (Nats-Msg-Id) below the server's max_payload. */
const HEADER_ROOM = 1_024
/** A redelivered message that cannot be matched to its batch yet is offered again after this. */
const RECOVERY_RETRY_MS = 1_000

const ms2ns = (ms: number) => ms * 1_000_000

export class NatsBus implements Bus {
  readonly kind = 'nats'
  private state: BusStatus = 'CONNECTED'
  private closed = false
  private readonly instance = nuid.next()
  private published = 0
  /** Entries per message, a running average (what we publish, or what the worker pulls). */
  private avgEntries = 1
  private backlogMessages: number | undefined
  private readonly subject: string
  private readonly journal: BatchJournal
  // process role: messages pulled ahead, and the loop that pulls them
  private buffer: Slot[] = []
  /** Every message from its arrival until it is settled, by stream sequence (one copy of each). */
  private readonly held = new Map<number, Slot>()
  /** Counts disconnects: a message delivered before one may meanwhile be redelivered elsewhere. */
  private epoch = 0
  private pulling = false
  private pullLoop: Promise<void> | undefined
  private bufferWaiters: (() => void)[] = []
  private roomWaiter: (() => void) | undefined
  private liveSub: Subscription | undefined
  private listeners = new Set<(entries: Entry[]) => void>()
  private ackFloorTimer: NodeJS.Timeout | undefined
  private keepAliveTimer: NodeJS.Timeout | undefined

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.subject = `${config.natsStream.toLowerCase()}.entries`
    this.journal = new BatchJournal(js, jsm, `${config.natsStream}_BATCHES`, `${config.natsStream.toLowerCase()}.batches`, log)
  }

  /**
   * Connects (waiting for a first connection as long as it takes) and makes sure the stream, and
   * for the process role the consumer, exist. Reconnects for ever afterwards.
   */
  static async connect(config: Config, log: Logger, _metrics: Metrics): Promise<NatsBus> {
    const servers = (config.natsUrl ?? '').split(',').map((s) => s.trim())
    let attempts = 0
    log.info({ servers }, 'connecting to NATS')
    const nc = await connect({
      servers,
      name: `oglogstream ${[...config.roles].join(',')}`,
      maxReconnectAttempts: -1, // for ever: a NATS restart must not need ours
      waitOnFirstConnect: true,
      // Exponential backoff, 100 ms doubling to 2 s, plus jitter; reset on each connect.
      reconnectDelayHandler: () => Math.min(100 * 2 ** attempts++, 2_000) + Math.random() * 100,
      pingInterval: 5_000,
      maxPingOut: 2,
    })
    const js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS })
    const jsm = await jetstreamManager(nc, { timeout: 5_000 })
    const bus = new NatsBus(nc, js, jsm, config, log)
    bus.watch(() => (attempts = 0))
    await bus.ensure()
    log.info(
      { server: nc.getServer(), stream: config.natsStream, subject: bus.subject, replicas: config.natsReplicas },
      'NATS JetStream ready',
    )
    return bus
  }

  private watch(onConnect: () => void): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') {
          this.state = 'DISCONNECTED'
          this.epoch++
          this.log.warn({ server: s.server }, 'NATS disconnected; publishes answer 503 until it is back')
        } else if (s.type === 'reconnecting') {
          this.state = 'RECONNECTING'
        } else if (s.type === 'reconnect') {
          this.state = 'CONNECTED'
          onConnect()
          // Pulled-ahead messages of the old connection may have been redelivered elsewhere by now
          // (their ack deadline ran out while we were away): let JetStream deliver them again.
          for (const slot of this.buffer.splice(0)) this.release(slot)
          this.log.info({ server: s.server }, 'NATS reconnected')
          // A server that lost its store (or a new one) gets the stream and consumer back.
          this.ensure().catch((err) => this.log.warn({ err: String(err) }, 'could not re-check the JetStream stream after reconnecting'))
        }
      }
    })()
    void this.nc.closed().then(() => {
      this.state = 'CLOSED'
    })
  }

  private async ensure(): Promise<void> {
    const c = this.config
    const want = {
      max_bytes: c.natsMaxBytes,
      duplicate_window: ms2ns(c.natsDuplicateWindowMs),
      num_replicas: c.natsReplicas,
    }
    try {
      const info = await this.jsm.streams.info(c.natsStream)
      const cur = info.config
      if (cur.max_bytes !== want.max_bytes || cur.duplicate_window !== want.duplicate_window || cur.num_replicas !== want.num_replicas) {
        await this.jsm.streams.update(c.natsStream, { ...cur, ...want })
        this.log.info({ stream: c.natsStream, ...want }, 'JetStream stream limits updated')
      }
    } catch (err) {
      if (!(err instanceof Error) || !/not found/i.test(err.message)) throw err
      await this.jsm.streams
        .add({
          name: c.natsStream,
          subjects: [this.subject],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          discard: DiscardPolicy.New,
          ...want,
        })
        .catch(async (e) => {
          // Created by another process at the same moment.
          await this.jsm.streams.info(c.natsStream).catch(() => Promise.reject(e))
        })
    }
    if (c.roles.has('process')) {
      await this.journal.ensure(c.natsReplicas)
      await this.ensureConsumer()
    }
  }

  private consumerConfig(): Partial<ConsumerConfig> {
    return {
      durable_name: CONSUMER_NAME,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ms2ns(this.config.natsAckWaitMs),
      max_ack_pending: this.config.natsMaxAckPending,
      max_deliver: -1, // never give up on a message: a store outage must not drop entries
    }
  }

  private async ensureConsumer(): Promise<void> {
    const want = this.consumerConfig()
    try {
      const info = await this.jsm.consumers.info(this.config.natsStream, CONSUMER_NAME)
      if (info.config.ack_wait !== want.ack_wait || info.config.max_ack_pending !== want.max_ack_pending) {
        await this.jsm.consumers.update(this.config.natsStream, CONSUMER_NAME, {
          ack_wait: want.ack_wait,
          max_ack_pending: want.max_ack_pending,
        })
      }
    } catch (err) {
      if (!(err instanceof Error) || !/not found/i.test(err.message)) throw err
      await this.jsm.consumers.add(this.config.natsStream, want).catch(async (e) => {
        await this.jsm.consumers.info(this.config.natsStream, CONSUMER_NAME).catch(() => Promise.reject(e))
      })
    }
  }

  // ---- ingest ----

  async publish(entries: Entry[]): Promise<void> {
    if (this.closed) throw new BusUnavailableError('bus closed')
    const chunks: Uint8Array[] = []
    this.encode(entries, chunks)
    this.avgEntries = this.avgEntries * 0.99 + (entries.length / chunks.length) * 0.01
    // A body larger than the server's max_payload goes as several messages; each is stored once,
    // but a 503 midway may leave the first ones stored (the client's retry then repeats them).
    for (const data of chunks) await this.publishOne(data)
  }

  private encode(entries: Entry[], out: Uint8Array[]): void {
    const data = Buffer.from(JSON.stringify(entries))
    const max = (this.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM
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
      if (this.state !== 'CONNECTED') throw new BusUnavailableError(`NATS is ${this.state.toLowerCase()}`)
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
    const info = await this.jsm.streams.info(this.config.natsStream).catch(() => undefined)
    return info ? Math.round(info.state.messages * this.avgEntries) : 0
  }

  // ---- process ----

  async fetch(max: number, expiresMs: number): Promise<BusMessage[]> {
    if (!this.closed && !this.pullLoop) {
      this.pulling = true
      this.pullLoop = this.pull()
      this.ackFloorTimer = setInterval(() => void this.pruneJournal(), 5_000).unref()
      // Pulled-ahead messages wait in `buffer` while the worker writes (or retries) a batch, and a
      // batch may take long to insert: keep their ack deadline moving while this process holds
      // them, or JetStream would hand them to another worker as well.
      this.keepAliveTimer = setInterval(
        () => this.held.forEach((slot) => slot.m.working()),
        Math.max(500, this.config.natsAckWaitMs / 3),
      ).unref()
    }
    if (this.buffer.length === 0 && expiresMs > 0 && this.pulling) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(done, expiresMs)
        this.bufferWaiters.push(done)
      })
    }
    const raw = this.buffer.splice(0, max)
    this.roomWaiter?.()
    const out: BusMessage[] = []
    const decoded: Decoded[] = []
    for (const slot of raw) {
      const entries = decode(slot.m.data)
      if (!entries) {
        // Not ours (or corrupt): it can never be inserted, so it is not offered again.
        this.log.error({ seq: slot.seq, bytes: slot.m.data.length }, 'undecodable message on the log stream; terminated')
        slot.m.term()
        this.release(slot)
        continue
      }
      decoded.push({ slot, entries })
      this.avgEntries = this.avgEntries * 0.99 + entries.length * 0.01
    }
    // Every message is checked, not only those flagged redelivered: after a hard kill of
    // nats-server the consumer's state can fall back a little, and messages acked just before come
    // again as first deliveries.
    if (decoded.length) for (const r of await this.recover(decoded)) out.push(r)
    return out
  }

  /** Pulls ahead into `buffer` (at most PREFETCH messages) while the process role runs. */
  private async pull(): Promise<void> {
    let consumer: Consumer | undefined
    while (this.pulling) {
      if (this.buffer.length >= PREFETCH / 2) {
        await new Promise<void>((r) => (this.roomWaiter = r))
        this.roomWaiter = undefined
        continue
      }
      try {
        consumer ??= await this.js.consumers.get(this.config.natsStream, CONSUMER_NAME)
        const it = await consumer.fetch({ max_messages: PREFETCH - this.buffer.length, expires: 2_000 })
        for await (const m of it) {
          const known = this.held.get(m.seq)
          if (known) {
            // JetStream redelivered one we still hold (its deadline ran out, e.g. across a NATS
            // restart): keep one copy, settled through the newest delivery.
            known.m = m
            known.epoch = this.epoch
            continue
          }
          const slot: Slot = { m, seq: m.seq, epoch: this.epoch }
          this.held.set(m.seq, slot)
          this.buffer.push(slot)
          const w = this.bufferWaiters
          this.bufferWaiters = []
          w.forEach((wake) => wake())
        }
      } catch (err) {
        if (!this.pulling) break
        consumer = undefined
        this.log.warn({ err: String(err), nats: this.state }, 'JetStream fetch failed; retrying')
        await sleep(500)
        if (this.state === 'CONNECTED') await this.ensure().catch(() => {})
      }
    }
  }

  /** Stops pulling new messages (graceful shutdown); what is buffered can still be fetched. */
  stopPulling(): void {
    this.pulling = false
    this.roomWaiter?.()
    const w = this.bufferWaiters
    this.bufferWaiters = []
    w.forEach((wake) => wake())
  }

  async beforeInsert(messages: BusMessage[], token: string): Promise<void> {
    const seqs: number[] = []
    let stale = 0
    for (const m of messages) {
      if (!(m instanceof NatsMessage)) continue
      seqs.push(m.seq)
      if (m.slot.epoch !== this.epoch) stale++
    }
    // Delivered before a disconnect: JetStream may have given them to another worker meanwhile,
    // which would insert them under another token. Refuse; they come back redelivered (the worker
    // retries, then naks) and are then safe.
    if (stale) throw new Error(`NATS reconnected since ${stale} of these messages were delivered; waiting for their redelivery`)
    if (seqs.length) await this.journal.record(token, seqs)
  }

  /** @internal Acks or naks a held message through its latest delivery, and forgets it. */
  settle(slot: Slot, how: 'ack' | 'nak', delayMs?: number): void {
    if (how === 'ack') slot.m.ack()
    // A nak through a delivery from before a reconnect could re-deliver a message that another
    // worker holds now; without it, JetStream redelivers once the ack wait runs out.
    else if (slot.epoch === this.epoch) slot.m.nak(delayMs)
    this.release(slot)
  }

  private release(slot: Slot): void {
    if (this.held.get(slot.seq) === slot) this.held.delete(slot.seq)
  }

  /**
   * A message whose batch was recorded (it was delivered and inserted before) is re-formed into that
   * batch (the other messages read from the stream), to be inserted alone under the batch's token.
   * A batch with a message already gone from the stream was acked, so it landed: its messages we
   * hold are acked. Messages without a record were never inserted and go on as they are.
   */
  private async recover(list: Decoded[]): Promise<BusMessage[]> {
    try {
      await this.journal.caughtUp()
    } catch (err) {
      this.log.warn({ err: String(err), messages: list.length }, 'batch journal unavailable; messages offered again later')
      list.forEach((d) => this.settle(d.slot, 'nak', RECOVERY_RETRY_MS))
      return []
    }
    const out: BusMessage[] = []
    const groups = new Map<string, { seqs: number[]; held: Decoded[] }>()
    for (const d of list) {
      const batch = this.journal.find(d.slot.seq)
      if (!batch) {
        out.push(new NatsMessage(this, d.slot, d.entries))
        continue
      }
      const g = groups.get(batch.token) ?? { seqs: batch.seqs, held: [] }
      g.held.push(d)
      groups.set(batch.token, g)
    }
    for (const [token, g] of groups) {
      try {
        const held = new Map(g.held.map((d) => [d.slot.seq, d.entries]))
        const parts = await Promise.all(
          g.seqs.map(async (seq) => {
            const mine = held.get(seq)
            if (mine) return mine
            const sm = await this.jsm.streams.getMessage(this.config.natsStream, { seq })
            return sm ? (decode(sm.data) ?? []) : null
          }),
        )
        if (parts.some((p) => p === null)) {
          // Only an ack removes a message from a work-queue stream, and a batch is acked only after
          // its insert: the batch is stored.
          g.held.forEach((d) => this.settle(d.slot, 'ack'))
          this.log.info({ token, messages: g.held.length }, 'redelivered messages belong to a stored batch; acked')
          continue
        }
        const entries: Entry[] = []
        for (const p of parts) for (const e of p ?? []) entries.push(e)
        this.log.info({ token, messages: g.seqs.length, entries: entries.length }, 'redelivered batch re-formed under its recorded token')
        out.push(new RecoveredBatch(this, token, g.held, entries))
      } catch (err) {
        this.log.warn({ err: String(err), token }, 'could not re-form a redelivered batch; offered again later')
        g.held.forEach((d) => this.settle(d.slot, 'nak', RECOVERY_RETRY_MS))
      }
    }
    return out
  }

  private async pruneJournal(): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(this.config.natsStream, CONSUMER_NAME)
      this.journal.prune(info.ack_floor.stream_seq)
      this.backlogMessages = info.num_pending + info.num_ack_pending
    } catch {
      /* next time */
    }
  }

  // ---- live ----

  onLive(listener: (entries: Entry[]) => void): () => void {
    this.listeners.add(listener)
    this.liveSub ??= this.nc.subscribe(this.subject, {
      callback: (err, msg) => {
        if (err) return
        const entries = decode(msg.data)
        if (entries) for (const l of this.listeners) l(entries)
      },
    })
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0) {
        this.liveSub?.unsubscribe()
        this.liveSub = undefined
      }
    }
  }

  status(): BusStatus {
    return this.closed && this.state === 'CONNECTED' ? 'CLOSED' : this.state
  }

  /** Process role: entries waiting in the consumer (not yet delivered or not yet acked), estimated. */
  pending(): number | undefined {
    return this.backlogMessages === undefined ? undefined : Math.round(this.backlogMessages * this.avgEntries)
  }

  /**
   * Stops publishing and pulling; buffered messages the worker did not take go back to the stream
   * at once (nak) for the other workers; acks in flight are flushed (drain) before the socket closes.
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopPulling()
    this.journal.stop()
    if (this.ackFloorTimer) clearInterval(this.ackFloorTimer)
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer)
    for (const slot of this.buffer.splice(0)) this.settle(slot, 'nak')
    await this.pullLoop?.catch(() => {})
    await this.nc.drain().catch(() => this.nc.close())
  }
}

/** One stream message this process holds; `m` is its latest delivery (what ack/nak go through). */
interface Slot {
  m: JsMsg
  readonly seq: number
  epoch: number
}

interface Decoded {
  slot: Slot
  entries: Entry[]
}

function decode(data: Uint8Array): Entry[] | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'))
    return Array.isArray(v) ? (v as Entry[]) : undefined
  } catch {
    return undefined
  }
}

class NatsMessage implements BusMessage {
  readonly id: string
  readonly redelivered: boolean
  constructor(
    private readonly bus: NatsBus,
    readonly slot: Slot,
    readonly entries: Entry[],
  ) {
    this.id = String(slot.seq)
    this.redelivered = slot.m.redelivered
  }
  get seq(): number {
    return this.slot.seq
  }
  async ack(): Promise<void> {
    this.bus.settle(this.slot, 'ack')
  }
  nak(delayMs?: number): void {
    this.bus.settle(this.slot, 'nak', delayMs)
  }
  working(): void {
    this.slot.m.working()
  }
}

/** A recorded batch being inserted again under its token: settles every message of it we hold. */
class RecoveredBatch implements BusMessage {
  readonly id: string
  readonly redelivered = true
  private readonly slots: Slot[]
  constructor(
    private readonly bus: NatsBus,
    readonly batchToken: string,
    held: Decoded[],
    readonly entries: Entry[],
  ) {
    this.slots = held.map((d) => d.slot)
    this.id = `batch:${batchToken}`
  }
  async ack(): Promise<void> {
    this.slots.forEach((s) => this.bus.settle(s, 'ack'))
  }
  nak(delayMs?: number): void {
    this.slots.forEach((s) => this.bus.settle(s, 'nak', delayMs))
  }
  working(): void {
    this.slots.forEach((s) => s.m.working())
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
