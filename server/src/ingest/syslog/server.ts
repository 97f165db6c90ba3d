/**
 * Syslog listeners on SYSLOG_TCP_PORT / SYSLOG_UDP_PORT (SPEC §3). Each TCP connection has its own
 * frame decoder; the frames of one read go to the Ingestor as one batch, and the socket is paused
 * until the bus holds them, so a slow bus slows that sender (TCP backpressure) and no one else.
 * A bad frame is counted and skipped; nothing a sender does can throw out of a handler.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, type Server, type Socket } from 'node:net'
import type { Logger } from 'pino'
import type { RejectReason } from '../../errors.js'
import { DEFAULT_TENANT, nowTimestamp, type Entry } from '../../model/index.js'
import type { Ingestor } from '../ingestor.js'
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, type Frame } from './framing.js'
import { mapFrame } from './mapping.js'
import { DEFAULT_SYSLOG_IDLE_TIMEOUT_MS, DEFAULT_SYSLOG_MAX_CONNECTIONS, DEFAULT_SYSLOG_MAX_CONNECTIONS_PER_IP } from '../../config/settings.js'

const PROTOCOL = 'syslog'
/** Retry delays while the bus refuses a TCP batch (429 / 503): 100 ms doubling to 2 s. */
const RETRY_MIN_MS = 100
const RETRY_MAX_MS = 2_000
/** UDP entries waiting for the bus at most; beyond that datagrams are dropped (UDP has no backpressure). */
const UDP_MAX_PENDING = 50_000

export interface SyslogOptions {
  host: string
  tcpPort?: number | undefined
  udpPort?: number | undefined
  maxFrameBytes?: number
  idleTimeoutMs?: number
  maxConnections?: number
  maxConnectionsPerIp?: number
}

export class SyslogServer {
  private tcp: Server | undefined
  private udp: UdpSocket | undefined
  private readonly sockets = new Set<Socket>()
  private readonly perIp = new Map<string, number>()
  private readonly inflight = new Set<Promise<void>>()
  private udpPending: Entry[] = []
  private udpScheduled = false
  private closing = false
  private readonly maxFrame: number
  private readonly idleTimeoutMs: number
  private readonly maxConnections: number
  private readonly maxPerIp: number
  /** When the last refusal was logged: a flood of refusals is one warning a minute, not one each. */
  private refusedLoggedAt = 0

  constructor(
    private readonly ingestor: Ingestor,
    private readonly log: Logger,
    private readonly opts: SyslogOptions,
  ) {
    this.maxFrame = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_SYSLOG_IDLE_TIMEOUT_MS
    this.maxConnections = opts.maxConnections ?? DEFAULT_SYSLOG_MAX_CONNECTIONS
    this.maxPerIp = opts.maxConnectionsPerIp ?? DEFAULT_SYSLOG_MAX_CONNECTIONS_PER_IP
  }

