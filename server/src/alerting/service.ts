/**
 * Alerting in one process: the rules (RULES_DIR files and the groups stored through the API), the
 * evaluator running them through the LogQL engine, and the notifiers. Whether this process evaluates
 * is decided by a `Leadership` (always, embedded; a NATS KV lease, distributed).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import type { Logger } from 'pino'
import { Gauge, type Registry } from 'prom-client'
import type { Lease } from '../bus/index.js'
import { MAX_SERIES, runMetric, scopedWhere } from '../loki/run.js'
import { MAX_QUERY_MEMORY_BYTES } from '../query/analytics.js'
import { compileSeries } from '../query/search/series.js'
import { DEFAULT_TENANT, asTenant } from '../model/tenant.js'
import { Params, queries, type Store } from '../store/index.js'
import { Evaluator, type GroupQueryFn, type LoadedGroup, type QueryFn, type Sample } from './evaluator.js'
import { RecordedMetrics } from './recording.js'
import type { MetricExpr } from '../query/search/ir.js'
import { checkGroup, parseRuleFile, RuleError, type CompiledRule } from './rules.js'
import { AlertStore } from './store.js'
import { qStatsSql, runQRule, tooMany, toSample } from './qrun.js'
import { qScanShape, runScan, scanShape, type ScanShape } from './scan.js'
import { AlertingMetrics } from './metrics.js'
import { EMPTY_CONFIG, readNotifyConfig } from './notify/config.js'
import { Notifier, type NotifierOptions } from './notify/outbox.js'

export interface AlertingOptions {
  rulesDir: string | undefined
  evaluationIntervalMs: number
  externalUrl: string
  /** Notifications (absent: none). */
  notify?: Omit<NotifierOptions, 'config' | 'externalUrl' | 'evaluationIntervalMs' | 'pollMs'> & {
    configFile: string | undefined
    pollMs?: number
  }
  /** How often the groups stored through the API are read again (another instance may have changed them). */
  ruleSyncMs?: number
}

/** Reads, for `tenant` (the default one: RULES_DIR is the operator's), every `.yml`/`.yaml`/`.json` file under `dir` (not recursive into hidden folders); any bad file throws RuleError naming it. */
export function loadRuleFiles(dir: string, tenant: string = DEFAULT_TENANT): LoadedGroup[] {
  const out: LoadedGroup[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (/\.(ya?ml|json)$/.test(name)) {
        const groups = parseRuleFile(readFileSync(p, 'utf8'), basename(name, extname(name)), p)
        for (const g of groups) out.push({ ...g, tenant, source: 'file', rules: g.rules as CompiledRule[] })
      }
    }
  }
  walk(dir)
  return out
}

/** The range windows of an expression. */
function ranges(e: MetricExpr, out = new Set<number>()): Set<number> {
  if (e.kind === 'range') out.add(e.rangeMs)
  else if (e.kind === 'aggregate') ranges(e.expr, out)
  else if (e.kind === 'binary') {
    ranges(e.left, out)
    ranges(e.right, out)
  }
  return out
}

/** The step of an instant evaluation: as long as the expression's one window, else 1 s (see below). */
function stepOf(e: MetricExpr): bigint {
  const rs = ranges(e)
  return rs.size === 1 ? BigInt([...rs][0] as number) * 1_000_000n : 1_000_000_000n
}

/**
 * A metric expression at one instant: one sample per series. There is one step, so its length only
 * decides the SQL: a step as long as the expression's one window puts each entry at that step
 * without the ARRAY JOIN over steps (query/search/series.ts), a third less engine time per rule.
 */
export function instantQuery(store: Store): QueryFn {
  return async (tenant, rule, atMs) => {
    if (rule.q) return runQRule(store, store.queryContext(asTenant(tenant)), rule.q, atMs)
    if (rule.metric.kind === 'scalar') return [{ labels: {}, value: rule.metric.value }]
    const t = BigInt(atMs) * 1_000_000n
    const r = await runMetric(store.queryContext(asTenant(tenant)), rule.metric, { start: t, end: t, step: stepOf(rule.metric) })
    const out: Sample[] = []
    for (const s of r.series) {
      const v = s.values[s.values.length - 1]
      if (v) out.push({ labels: s.metric, value: Number(v[1]) })
    }
    return out
  }
}

