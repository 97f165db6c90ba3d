/**
 * A lease in NATS JetStream key-value (issue 16: one alert evaluator per cluster). The bucket is a KV
 * bucket as nats.js and the `nats kv` tool lay it out (stream `KV_oglogstream_leases`, subjects
 * `$KV.oglogstream_leases.<name>`, one message per key), whose max age is the TTL: the holder's entry
 * disappears TTL after its last renewal. Taking and renewing are publishes with an expected last
 * sequence for the key (compare-and-set): taking expects none (or a released one), renewing expects
 * the holder's own last one, so two processes can never both succeed. The holder renews every third of
 * the TTL and gives the lease up by itself when it could not renew for two thirds of it, before the
 * entry can lapse and another take it.
 */
import { randomUUID } from 'node:crypto'
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream'
import type { Logger } from 'pino'
import type { Lease } from '../bus.js'
import { isNotFound } from './provision.js'

export const LEASE_BUCKET = 'oglogstream_leases'
const STREAM = `KV_${LEASE_BUCKET}`
const ms2ns = (ms: number) => ms * 1_000_000

interface Value {
  holder: string
  released?: boolean
}

export class NatsLease implements Lease {
  readonly id = randomUUID()
  private seq = 0
  private lastRenew = 0
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private busy: Promise<void> | undefined
  private onGain: () => void = () => {}
  private onLose: () => void = () => {}
  private readonly subject: string

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly name: string,
    private readonly ttlMs: number,
    private readonly replicas: number,
    private readonly log: Logger,
  ) {
    this.subject = `$KV.${LEASE_BUCKET}.${name}`
  }

  get held(): boolean {
    return this.seq > 0
  }

  start(onGain: () => void, onLose: () => void): void {
    this.onGain = onGain
    this.onLose = onLose
    const loop = () => {
      if (this.closed) return
      this.busy = this.round()
        .catch((err: unknown) => this.log.warn({ lease: this.name, err: String(err) }, 'lease round failed'))
        .finally(() => {
          this.busy = undefined
          if (!this.closed) this.timer = setTimeout(loop, Math.max(200, Math.floor(this.ttlMs / 3))).unref()
        })
    }
    loop()
  }

  private async ensureBucket(): Promise<void> {
    const maxAge = ms2ns(this.ttlMs)
    try {
      const cur = (await this.jsm.streams.info(STREAM)).config
      if (cur.max_age !== maxAge)
        await this.jsm.streams.update(STREAM, {
          ...cur,
          max_age: maxAge,
          duplicate_window: Math.min(cur.duplicate_window ?? maxAge, maxAge),
        })
      return
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    await this.jsm.streams
      .add({
        name: STREAM,
        subjects: [`$KV.${LEASE_BUCKET}.>`],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        discard: DiscardPolicy.New,
        max_age: maxAge,
        duplicate_window: maxAge,
        max_msgs_per_subject: 1,
        allow_rollup_hdrs: true,
        deny_delete: true,
        allow_direct: true,
        num_replicas: this.replicas,
      })
      .catch(async (err) => {
        await this.jsm.streams.info(STREAM).catch(() => Promise.reject(err))
      })
  }

  private async put(value: Value, expect: number): Promise<number> {
    const ack = await this.js.publish(this.subject, JSON.stringify(value), {
      expect: { lastSubjectSequence: expect },
      timeout: Math.max(1_000, Math.floor(this.ttlMs / 3)),
    })
    return ack.seq
  }

  private lose(why: string): void {
    if (!this.held) return
    this.seq = 0
    this.log.warn({ lease: this.name, why }, 'lease lost')
    this.onLose()
  }

  private async round(): Promise<void> {
    if (this.held) {
      try {
        this.seq = await this.put({ holder: this.id }, this.seq)
        this.lastRenew = Date.now()
      } catch (err) {
        // Another holder (our entry lapsed), or NATS unreachable for too long: stop before another starts.
        if (/wrong last sequence/i.test(String(err))) this.lose('another process holds it')
        else if (Date.now() - this.lastRenew > (this.ttlMs * 2) / 3) this.lose(`could not renew: ${String(err)}`)
        else throw err
      }
      return
    }
    await this.ensureBucket()
    let expect = 0
    const cur = await this.jsm.streams.getMessage(STREAM, { last_by_subj: this.subject }).catch((err: unknown) => {
      if (isNotFound(err)) return null
      throw err
    })
    if (cur) {
      const v = cur.json<Value>()
      if (!v.released && v.holder !== this.id) return
      expect = cur.seq
    }
    try {
      this.seq = await this.put({ holder: this.id }, expect)
    } catch (err) {
      if (/wrong last sequence/i.test(String(err))) return // another process was quicker
      throw err
    }
    this.lastRenew = Date.now()
    this.log.info({ lease: this.name, holder: this.id, ttlMs: this.ttlMs }, 'lease taken')
    this.onGain()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.timer)
    await this.busy
    if (!this.held) return
    const seq = this.seq
    this.seq = 0
    this.onLose()
    await this.put({ holder: this.id, released: true }, seq).catch(() => {})
  }
}
