/**
 * Load for the write-ahead log tests: bulk (`POST /logs` NDJSON) and single (`POST /log`) posts,
 * each entry with a unique `lid` attribute; `accepted` holds the ids answered 202. And the count of
 * each stored id through /api/export.
 */
import { storedIds } from '../helpers/server.ts'

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export class MixedLoad {
  readonly accepted = new Set<string>()
  readonly statuses = new Map<number, number>()
  private running = false
  private loops: Promise<void>[] = []
  private n = 0

  constructor(
    private url: string,
    readonly service: string,
    private readonly opts = { bulkConns: 2, bulkSize: 500, singleConns: 6 },
  ) {}

  /** Entries sent so far: an entry's id ends in its number, in the order sent. */
  get sent(): number {
    return this.n
  }

  start(url = this.url): this {
    this.url = url
    this.running = true
    for (let i = 0; i < this.opts.bulkConns; i++) this.loops.push(this.loop(() => this.bulk()))
    for (let i = 0; i < this.opts.singleConns; i++) this.loops.push(this.loop(() => this.single()))
    return this
  }

  private async loop(send: () => Promise<void>): Promise<void> {
    while (this.running) await send()
  }

  private entry(): { id: string; line: string } {
    const id = `${this.service}-${++this.n}`
    return { id, line: JSON.stringify({ level: 'info', service: this.service, message: `load ${id}`, attributes: { lid: id } }) }
  }

  private async post(path: string, body: string, type: string, ids: string[]): Promise<void> {
    let status: number
    try {
      const res = await fetch(`${this.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body, signal: AbortSignal.timeout(15_000) })
      status = res.status
      await res.arrayBuffer()
    } catch {
      status = 0 // refused, reset by the kill, or timed out: not accepted
    }
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1)
    if (status === 202) ids.forEach((id) => this.accepted.add(id))
    else if (status !== 0 && status !== 503 && status !== 429) throw new Error(`${path} answered ${status}`)
    if (status !== 202) await sleep(50)
  }

  private bulk(): Promise<void> {
    const es = Array.from({ length: this.opts.bulkSize }, () => this.entry())
    return this.post('/logs', es.map((e) => e.line).join('\n'), 'application/x-ndjson', es.map((e) => e.id))
  }

  private single(): Promise<void> {
    const e = this.entry()
    return this.post('/log', e.line, 'application/json', [e.id])
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
    this.loops = []
  }

  summary(): string {
    return JSON.stringify(Object.fromEntries(this.statuses))
  }
}


/** Waits until every accepted id is stored; returns what is missing (empty) and the duplicates. */
export async function checkStored(url: string, service: string, accepted: Set<string>, timeoutMs: number): Promise<{ missing: string[]; dups: string[]; stored: number }> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const stored = await storedIds(url, service)
    const missing = [...accepted].filter((id) => !stored.has(id))
    const dups = [...stored].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`)
    if (missing.length === 0 || Date.now() > end) return { missing, dups, stored: stored.size }
    await sleep(500)
  }
}
