// Types for native.mjs (imported by the TypeScript fault tests).
import type { ChildProcess } from 'node:child_process'

export interface NativeOptions {
  /** 0: a port this process binds (port 0) and hands to HAProxy as a descriptor (`bind fd@3`). */
  httpPort?: number
  statsPort?: number
  bind?: string
  dataDir?: string
  storeDataDir?: string
  /** 0: every instance (HTTP_PORT=0) and nats-server (port -1) binds a port of its own, read back from its log. */
  basePort?: number
  natsPort?: number
  natsUrl?: string
  natsReplicas?: number
  natsServer?: string
  haproxy?: string
  clickhouseUrl?: string
  env?: Record<string, string>
  logLevel?: string
  /** HAProxy stats password; default HAPROXY_STATS_PASSWORD, else a random one. */
  statsPassword?: string
  /** A command the store instance is started under, e.g. `['unshare', '--mount']` (fault tests). */
  storeWrap?: string[]
}

export interface NativeProc {
  name: string
  /** The port it listens on (read back from its log after the first start with basePort 0). */
  port?: number
  out: string
  /** The environment of the next start (fault tests change it between restarts). */
  env: Record<string, string | undefined>
  child: ChildProcess | undefined
  readonly running: boolean
  start(timeoutMs?: number): Promise<void>
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<void>
}

export interface Topology {
  url: string
  /** On 127.0.0.1 only, with HTTP Basic: statsUser / statsPassword. */
  statsUrl: string
  statsUser: string
  statsPassword: string
  natsUrl: string
  dataDir: string
  procs: Map<string, NativeProc>
  proc(name: string): NativeProc
  output(name: string): string
  kill(name: string, signal?: NodeJS.Signals): Promise<void>
  restart(name: string): Promise<void>
  start(name: string): Promise<void>
  waitBackendsUp(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
  destroy(): Promise<void>
}

/** A socket listening on `host` (127.0.0.1) on a port the kernel chose, to hand to a child as a descriptor. */
export function listeningSocket(host?: string): Promise<{ port: number; fd: number; close(): void }>
/** The HAProxy config with its HTTP and stats `bind` lines on inherited descriptors (`bind fd@<n>`). */
export function haproxyOnFds(cfg: string, fds: { http?: number; stats?: number }): string
export function haproxyConfig(servers: Record<string, { name: string; port: number }[]>): string
export function startNative(opts?: NativeOptions): Promise<Topology>
