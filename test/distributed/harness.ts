/**
 * Shared by the fault tests: the native topology (deploy/native.mjs), each process on a port it bound, with a temporary
 * data directory, a steady load generator through HAProxy that records every entry answered 202
 * (each carries a unique id in its attributes), and the exactly-once check over /api/export.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { startNative, type NativeOptions, type Topology } from '../../deploy/native.mjs'
import { storedIds } from '../helpers/server.ts'

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Settings that make faults show quickly: short batches, a short ack wait, no rate limit. */
export const FAST_ENV: Record<string, string> = {
  FLUSH_TIMEOUT: '200ms',
  NATS_ACK_WAIT: '5s',
  NATS_MAX_BYTES: '256MiB',
  RATE_LIMIT_MAX: '0',
  RETRY_BASE: '100ms',
  SHUTDOWN_TIMEOUT: '10s',
}

export interface TestTopology extends Topology {
  cleanup(): Promise<void>
}

export async function startTopology(opts: NativeOptions = {}): Promise<TestTopology> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ogls-dist-'))
  const t = await startNative({
    basePort: 0,
    bind: '127.0.0.1',
    // HAProxy on free ports (started again on others if one was taken); every other process binds its own.
    httpPort: 0,
    statsPort: 0,
    logLevel: 'info',
    ...opts,
    dataDir,
    env: { ...FAST_ENV, ...opts.env },
  })
  return Object.assign(t, {
    async cleanup() {
      if (process.env.FAULT_LOG_DIR) diagnostics(t) // keeps the logs of a passing run too
      await t.destroy()
      rmSync(dataDir, { recursive: true, force: true })
    },
  })
}

/** How often the store-owning worker re-formed or acked a batch it had inserted before (diagnostics). */
export function recoveries(t: Topology): string {
  const out = t.output('store')
  const count = (re: RegExp) => (out.match(re) ?? []).length
  return `batches re-formed under their token: ${count(/re-formed under its recorded token/g)}, found stored and acked: ${count(/belong to a stored batch/g)}`
}

/** The last lines of every process's output, for a failing test's message. */
export function diagnostics(t: Topology | undefined): string {
  if (!t) return ''
  // FAULT_LOG_DIR: every process's whole output is kept there too (a failure seen once under load).
  const dir = process.env.FAULT_LOG_DIR
  if (dir) {
    mkdirSync(dir, { recursive: true })
    for (const [name, p] of t.procs) writeFileSync(join(dir, `${name}.log`), p.out)
  }
  const lines = Number(process.env.FAULT_LOG_LINES ?? 15)
  return [...t.procs.entries()].map(([name, p]) => `--- ${name} ---\n${p.out.split('\n').slice(-lines).join('\n')}`).join('\n')
}

/**
 * What one request of a load sends: `single` one entry to POST /log, `bulk` 20 entries as a JSON array
 * to POST /logs, `es` 10 documents to the Elasticsearch bulk endpoint (a shipper protocol).
 */
export type LoadKind = 'single' | 'bulk' | 'es'

/**
 * A steady load (about `rate` requests per second over `concurrency` connections) of one kind.
 * Every entry has a unique `lid` attribute; `accepted` holds the ids answered 202 (for `es`: 200 with
 * the item created).
 */
export class Load {
  readonly accepted = new Set<string>()
  readonly statuses = new Map<number, number>()
  private running = false
  private workers: Promise<void>[] = []
  private n = 0
  /** Status of the latest answer, and when the latest 202 came. */
  last = 0
  lastAcceptedAt = 0

  constructor(
    private readonly url: string,
    readonly service: string,
    private readonly rate = 150,
    private readonly concurrency = 10,
    readonly kind: LoadKind = 'single',
  ) {}

  start(): this {
    this.running = true
    const interval = (this.concurrency / this.rate) * 1_000
    for (let w = 0; w < this.concurrency; w++) {
      this.workers.push(
        (async () => {
          while (this.running) {
            const t0 = Date.now()
            await this.send()
            const wait = interval - (Date.now() - t0)
            if (wait > 0) await sleep(wait)
          }
        })(),
      )
    }
    return this
  }

  private request(ids: string[]): { path: string; type: string; body: string } {
    const entry = (id: string) => ({ level: 'info', service: this.service, message: `load ${id}`, attributes: { lid: id } })
    if (this.kind === 'single') return { path: '/log', type: 'application/json', body: JSON.stringify(entry(ids[0] as string)) }
    if (this.kind === 'bulk') return { path: '/logs', type: 'application/json', body: JSON.stringify(ids.map(entry)) }
    const lines = ids.flatMap((id) => [JSON.stringify({ create: {} }), JSON.stringify({ message: `load ${id}`, 'service.name': this.service, 'log.level': 'info', lid: id })])
    return { path: '/es/_bulk', type: 'application/x-ndjson', body: lines.join('\n') + '\n' }
  }

