/**
 * The process role's work queue on JetStream: one durable pull consumer shared by every worker
 * (provision.ts), pulled ahead into a buffer so a fetch rarely waits on a round trip. A message's id
 * is its stream sequence, stable across redeliveries.
 *
 * Every message is held (one copy per sequence, settled through its latest delivery) from its
 * arrival until it is acked or nak'ed, and its ack deadline is kept moving meanwhile: a batch may take
 * long to insert, and JetStream would otherwise hand it to another worker as well. Messages delivered
 * before a disconnect may have been redelivered elsewhere meanwhile: the buffered ones are let go on
 * reconnect, and the ledger refuses to record a batch with such messages (`stale`).
 */
import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { Entry } from '../../model/index.js'
import type { WorkMessage, WorkQueue } from '../bus.js'
import type { Connection } from './connection.js'
import type { NatsLedger } from './ledger.js'
import { decode } from './codec.js'
import { CONSUMER_NAME } from './provision.js'
import { sleep } from './publisher.js'
import { Wakeup } from '../wakeup.js'

/** Messages pulled ahead of the worker, so a fetch rarely waits on a round trip. */
const PREFETCH = 512

/** One stream message this process holds; `m` is its latest delivery (what ack/nak go through). */
interface Slot {
  m: JsMsg
  readonly seq: number
  epoch: number
}

export interface ConsumerOptions {
  stream: string
  ackWaitMs: number
}

export class NatsWorkQueue implements WorkQueue {
  private closed = false
  private buffer: Slot[] = []
  /** Every message from its arrival until it is settled, by stream sequence (one copy of each). */
  private readonly held = new Map<number, Slot>()
  private pulling = false
  private pullLoop: Promise<void> | undefined
  private readonly wakeup = new Wakeup()
  private roomWaiter: (() => void) | undefined
  private ackFloorTimer: NodeJS.Timeout | undefined
  private keepAliveTimer: NodeJS.Timeout | undefined
  /** Entries per message, a running average (to estimate `pending`). */
  private avgEntries = 1
  private backlogMessages: number | undefined

  /** `reprovision` makes sure the stream and consumer exist (after a failed pull). */
  constructor(
    private readonly conn: Connection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly ledger: NatsLedger,
    private readonly opts: ConsumerOptions,
    private readonly reprovision: () => Promise<void>,
    private readonly log: Logger,
  ) {
    // Pulled-ahead messages of the old connection may have been redelivered elsewhere by now (their
    // ack deadline ran out while we were away): let JetStream deliver them again.
    conn.onReconnect(() => {
      for (const slot of this.buffer.splice(0)) this.release(slot)
    })
  }

  async fetch(max: number, expiresMs: number): Promise<WorkMessage[]> {
    if (!this.closed && !this.pullLoop) this.startPulling()
    if (this.buffer.length === 0 && expiresMs > 0 && this.pulling) await this.wakeup.wait(expiresMs)
    const raw = this.buffer.splice(0, max)
    this.roomWaiter?.()
    const out: WorkMessage[] = []
    for (const slot of raw) {
      const entries = decode(slot.m.data)
      if (!entries) {
        // Not ours (or corrupt): it can never be inserted, so it is not offered again.
        this.log.error({ seq: slot.seq, bytes: slot.m.data.length }, 'undecodable message on the log stream; terminated')
        slot.m.term()
        this.release(slot)
        continue
      }
      this.avgEntries = this.avgEntries * 0.99 + entries.length * 0.01
      out.push(new NatsMessage(this, slot, entries))
    }
    return out
  }