/** Rules of the non-scan part of a batch per query: one UNION ALL part each, the text well under the engine's max_query_size (256 KiB). */
const PARTS_PER_QUERY = 10
/** Rules per shared scan: each distinct filter is written twice (its flag, and the WHERE). */
const RULES_PER_SCAN = 200

/**
 * Rules of one tenant (a group's, or every group due in a round) at one instant in few queries:
 * those that count entries summed by columns share one scan per window (scan.ts); the others run as
 * UNION ALL of each rule's compiled expression, ten a query (the engine's cost per query is mostly
 * planning: one query for ten rules costs about two thirds of ten queries). A failing batch is run
 * again rule by rule by the evaluator, so one bad rule still fails alone.
 */
export function groupQuery(store: Store): GroupQueryFn {
  return async (tenant, rules, atMs) => {
    const ctx = store.queryContext(asTenant(tenant))
    const t = BigInt(atMs) * 1_000_000n
    const out: (Sample[] | Error)[] = rules.map((r) => (r.metric?.kind === 'scalar' ? [{ labels: {}, value: r.metric.value }] : []))
    const done = new Set<number>()
    // q rules on new patterns read the templates first: one query each, beside the batch.
    for (const [i, r] of rules.entries())
      if (r.q?.kind === 'new_patterns') {
        out[i] = await runQRule(store, ctx, r.q, atMs).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))
        done.add(i)
      }
    // Counting rules, by window: one scan for two or more.
    const windows = new Map<string, { i: number; shape: ScanShape }[]>()
    for (const [i, r] of rules.entries()) {
      const shape = r.metric ? scanShape(r.metric) : r.q && qScanShape(r.q)
      if (!shape) continue
      windows.set(shape.window, [...(windows.get(shape.window) ?? []), { i, shape }])
    }
    for (const all of windows.values()) {
      if (all.length < 2) continue
      for (let k = 0; k < all.length; k += RULES_PER_SCAN) {
        const xs = all.slice(k, k + RULES_PER_SCAN)
        const res = await runScan(
          ctx,
          xs.map((x) => x.shape),
          atMs,
        )
        for (const [j, x] of xs.entries()) {
          out[x.i] = res[j] as Sample[]
          done.add(x.i)
        }
      }
    }
    const rest = rules.flatMap((r, i) => (done.has(i) || r.metric?.kind === 'scalar' ? [] : [i]))
    for (let k = 0; k < rest.length; k += PARTS_PER_QUERY) {
      const idx = rest.slice(k, k + PARTS_PER_QUERY)
      const p = new Params()
      const parts = idx.map((i) => {
        const r = rules[i] as CompiledRule
        if (r.q?.kind === 'stats') return qStatsSql(ctx, r.q, atMs, p)
        const m = r.metric as MetricExpr
        return compileSeries(m, { table: ctx.table, steps: { start: t, end: t, step: stepOf(m) }, where: scopedWhere(ctx), p })
      })
      const sql = queries.wrapScoped(parts, (...inner) =>
        inner.map((x, j) => `SELECT ${idx[j] as number} AS r, labels, v FROM (${x})`).join(' UNION ALL '),
      )
      const res = await queries.table(ctx, sql, p, MAX_QUERY_MEMORY_BYTES)
      for (const [r, labels, v] of res.data as [number, Record<string, string>, number | null][])
        (out[Number(r)] as Sample[]).push(toSample(labels, v))
    }
    return out.map((x) => (Array.isArray(x) && x.length > MAX_SERIES ? tooMany() : x))
  }
}

export class Alerting {
  readonly alertStore: AlertStore
  readonly evaluator: Evaluator
  notifier: Notifier | undefined
  private readonly metrics: AlertingMetrics
  private lease: Lease | undefined
  private readonly leader: Gauge
  private fileGroups: LoadedGroup[] = []
  private syncTimer: NodeJS.Timeout | undefined

