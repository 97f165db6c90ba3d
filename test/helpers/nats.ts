/**
 * Starts real `nats-server` processes for tests (as nats.js's own tests do): a temporary JetStream
 * store, torn down in teardown (and on exit, whatever happened). One server, or a cluster of three
 * with routes and JetStream clustering.
 *
 * Ports are bound by nats-server itself (`listen: 127.0.0.1:-1`, a random free port) and read back
 * from its log ("Listening for client connections on ..."), so suites running in parallel cannot
 * take each other's ports between a pick and a bind. After the first start the config names the
 * ports it got: a restart (`kill` then `start`) binds the same ones, because clients and routes know
 * the server by them.
 *
 * The config written here has no `sync_interval`: Debian's nats-server 2.9.10 refuses it as an
 * unknown field. The shipped production config (deploy/nats/nats.conf) sets `sync_interval: always`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
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

/**
 * A port nothing listened on a moment ago. Only for an address that must NOT answer (a store URL
 * that cannot be reached) or for a program that cannot bind port 0 itself and retries when the
 * port was taken meanwhile: a server under test binds port 0 and reports the port it got.
 */
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
  /** 0: nats-server picks a free one (read back after the start). */
  port: number
  /** nats-server's max_payload (default here 8MB), e.g. `64KB`. */
  maxPayload?: string
  /** Cluster name (one per setup: a stray route to another suite's cluster is refused). */
  cluster?: string
  /** 0: nats-server picks a free one. */
  clusterPort?: number
  routes?: number[]
}

function configText(spec: ServerSpec, storeDir: string): string {
  const lines = [
    `server_name: ${spec.name}`,
    `listen: 127.0.0.1:${spec.port || -1}`,
    `max_payload: ${spec.maxPayload ?? '8MB'}`,
    `jetstream {`,
    `  store_dir: "${storeDir}"`,
    `  max_memory_store: 256MB`,
    `  max_file_store: 4GB`,
    `}`,
  ]
  if (spec.cluster) {
    lines.push(
      `cluster {`,
      `  name: ${spec.cluster}`,
      `  listen: 127.0.0.1:${spec.clusterPort || -1}`,
      `  routes: [${(spec.routes ?? []).map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}]`,
      `}`,
    )
  }
  return lines.join('\n') + '\n'
}

function makeServer(spec: ServerSpec, root: string): NatsServer & { spec: ServerSpec; writeConfig(): void } {
  const storeDir = join(root, spec.name)
  const conf = join(root, `${spec.name}.conf`)
  let out = ''
  const server = {
    spec,
    name: spec.name,
    url: '',
    port: 0,
    storeDir,
    proc: undefined as unknown as ChildProcess,
    output: () => out,
    writeConfig: () => writeFileSync(conf, configText(spec, storeDir)),
    async start() {
      server.writeConfig()
      const proc = spawn(NATS_SERVER, ['-c', conf], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      live.add(proc)
      proc.once('exit', () => live.delete(proc))
      server.proc = proc
      let seen = ''
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nats-server ${spec.name} did not start:\n${out}`)), 20_000)
        const onData = (b: Buffer) => {
          out += b.toString()
          seen += b.toString()
          const client = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(seen)
          const route = /Listening for route connections on 127\.0\.0\.1:(\d+)/.exec(seen)
          // The route listener opens after "Server is ready": a cluster member is ready with both.
          if (client && /Server is ready/.test(seen) && (!spec.cluster || route)) {
            clearTimeout(timer)
            spec.port = Number(client[1])
            if (route) spec.clusterPort = Number(route[1])
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
      server.port = spec.port
      server.url = `nats://127.0.0.1:${spec.port}`
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

/** One nats-server with JetStream on a port it bound itself. */
export async function startNats(opts: { maxPayload?: string } = {}): Promise<NatsSetup> {
  const root = mkdtempSync(join(tmpdir(), 'ogls-nats-'))
  const s = makeServer({ name: 'n1', port: 0, maxPayload: opts.maxPayload }, root)
  await s.start()
  await waitForJetStream(s.url)
  return setup([s], root)
}

/**
 * Three nats-servers routed into one cluster with clustered JetStream (stream replicas 3). Every
 * port is bound by its server: the first starts with a route to a listener this process holds (a
 * clustered JetStream needs a configured route; the listener drops what connects), the others with a
 * route to the first's route port, and the first learns them from their routes. Then every config
 * names the routes of all the others, for restarts.
 */
export async function startNatsCluster(size = 3): Promise<NatsSetup> {
  const root = mkdtempSync(join(tmpdir(), 'ogls-natsc-'))
  const cluster = `ogls-test-${randomBytes(4).toString('hex')}`
  const placeholder = await new Promise<Server>((resolve, reject) => {
    const srv = createServer((sock) => sock.destroy())
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => resolve(srv))
    srv.unref()
  })
  const held = (placeholder.address() as { port: number }).port
  const servers = Array.from({ length: size }, (_, i) => makeServer({ name: `n${i + 1}`, port: 0, cluster, clusterPort: 0, routes: [held] }, root))
  const [first, ...rest] = servers as [ReturnType<typeof makeServer>, ...ReturnType<typeof makeServer>[]]
  await first.start()
  for (const s of rest) s.spec.routes = [first.spec.clusterPort as number]
  await Promise.all(rest.map((s) => s.start()))
  for (const s of servers) {
    s.spec.routes = servers.filter((o) => o !== s).map((o) => o.spec.clusterPort as number)
    s.writeConfig()
  }
  await waitForJetStream(servers.map((s) => s.url).join(','))
  const set = setup(servers, root)
  return {
    ...set,
    async stop() {
      await set.stop()
      placeholder.close()
    },
  }
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