  /** Starts the configured listeners; resolves with their bound ports. */
  async start(): Promise<{ tcp?: number; udp?: number }> {
    const ports: { tcp?: number; udp?: number } = {}
    if (this.opts.tcpPort !== undefined) {
      const tcp = createServer((s) => this.onConnection(s))
      this.tcp = tcp
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject)
        tcp.listen(this.opts.tcpPort, this.opts.host, () => {
          tcp.off('error', reject)
          resolve()
        })
      })
      tcp.on('error', (err) => this.log.error({ err }, 'syslog TCP listener error'))
      ports.tcp = (tcp.address() as { port: number }).port
    }
    if (this.opts.udpPort !== undefined) {
      const udp = createSocket(this.opts.host.includes(':') ? 'udp6' : 'udp4')
      this.udp = udp
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject)
        udp.bind(this.opts.udpPort, this.opts.host, () => {
          udp.off('error', reject)
          resolve()
        })
      })
      udp.on('error', (err) => this.log.error({ err }, 'syslog UDP listener error'))
      udp.on('message', (buf) => this.onDatagram(buf))
      ports.udp = udp.address().port
    }
    this.log.info({ ...ports, host: this.opts.host, maxFrameBytes: this.maxFrame }, 'syslog listening')
    return ports
  }

  /** Graceful: stop listening, let batches in hand reach the bus, then close the connections. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    const closed = this.tcp ? new Promise<void>((r) => (this.tcp as Server).close(() => r())) : Promise.resolve()
    if (this.udp) {
      try {
        this.udp.close()
      } catch {
        // never bound (start failed): nothing to close
      }
      this.flushUdp()
    }
    for (const s of this.sockets) s.pause()
    await Promise.allSettled([...this.inflight])
    for (const s of this.sockets) s.destroy()
    await closed
  }

  private onConnection(socket: Socket): void {
    if (this.closing) {
      socket.destroy()
      return
    }
    const ip = socket.remoteAddress ?? ''
    const fromIp = this.perIp.get(ip) ?? 0
    if (this.sockets.size >= this.maxConnections || fromIp >= this.maxPerIp) {
      this.refuse(socket, ip, this.sockets.size >= this.maxConnections ? 'SYSLOG_MAX_CONNECTIONS' : 'SYSLOG_MAX_CONNECTIONS_PER_IP')
      return
    }
    this.sockets.add(socket)
    this.perIp.set(ip, fromIp + 1)
    const decoder = new FrameDecoder(this.maxFrame)
    socket.on('error', () => {}) // a reset by the peer is not our error; 'close' follows
    socket.on('close', () => {
      this.sockets.delete(socket)
      const n = (this.perIp.get(ip) ?? 1) - 1
      if (n > 0) this.perIp.set(ip, n)
      else this.perIp.delete(ip)
    })
    // Silent in both directions for the idle timeout: close it. A socket paused while the bus holds
    // its batch is waiting for us, not idle.
    socket.setTimeout(this.idleTimeoutMs, () => {
      if (!socket.isPaused()) socket.destroy()
    })
    socket.on('data', (chunk: Buffer) => this.onFrames(socket, decoder.push(chunk)))
    socket.on('end', () => {
      this.onFrames(socket, decoder.end())
      socket.end()
    })
  }

  private refuse(socket: Socket, ip: string, limit: string): void {
    socket.on('error', () => {})
    socket.destroy()
    this.ingestor.reject(PROTOCOL, 'connection_refused')
    const now = Date.now()
    if (now - this.refusedLoggedAt > 60_000) {
      this.refusedLoggedAt = now
      this.log.warn({ ip, limit, connections: this.sockets.size, fromIp: this.perIp.get(ip) ?? 0 }, `syslog TCP connection refused: over ${limit}`)
    }
  }

  private onFrames(socket: Socket, frames: Frame[]): void {
    if (frames.length === 0) return
    const entries = this.toEntries(frames.map((f) => (f.ok ? f.data : f)))
    if (entries.length === 0) return
    socket.pause()
    const p = this.deliver(entries).finally(() => {
      this.inflight.delete(p)
      if (!this.closing) socket.resume()
    })
    this.inflight.add(p)
  }

  /** Hands a TCP batch to the bus, retrying while it is full or down (the sender waits meanwhile). */
  private async deliver(entries: Entry[]): Promise<void> {
    for (let delay = RETRY_MIN_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        await this.ingestor.accept(PROTOCOL, DEFAULT_TENANT, entries)
        return
      } catch (err) {
        // The Ingestor counted the refusal. While shutting down nothing more can be taken.
        if (this.closing || ((err as { statusCode?: number }).statusCode === 503 && /shutting down/.test((err as Error).message))) return
        this.log.warn(
          { err: (err as Error).message, entries: entries.length, retryInMs: delay },
          'syslog batch refused by the bus; retrying',
        )
        await new Promise((r) => setTimeout(r, delay))
      }
    }
  }

  private onDatagram(buf: Buffer): void {
    const entries = this.toEntries([buf.length > this.maxFrame ? tooLarge(buf.length, this.maxFrame) : buf])
    if (entries.length === 0) return
    if (this.udpPending.length >= UDP_MAX_PENDING) {
      this.ingestor.reject(PROTOCOL, 'queue_full', entries.length)
      return
    }
    this.udpPending.push(...entries)
    if (!this.udpScheduled) {
      this.udpScheduled = true
      setImmediate(() => this.flushUdp())
    }
  }

  /** Datagrams that arrived in the same turn of the event loop go to the bus as one batch. */
  private flushUdp(): void {
    this.udpScheduled = false
    const entries = this.udpPending
    if (entries.length === 0) return
    this.udpPending = []
    const p = this.ingestor
      .accept(PROTOCOL, DEFAULT_TENANT, entries)
      .catch(() => {}) // counted by the Ingestor; UDP senders cannot be told
      .finally(() => this.inflight.delete(p))
    this.inflight.add(p)
  }

  private toEntries(frames: (Buffer | { ok: false; reason: RejectReason; error: string })[]): Entry[] {
    const receivedAt = nowTimestamp()
    const entries: Entry[] = []
    for (const f of frames) {
      if (!Buffer.isBuffer(f)) {
        this.ingestor.reject(PROTOCOL, f.reason)
        this.log.debug({ reason: f.reason, error: f.error }, 'syslog frame rejected')
        continue
      }
      const v = mapFrame(f.toString('utf8'), receivedAt)
      if (v.ok) entries.push(v.entry)
      else {
        this.ingestor.reject(PROTOCOL, v.reason)
        this.log.debug({ reason: v.reason, error: v.error }, 'syslog message rejected')
      }
    }
    return entries
  }
}

function tooLarge(len: number, max: number): { ok: false; reason: RejectReason; error: string } {
  return { ok: false, reason: 'frame_too_large', error: `datagram of ${len} bytes is over the limit of ${max}` }
}