  private async send(): Promise<void> {
    const size = this.kind === 'single' ? 1 : this.kind === 'bulk' ? 20 : 10
    const ids = Array.from({ length: size }, () => `${this.service}-${this.kind}-${++this.n}`)
    const req = this.request(ids)
    let status: number
    let created = ids
    try {
      const res = await fetch(`${this.url}${req.path}`, {
        method: 'POST',
        headers: { 'content-type': req.type },
        body: req.body,
        signal: AbortSignal.timeout(15_000),
      })
      status = res.status
      if (this.kind === 'es' && status === 200) {
        const body = (await res.json()) as { items: Record<string, { status: number }>[] }
        created = ids.filter((_, i) => Object.values(body.items[i] ?? {})[0]?.status === 201)
        status = created.length === ids.length ? 202 : 207 // counted as 202 only when every item was created
      } else await res.arrayBuffer()
    } catch {
      status = 0 // connection refused/reset or timeout: not accepted
    }
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1)
    this.last = status
    if (status === 202 || status === 207) {
      for (const id of created) this.accepted.add(id)
      this.lastAcceptedAt = Date.now()
    }
  }

  /** Resolves once `n` more entries were accepted (the system is serving). */
  async acceptedMore(n: number, timeoutMs: number): Promise<void> {
    const target = this.accepted.size + n
    const end = Date.now() + timeoutMs
    while (this.accepted.size < target) {
      if (Date.now() > end) throw new Error(`load: fewer than ${n} entries accepted within ${timeoutMs} ms; statuses ${this.summary()}`)
      await sleep(100)
    }
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.workers)
  }

  count(status: number): number {
    return this.statuses.get(status) ?? 0
  }

  summary(): string {
    return JSON.stringify(Object.fromEntries(this.statuses))
  }
}


/**
 * The bus has nothing left to deliver: the shared consumer `process` has no message pending
 * (num_pending 0), none delivered and not yet acknowledged (num_ack_pending 0, so no ack wait can
 * run out and redeliver one) and none being redelivered (num_redelivered 0), and the work-queue
 * stream holds no message past the consumer's ack floor (a worker's ack removes it; one restored
 * after a hard kill of nats-server can stay, acknowledged). Asked of the test's own nats-server(s) with
 * the official client. Resolves with the last consumer state; throws with it after `timeoutMs`.
 */
export async function waitBusDrained(natsUrl: string, stream = 'LOGS', timeoutMs = 60_000): Promise<string> {
  const nc = await connect({ servers: natsUrl.split(','), reconnectTimeWait: 200, maxReconnectAttempts: -1 })
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: false })
    const end = Date.now() + timeoutMs
    let state = 'not read yet'
    for (;;) {
      try {
        const c = await jsm.consumers.info(stream, 'process')
        const s = await jsm.streams.info(stream)
        state = `num_pending ${c.num_pending}, num_ack_pending ${c.num_ack_pending}, num_redelivered ${c.num_redelivered}, stream messages ${s.state.messages} (last ${s.state.last_seq}, consumer's ack floor ${c.ack_floor.stream_seq})`
        // Messages left in the work-queue stream must be behind the consumer's ack floor: after a hard kill,
        // nats-server can restore messages whose acks it had recorded but whose removal it had not written;
        // they are never delivered again. Anything past the floor would still be delivered.
        const behindFloor = s.state.messages === 0 || s.state.last_seq <= c.ack_floor.stream_seq
        if (c.num_pending === 0 && c.num_ack_pending === 0 && c.num_redelivered === 0 && behindFloor) return state
      } catch (err) {
        state = `consumer info failed: ${String(err)}` // e.g. no JetStream leader yet after a restart
      }
      if (Date.now() > end) throw new Error(`the bus did not drain within ${timeoutMs} ms: ${state}`)
      await sleep(200)
    }
  } finally {
    await nc.close()
  }
}

/**
 * Waits until every id in `accepted` is stored and the bus has nothing left to deliver (no message
 * pending or awaiting its ack, so no redelivery can come), then asserts each id is stored exactly
 * once and that no id at all is stored twice; the store's own count must agree.
 */