  constructor(
    store: Store,
    registry: Registry,
    private readonly opts: AlertingOptions,
    private readonly log: Logger,
    /** The rule runner (tests give their own; then there is no batch unless given too). */
    query?: QueryFn,
    batch?: GroupQueryFn,
  ) {
    this.leader = new Gauge({
      name: 'oglogstream_alerting_evaluator',
      help: '1 while this process evaluates the alert rules (holds the lease in distributed mode)',
      registers: [registry],
    })
    this.alertStore = new AlertStore(store.system.client, store.system.database)
    this.evaluator = new Evaluator(
      this.alertStore,
      query ?? instantQuery(store),
      new RecordedMetrics(registry),
      { defaultIntervalMs: opts.evaluationIntervalMs, externalUrl: opts.externalUrl },
      log,
    )
    this.evaluator.queryGroup = query ? batch : (batch ?? groupQuery(store))
    this.metrics = new AlertingMetrics(registry)
    this.evaluator.metrics = this.metrics
  }

  private tables: Promise<void> | undefined

  /**
   * Reads the rule files (a bad one stops start-up). The tables are made on first use: a query
   * instance starts while its store is down, and answers 503 until it is back.
   */
  init(): void {
    if (this.opts.rulesDir) this.fileGroups = loadRuleFiles(this.opts.rulesDir)
    this.evaluator.setGroups([...this.fileGroups])
    this.evaluator.prepare = () => this.sync()
    const n = this.opts.notify
    if (n) {
      const config = n.configFile ? readNotifyConfig(n.configFile) : EMPTY_CONFIG
      const notifier = new Notifier(
        this.alertStore,
        {
          ...n,
          config,
          externalUrl: this.opts.externalUrl,
          evaluationIntervalMs: this.opts.evaluationIntervalMs,
          pollMs: n.pollMs ?? 1_000,
        },
        this.log,
      )
      if (notifier.enabled) {
        this.notifier = notifier
        notifier.metrics = this.metrics
        notifier.prepare = () => this.ready()
        this.evaluator.listeners.push(notifier.onRound)
      }
    }
    this.log.info({ fileGroups: this.fileGroups.length }, 'alerting rules loaded')
  }

  /** The alerting tables exist (made once; tried again after a failure). */
  ready(): Promise<void> {
    this.tables ??= this.alertStore.init().catch((err: unknown) => {
      this.tables = undefined
      throw err
    })
    return this.tables
  }

  get files(): readonly LoadedGroup[] {
    return this.fileGroups
  }

  /** Reads the stored groups again and hands file + stored groups to the evaluator. */
  async sync(): Promise<void> {
    await this.ready()
    const stored: LoadedGroup[] = []
    for (const g of await this.alertStore.groups()) {
      try {
        const group = checkGroup(JSON.parse(g.body), g.namespace, `api:${g.namespace}`)
        stored.push({ ...group, tenant: g.tenant, source: 'api', rules: group.rules as CompiledRule[] })
      } catch (err) {
        // A group stored by another version that this one cannot read: skipped, the others run.
        if (!(err instanceof RuleError)) throw err
        this.log.error({ namespace: g.namespace, group: g.name, err: err.message }, 'stored rule group skipped')
      }
    }
    this.evaluator.setGroups([...this.fileGroups, ...stored])
  }

  /**
   * Evaluates while this process holds `lease` (distributed mode: one evaluator among the query
   * instances), or from now on when there is none (the only process).
   */
  run(lease: Lease | undefined): void {
    if (!lease) return this.startEvaluating()
    this.lease = lease
    lease.start(
      () => this.startEvaluating(),
      () => void this.stopEvaluating().catch((err: unknown) => this.log.error({ err }, 'alerting: stopping the evaluator failed')),
    )
  }

  /** Stops evaluating and gives the lease up (shutdown). */
  async close(): Promise<void> {
    await this.lease?.close()
    await this.stopEvaluating()
  }

  /** Starts evaluating (this process holds the lease, or is the only one). */
  startEvaluating(): void {
    this.leader.set(1)
    this.evaluator.start()
    this.notifier?.start()
    const every = this.opts.ruleSyncMs ?? 5_000
    const loop = () => {
      this.syncTimer = setTimeout(() => {
        this.sync()
          .catch((err: unknown) => this.log.warn({ err }, 'rule sync failed'))
          .finally(() => {
            if (this.evaluator.active) loop()
          })
      }, every)
      this.syncTimer.unref()
    }
    loop()
  }

  async stopEvaluating(): Promise<void> {
    this.leader.set(0)
    clearTimeout(this.syncTimer)
    await this.evaluator.stop()
    await this.notifier?.stop()
  }
}
