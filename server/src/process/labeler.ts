/**
 * Labelling entries with their template before insert (patterns/), as the worker sees it: the
 * `PatternStage` on the event loop, or `ThreadedPatternStage`, the same stage with its miner on a
 * thread of its own (label-thread.ts). Mining was a third of the event loop's work under bulk ingest
 * (issue 12); on its own thread it runs on the other core while the event loop takes requests, reads
 * the log and inserts. Entries are mined in the order they are posted, as on the event loop, so the
 * ids and templates are the same.
 *
 * Should the thread fail, the stage goes on with a miner on the event loop (the stored templates
 * reloaded first): the requests in flight are labelled there, in order, and nothing waits for ever.
 */
import { existsSync } from 'node:fs'
import { Worker as Thread } from 'node:worker_threads'
import type { Logger } from 'pino'
import { DEFAULT_TENANT, type Entry } from '../model/index.js'
import { DEFAULT_PATTERN_LAST_SEEN_MS, DEFAULT_PATTERN_REFRESH_MS, PatternStage, TemplateWriter, type PatternStore } from '../patterns/index.js'
import { maskKeys } from '../patterns/mask.js'
import { FieldTable, type RowLabels } from '../store/index.js'
import type { LabelReply, LabelRequest } from './label-thread.js'

/** What the worker needs of the patterns step (`PatternStage` is one). */
export interface Labeler {
  /** Loads the stored templates (at start). Never throws. */
  load(): Promise<void>
  /**
   * Sets `pattern_id` on every entry: at once, or when the promise resolves (it never rejects). May
   * give the ids by number as well (`RowLabels`: the insert writes them without reading the entries).
   */
  label(entries: readonly Entry[], records?: readonly Buffer[]): void | RowLabels | Promise<void | RowLabels>
  /** Writes the templates that changed. Never throws. */
  flush(): Promise<void>
  /** Stops what the labeler started (a thread). */
  close?(): Promise<void>
}

/**
 * The patterns step as configured: none (PATTERNS=off), the miner on its own thread (PATTERN_THREAD=on,
 * the default), or on the event loop (PATTERN_THREAD=off: the same ids and templates; on a quiet machine
 * the same CPU in all within the noise, more of it on the event loop: README Performance).
 */
export function patternStage(patterns: 'on' | 'off', thread: 'on' | 'off', store: PatternStore, log: Logger): Labeler | undefined {
  if (patterns === 'off') return undefined
  return thread === 'on' ? new ThreadedPatternStage(store, log) : new PatternStage(store, log)
}

type Request = LabelRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never

/**
 * The thread: the module built beside the bundle (dist/label-thread.js); from the TypeScript source
 * (tests, under tsx) a thread does not inherit tsx's loader, so it registers it before importing.
 */
function startThread(): Thread {
  const js = new URL('./label-thread.js', import.meta.url)
  if (existsSync(js)) return new Thread(js)
  const tsx = import.meta.resolve('tsx/esm/api')
  const ts = new URL('./label-thread.ts', import.meta.url).href
  return new Thread(`import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(ts)}) })`, { eval: true })
}