export async function assertExactlyOnce(
  t: Pick<Topology, 'url' | 'natsUrl'>,
  service: string,
  accepted: Set<string>,
  timeoutMs = 120_000,
): Promise<Map<string, number>> {
  const { url } = t
  const end = Date.now() + timeoutMs
  let missing: string[] = []
  for (;;) {
    const stored = await storedIds(url, service).catch(() => undefined)
    if (stored) {
      missing = [...accepted].filter((id) => !stored.has(id))
      if (missing.length === 0) break
    }
    if (Date.now() > end) break
    await sleep(1_000)
  }
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${accepted.size} entries answered 202 are not stored`)
  // A worker inserts and then acks: once nothing is pending or unacknowledged, every insert that
  // will ever happen has happened, and a duplicate from a redelivery would be stored by now.
  await waitBusDrained(t.natsUrl, 'LOGS', Math.max(10_000, end - Date.now()))
  const stored = await storedIds(url, service)
  const dup = [...stored].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`)
  assert.deepEqual(dup.slice(0, 20), [], `${dup.length} entries stored more than once`)
  assert.deepEqual(
    [...accepted].filter((id) => !stored.has(id)),
    [],
  )
  const stats = (await (await fetch(`${url}/api/stats?service=${encodeURIComponent(service)}`)).json()) as { total_logs: number }
  assert.equal(stats.total_logs, stored.size, 'the store counts as many rows as distinct ids')
  return stored
}

/**
 * The end of every fault test: stop the load, check that each entry answered 202 is stored exactly
 * once and that the seed's smoke test passes. Returns the load summary and the recoveries seen.
 */
export async function verifyAfterFault(t: Topology, load: Load | Mixed): Promise<string> {
  await load.stop()
  await assertExactlyOnce(t, load.service, load.accepted)
  await smoke(t.url)
  return `${load.summary()}; ${recoveries(t)}`
}

/**
 * Mixed traffic under one service: single entries (POST /log), bulk requests (POST /logs) and a
 * shipper protocol (Elasticsearch bulk), each entry with its own `lid`.
 */
export class Mixed {
  readonly loads: Load[]
  constructor(
    url: string,
    readonly service: string,
    rate = 150,
  ) {
    this.loads = [new Load(url, service, rate, 10, 'single'), new Load(url, service, 10, 2, 'bulk'), new Load(url, service, 10, 2, 'es')]
  }
  start(): this {
    for (const l of this.loads) l.start()
    return this
  }
  get accepted(): Set<string> {
    return new Set(this.loads.flatMap((l) => [...l.accepted]))
  }
  /** Resolves once `n` more entries were accepted, at least one more by every kind. */
  async acceptedMore(n: number, timeoutMs: number): Promise<void> {
    const base = this.loads.map((l) => l.accepted.size)
    const target = this.accepted.size + n
    const end = Date.now() + timeoutMs
    while (this.accepted.size < target || this.loads.some((l, i) => l.accepted.size <= (base[i] as number))) {
      if (Date.now() > end) throw new Error(`load: fewer than ${n} entries accepted within ${timeoutMs} ms; statuses ${this.summary()}`)
      await sleep(100)
    }
  }
  count(status: number): number {
    return this.loads.reduce((a, l) => a + l.count(status), 0)
  }
  async stop(): Promise<void> {
    await Promise.all(this.loads.map((l) => l.stop()))
  }
  summary(): string {
    return this.loads.map((l) => `${l.kind}: ${l.accepted.size} accepted ${l.summary()}`).join('; ')
  }
}

/** A fault test's failure with the load and the output of every process attached. */
export function faultFailure(err: unknown, t: Topology | undefined, load: Load | Mixed | undefined): Error {
  return new Error(`${String(err)}\nload: ${load?.summary()}\n${diagnostics(t)}`, { cause: err })
}

/** The seed smoke test through HAProxy: POST /log, GET /api/logs, /api/stats, /health. */
export async function smoke(url: string, service = 'smoke'): Promise<void> {
  const post = await fetch(`${url}/log`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ level: 'info', message: 'Log message', service, timestamp: new Date().toISOString() }),
  })
  const body = await post.text()
  assert.equal(post.status, 202, body)
  assert.equal((JSON.parse(body) as { status: string }).status, 'accepted')
  const logs = await fetch(`${url}/api/logs?service=${service}`)
  assert.equal(logs.status, 200)
  assert.ok(Array.isArray(await logs.json()))
  const stats = await fetch(`${url}/api/stats`)
  assert.equal(stats.status, 200)
  assert.equal(typeof ((await stats.json()) as { total_logs: unknown }).total_logs, 'number')
  const health = await fetch(`${url}/health`)
  assert.equal(health.status, 200)
  assert.equal(((await health.json()) as { status: string }).status, 'ok')
}
