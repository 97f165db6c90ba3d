/**
 * Starts real `nats-server` processes for tests (as nats.js's own tests do): a free port, a
 * temporary JetStream store, torn down in teardown (and on exit, whatever happened). One server, or a
 * cluster of three with routes and JetStream clustering.
 *
 * The config written here has no `sync_interval`: Debian's nats-server 2.9.10 refuses it as an
 * unknown field. The shipped production config (deploy/nats/nats.conf) sets `sync_interval: always`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'

export const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server'

const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const p of live) killGroup(p, 'SIGKILL')
})

export function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return
  try {
    process.kill(-p.pid, signal)
  } catch {
    try {
      p.kill(signal)
    } catch {
      /* gone */
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      const port = typeof a === 'object' && a ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}

export interface NatsServer {
  name: string
  url: string
  port: number
  storeDir: string
  proc: ChildProcess
  output(): string
  /** Starts the process again with the same config and store (after `kill`). */
  start(): Promise<void>
  kill(signal?: NodeJS.Signals): Promise<void>
}

interface ServerSpec {
  name: string
  port: number
  /** nats-server's max_payload (default here 8MB), e.g. `64KB`. */
  maxPayload?: string
  clusterPort?: number
  routes?: number[]
}

function configText(spec: ServerSpec, storeDir: string): string {
  const lines = [
    `server_name: ${spec.name}`,
    `listen: 127.0.0.1:${spec.port}`,
    `max_payload: ${spec.maxPayload ?? '8MB'}`,
    `jetstream {`,
    `  store_dir: "${storeDir}"`,
    `  max_memory_store: 256MB`,
    `  max_file_store: 4GB`,
    `}`,
  ]
  if (spec.clusterPort) {
    lines.push(
      `cluster {`,
      `  name: ogls-test`,
      `  listen: 127.0.0.1:${spec.clusterPort}`,
      `  routes: [${(spec.routes ?? []).map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}]`,
      `}`,
    )
  }
  return lines.join('\n') + '\n'
}

function makeServer(spec: ServerSpec, root: string): NatsServer {
  const storeDir = join(root, spec.name)
  const conf = join(root, `${spec.name}.conf`)
  writeFileSync(conf, configText(spec, storeDir))
  let out = ''
  const server: NatsServer = {
    name: spec.name,
    url: `nats://127.0.0.1:${spec.port}`,
    port: spec.port,
    storeDir,
    proc: undefined as unknown as ChildProcess,
    output: () => out,
    async start() {
      const proc = spawn(NATS_SERVER, ['-c', conf], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      live.add(proc)
      proc.once('exit', () => live.delete(proc))
      server.proc = proc
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nats-server ${spec.name} did not start:\n${out}`)), 20_000)
        const onData = (b: Buffer) => {
          out += b.toString()
          if (/Server is ready/.test(out.slice(-4096))) {
            clearTimeout(timer)
            resolve()
          }
        }
        proc.stdout?.on('data', onData)
        proc.stderr?.on('data', onData)
        proc.once('exit', (code) => {
          clearTimeout(timer)
          reject(new Error(`nats-server ${spec.name} exited with ${code}:\n${out}`))
        })
      })
      out += `\n--- started ---\n`
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const p = server.proc
      if (!p || p.exitCode !== null || p.signalCode !== null) return
      const exited = new Promise<void>((r) => p.once('exit', () => r()))
      killGroup(p, signal)
      await exited
    },
  }
  return server
}

export interface NatsSetup {
  servers: NatsServer[]
  /** Comma-separated URLs of every server (NATS_URL). */
  url: string
  stop(): Promise<void>
}

/** One nats-server with JetStream on a free port. */
export async function startNats(opts: { maxPayload?: string } = {}): Promise<NatsSetup> {
  const root = mkdtempSync(join(tmpdir(), 'ogls-nats-'))
  const s = makeServer({ name: 'n1', port: await freePort(), maxPayload: opts.maxPayload }, root)
  await s.start()
  await waitForJetStream(s.url)
  return setup([s], root)
}

/** Three nats-servers routed into one cluster with clustered JetStream (stream replicas 3). */
export async function startNatsCluster(size = 3): Promise<NatsSetup> {
  const root = mkdtempSync(join(tmpdir(), 'ogls-natsc-'))
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()))
  const cports = await Promise.all(Array.from({ length: size }, () => freePort()))
  const servers = ports.map((port, i) =>
    makeServer({ name: `n${i + 1}`, port, clusterPort: cports[i] as number, routes: cports.filter((_, j) => j !== i) }, root),
  )
  await Promise.all(servers.map((s) => s.start()))
  await waitForJetStream(servers.map((s) => s.url).join(','))
  return setup(servers, root)
}

function setup(servers: NatsServer[], root: string): NatsSetup {
  return {
    servers,
    url: servers.map((s) => s.url).join(','),
    async stop() {
      await Promise.all(servers.map((s) => s.kill('SIGKILL')))
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** Waits until JetStream answers (in a cluster: a meta leader is elected). */
export async function waitForJetStream(url: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < end) {
    try {
      const nc = await connect({ servers: url.split(','), timeout: 2_000 })
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 })
        await jsm.getAccountInfo()
        return
      } finally {
        await nc.close()
      }
    } catch (err) {
      last = err
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  throw new Error(`JetStream not ready at ${url}: ${String(last)}`)
}
