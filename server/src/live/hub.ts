/**
 * Live fan-out, off the ingest path. `publish` only appends entries to a pending queue bounded in
 * bytes (entries that do not fit are dropped for the live tail and counted); the fan-out runs later,
 * on `setImmediate`, in slices whose work (entries × clients) is bounded, so neither an ingest
 * request nor the event loop waits for the clients. Each entry is serialized at most once into a
 * Buffer that every matching client's socket shares. A client whose unsent bytes (`bufferedAmount`)
 * pass `bufferBytes` is terminated at once: its memory stays bounded and it never slows the others.
 */
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import { entryJsonBytes, tenantOfEntry, toApiEntry, type Entry, type Tenant } from '../model/index.js'
import type { LiveMetrics } from './metrics.js'

export interface LiveFilter {
  /** The client's tenant: it is sent that tenant's entries only. */
  tenant: Tenant
  levels?: Set<string> | undefined
  services?: Set<string> | undefined
  match?: ((e: Entry) => boolean) | undefined
  /** The client's own frame for an entry (the Loki tail's); the shared JSON entry when absent. */
  encode?: ((e: Entry) => Buffer) | undefined
}

export interface LiveLimits {
  /** A client with more unsent bytes than this is terminated (`LIVE_BUFFER_BYTES`). */
  bufferBytes: number
  /** Clients at most (`LIVE_MAX_CLIENTS`). */
  maxClients: number
  /** Entries waiting for the fan-out at most, in estimated bytes; beyond, new entries are dropped. */
  pendingBytes: number
}

interface Client {
  ws: WebSocket
  filter: LiveFilter
}

/** Entry × client sends per slice (a few milliseconds of work), then the event loop gets a turn. */
const SLICE_WORK = 10_000
/** A client's corked frames are written out every this many bytes (and at the end of a slice). */
const FLUSH_BYTES = 64 * 1024
const OPEN = 1

export class LiveHub {
  private readonly clients = new Set<Client>()
  private queue: Entry[] = []
  private head = 0
  private queuedBytes = 0
  private scheduled: NodeJS.Immediate | undefined
  private closed = false

  constructor(
    private readonly metrics: LiveMetrics,
    private readonly limits: LiveLimits,
  ) {}

  get size(): number {
    return this.clients.size
  }

  /** True when one more client would pass `maxClients`. */
  get full(): boolean {
    return this.clients.size >= this.limits.maxClients
  }

  /** Estimated bytes waiting for the fan-out. */
  get pendingBytes(): number {
    return this.queuedBytes
  }

  get maxClients(): number {
    return this.limits.maxClients
  }

  /** Adds a client; false (and nothing added) when the hub is full. */
  add(ws: WebSocket, filter: LiveFilter): boolean {
    if (this.full) return false
    if (this.closed) {
      ws.close(1001, 'server shutting down')
      return true
    }
    const c: Client = { ws, filter }
    this.clients.add(c)
    this.metrics.liveClients.set(this.clients.size)
    const remove = () => this.remove(c)
    ws.once('close', remove)
    ws.once('error', remove)
    return true
  }

  /** Hands entries to the fan-out and returns at once; never throws, never waits for a client. */
  publish(entries: Entry[]): void {
    if (this.clients.size === 0 || this.closed) return
    let dropped = 0
    for (const e of entries) {
      const n = entryJsonBytes(e)
      if (this.queuedBytes + n > this.limits.pendingBytes) {
        dropped++
        continue
      }
      // A copy of its own without pattern_id: the process role may label the same entry object before
      // or while it waits here, and live entries carry none (README), whatever the timing.
      const { pattern_id: _, ...copy } = e
      this.queue.push(copy)
      this.queuedBytes += n
    }
    if (dropped) this.metrics.liveDropped.inc(dropped)
    if (this.queue.length > this.head) this.schedule()
  }

  closeAll(): void {
    this.closed = true
    this.clearQueue()
    for (const c of this.clients) c.ws.close(1001, 'server shutting down')
  }

  private schedule(): void {
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined
      this.drain()
    })
  }

  /** Sends one slice of the queue to every client, then yields to the event loop if more is waiting. */
  private drain(): void {
    if (this.clients.size === 0) return this.clearQueue()
    const count = Math.min(this.queue.length - this.head, Math.max(1, Math.floor(SLICE_WORK / this.clients.size)))
    const slice = this.queue.slice(this.head, this.head + count)
    this.head += count
    for (const e of slice) this.queuedBytes -= entryJsonBytes(e)
    if (this.head === this.queue.length) this.clearQueue()
    else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      // Compact now and then, so a long busy spell does not keep consumed entries referenced.
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }

    const texts: (Buffer | undefined)[] = new Array(slice.length)
    for (const c of this.clients) if (c.ws.readyState === OPEN) this.sendSlice(c, slice, texts)
    if (this.queue.length > this.head) this.schedule()
  }

  /**
   * Sends a client the entries of the slice it matches. Its frames are corked and written together
   * every `FLUSH_BYTES` (one write per flush, not per entry); after each flush whatever the kernel did
   * not take is what the client is behind by.
   */
  private sendSlice(c: Client, slice: Entry[], texts: (Buffer | undefined)[]): void {
    const f = c.filter
    const sock = (c.ws as unknown as { _socket?: Duplex })._socket
    const flushAt = Math.min(FLUSH_BYTES, this.limits.bufferBytes)
    let corked = 0
    sock?.cork()
    for (let i = 0; i < slice.length; i++) {
      const e = slice[i] as Entry
      if (tenantOfEntry(e) !== f.tenant) continue
      if (f.levels && !f.levels.has(e.level)) continue
      if (f.services && !f.services.has(e.service)) continue
      if (f.match && !f.match(e)) continue
      // One Buffer per entry, shared by every socket that sends it (no copy per client).
      const text = f.encode ? f.encode(e) : (texts[i] ??= Buffer.from(JSON.stringify(toApiEntry(e))))
      c.ws.send(text, { binary: false })
      corked += text.length
      if (corked < flushAt && i < slice.length - 1) continue
      sock?.uncork()
      corked = 0
      if (c.ws.bufferedAmount > this.limits.bufferBytes) return this.terminate(c)
      sock?.cork()
    }
    sock?.uncork()
    if (c.ws.bufferedAmount > this.limits.bufferBytes) this.terminate(c)
  }

  /** Cuts a client that fell more than `bufferBytes` behind: a close frame would only queue behind them. */
  private terminate(c: Client): void {
    this.remove(c)
    this.metrics.liveTerminated.inc()
    c.ws.terminate()
  }

  private remove(c: Client): void {
    if (!this.clients.delete(c)) return
    this.metrics.liveClients.set(this.clients.size)
  }

  private clearQueue(): void {
    this.queue = []
    this.head = 0
    this.queuedBytes = 0
    if (this.scheduled) clearImmediate(this.scheduled)
    this.scheduled = undefined
  }
}