  private startPulling(): void {
    this.pulling = true
    this.pullLoop = this.pull()
    this.ackFloorTimer = setInterval(() => void this.readAckFloor(), 5_000).unref()
    this.keepAliveTimer = setInterval(
      () => this.held.forEach((slot) => slot.m.working()),
      Math.max(500, this.opts.ackWaitMs / 3),
    ).unref()
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
        consumer ??= await this.js.consumers.get(this.opts.stream, CONSUMER_NAME)
        const it = await consumer.fetch({ max_messages: PREFETCH - this.buffer.length, expires: 2_000 })
        for await (const m of it) {
          const known = this.held.get(m.seq)
          if (known) {
            // JetStream redelivered one we still hold (its deadline ran out, e.g. across a NATS
            // restart): keep one copy, settled through the newest delivery.
            known.m = m
            known.epoch = this.conn.epoch
            continue
          }
          const slot: Slot = { m, seq: m.seq, epoch: this.conn.epoch }
          this.held.set(m.seq, slot)
          this.buffer.push(slot)
          this.wake()
        }
      } catch (err) {
        if (!this.pulling) break
        consumer = undefined
        this.log.warn({ err: String(err), nats: this.conn.state }, 'JetStream fetch failed; retrying')
        await sleep(500)
        if (this.conn.state === 'CONNECTED') await this.reprovision().catch(() => {})
      }
    }
  }

  wake(): void {
    this.wakeup.wake()
  }

  /** Stops pulling new messages (graceful shutdown); what is buffered can still be fetched. */
  stopPulling(): void {
    this.pulling = false
    this.roomWaiter?.()
    this.wake()
  }

  /** Reads a message from the stream; a work-queue stream drops a message once it is acked. */
  async read(id: string): Promise<Entry[] | undefined> {
    const sm = await this.jsm.streams.getMessage(this.opts.stream, { seq: Number(id) })
    return sm ? (decode(sm.data) ?? []) : undefined
  }

  /** The ledger's guard: refuses messages delivered before a disconnect (see the header). */
  stale(ids: readonly string[]): void {
    let stale = 0
    for (const id of ids) {
      const slot = this.held.get(Number(id))
      if (slot && slot.epoch !== this.conn.epoch) stale++
    }
    // JetStream may have given them to another worker meanwhile, which would insert them under
    // another token. Refuse; they come back redelivered (the worker retries, then naks) and are then safe.
    if (stale) throw new Error(`NATS reconnected since ${stale} of these messages were delivered; waiting for their redelivery`)
  }

  /** Entries waiting in the consumer (not yet delivered or not yet acked), estimated. */
  pending(): number | undefined {
    return this.backlogMessages === undefined ? undefined : Math.round(this.backlogMessages * this.avgEntries)
  }

  /** @internal Acks or naks a held message through its latest delivery, and forgets it. */
  settle(slot: Slot, how: 'ack' | 'nak', delayMs?: number): void {
    if (how === 'ack') slot.m.ack()
    // A nak through a delivery from before a reconnect could re-deliver a message that another
    // worker holds now; without it, JetStream redelivers once the ack wait runs out.
    else if (slot.epoch === this.conn.epoch) slot.m.nak(delayMs)
    this.release(slot)
  }

  private release(slot: Slot): void {
    if (this.held.get(slot.seq) === slot) this.held.delete(slot.seq)
  }

  private async readAckFloor(): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(this.opts.stream, CONSUMER_NAME)
      this.ledger.prune(info.ack_floor.stream_seq)
      this.backlogMessages = info.num_pending + info.num_ack_pending
    } catch {
      /* next time */
    }
  }

  /** Stops pulling; buffered messages the worker did not take go back to the stream at once (nak). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopPulling()
    this.ledger.stop()
    if (this.ackFloorTimer) clearInterval(this.ackFloorTimer)
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer)
    for (const slot of this.buffer.splice(0)) this.settle(slot, 'nak')
    await this.pullLoop?.catch(() => {})
  }
}

class NatsMessage implements WorkMessage {
  readonly id: string
  readonly redelivered: boolean
  readonly deliveries: number
  constructor(
    private readonly queue: NatsWorkQueue,
    private readonly slot: Slot,
    readonly entries: Entry[],
  ) {
    this.id = String(slot.seq)
    this.redelivered = slot.m.redelivered
    this.deliveries = slot.m.info.deliveryCount
  }
  ack(): void {
    this.queue.settle(this.slot, 'ack')
  }
  nak(delayMs?: number): void {
    this.queue.settle(this.slot, 'nak', delayMs)
  }
  working(): void {
    this.slot.m.working()
  }
}