export class ThreadedPatternStage implements Labeler {
  private thread: Thread | undefined
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (r: LabelReply) => void; reject: (err: Error) => void }>()
  /** After the thread failed: the stage on the event loop, and its first load. */
  private local: { stage: PatternStage; loaded: Promise<void> } | undefined
  /** Templates drained from the thread and not yet written (patterns/stage.ts). */
  private readonly writer: TemplateWriter
  private loadedAt = -Infinity
  /** The thread's miner's ids, in the order they became known there (`PatternMiner.idsFrom`): its answers are indices here. */
  private readonly ids: string[] = []
  /** The same ids as the insert writes them (`RowLabels`). */
  private readonly idFields = new FieldTable()

  constructor(
    private readonly store: PatternStore,
    private readonly log: Logger,
    private readonly refreshMs = DEFAULT_PATTERN_REFRESH_MS,
    private readonly lastSeenMs = DEFAULT_PATTERN_LAST_SEEN_MS,
  ) {
    this.writer = new TemplateWriter(store, log, lastSeenMs, () => void this.flush())
    const thread = startThread()
    thread.unref() // never what keeps the process alive
    thread.on('message', (r: LabelReply) => this.answer(r))
    thread.on('error', (err) => this.fail(err))
    thread.on('exit', (code) => this.fail(new Error(`pattern thread exited (code ${code})`)))
    this.thread = thread
  }

  async load(): Promise<void> {
    this.loadedAt = performance.now()
    if (this.local) return this.local.stage.load()
    try {
      const records = await this.store.load()
      await this.request({ op: 'restore', records })
    } catch (err) {
      if (!this.local) this.log.warn({ err: String(err) }, 'loading the stored patterns failed; mining goes on and tries again later')
    }
  }

  /**
   * `records`: the entries as the insert's rows (the write-ahead log's records, in their order): the
   * thread is sent these bytes instead of each entry's message, timestamp, tenant and service (it reads
   * them with the C scan: label-thread.ts `rows`). Labelling from the bytes cost the event loop a
   * copy, about 0.05 µs an entry, where the strings cost 0.3–0.4 to gather and serialize (and the
   * thread as much to read back).
   */
  label(entries: readonly Entry[], records?: readonly Buffer[]): Promise<void | RowLabels> {
    if (this.local) return this.labelLocal(entries)
    if (records !== undefined && maskKeys !== undefined) {
      let size = 0
      for (const r of records) size += r.length
      const rows = new Uint8Array(size)
      let at = 0
      for (const r of records) {
        rows.set(r, at)
        at += r.length
      }
      return this.answered(entries, this.request({ op: 'rows', rows, count: entries.length }, [rows.buffer]))
    }
    const services: string[] = []
    const byTenant = new Map<string, Map<string, number>>()
    const which = new Int32Array(entries.length)
    const messages = new Array<string>(entries.length)
    const timestamps = new Array<string>(entries.length)
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Entry
      const tenant = e.tenant ?? DEFAULT_TENANT
      let byService = byTenant.get(tenant)
      if (byService === undefined) byTenant.set(tenant, (byService = new Map()))
      let k = byService.get(e.service)
      if (k === undefined) {
        byService.set(e.service, (k = services.length / 2))
        services.push(tenant, e.service)
      }
      which[i] = k
      messages[i] = e.message
      timestamps[i] = e.timestamp
    }
    return this.answered(entries, this.request({ op: 'mine', services, which, messages, timestamps }, [which.buffer]))
  }

  /** Labels `entries` with the thread's answer (by the stage on the event loop if the thread failed). */
  private answered(entries: readonly Entry[], answer: Promise<LabelReply>): Promise<void | RowLabels> {
    return answer.then(
      (r) => {
        // Rows the thread could not read (not the store's rows: a bug): the strings instead.
        if (r.which === undefined) return this.label(entries)
        for (const id of r.newIds ?? []) {
          this.ids.push(id)
          this.idFields.push(id)
        }
        const at = r.which as Int32Array
        for (let k = 0; k < entries.length; k++) (entries[k] as Entry).pattern_id = this.ids[at[k] as number]
        return { which: at, ids: this.idFields }
      },
      () => this.labelLocal(entries),
    )
  }

  async flush(): Promise<void> {
    if (!this.local) {
      try {
        await this.writer.write((await this.request({ op: 'drain', lastSeen: this.writer.lastSeenDue() })).records ?? [])
      } catch {
        // The thread failed: the stage on the event loop goes on (fail()).
      }
    }
    if (this.local) {
      await this.writer.write([])
      return this.local.stage.flush()
    }
    if (performance.now() - this.loadedAt >= this.refreshMs) await this.load()
  }

  async close(): Promise<void> {
    // What the miner still holds (last_seen updates not yet due) goes out first.
    this.writer.close()
    if (!this.local) await this.request({ op: 'drain', lastSeen: true }).then((r) => this.writer.write(r.records ?? []), () => {})
    if (this.local) await this.local.stage.close()
    await this.stopThread()
  }

  /** Ends the thread, if any, without taking its exit for a failure. */
  private async stopThread(): Promise<void> {
    const t = this.thread
    this.thread = undefined
    if (!t) return
    t.removeAllListeners('exit')
    await t.terminate()
  }

  private async labelLocal(entries: readonly Entry[]): Promise<void> {
    const local = this.local as NonNullable<ThreadedPatternStage['local']>
    await local.loaded
    local.stage.label(entries)
  }

  private request(req: Request, transfer?: ArrayBuffer[]): Promise<LabelReply> {
    const thread = this.thread
    if (!thread) return Promise.reject(new Error('pattern thread stopped'))
    const id = this.nextId++
    return new Promise<LabelReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      thread.postMessage({ ...req, id }, transfer)
    })
  }

  private answer(r: LabelReply): void {
    const w = this.waiting.get(r.id)
    if (!w) return
    this.waiting.delete(r.id)
    if (r.error !== undefined) {
      // A bug in the thread: it cannot be trusted with what comes next either.
      w.reject(new Error(r.error))
      this.fail(new Error(`pattern thread failed: ${r.error}`))
    } else w.resolve(r)
  }

  /** The thread is gone or broken: mining goes on here; what was in flight is labelled here, in order. */
  private fail(err: Error): void {
    if (this.local) return
    this.log.error({ err: String(err) }, 'the pattern thread failed; mining goes on on the event loop')
    const stage = new PatternStage(this.store, this.log, this.refreshMs, this.lastSeenMs)
    this.local = { stage, loaded: stage.load() }
    void this.stopThread()
    const waiting = [...this.waiting.values()]
    this.waiting.clear()
    for (const w of waiting) w.reject(err)
  }
}
