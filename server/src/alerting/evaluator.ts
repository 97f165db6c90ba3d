/**
 * The rule evaluator: each group on its interval, each rule through the LogQL engine at the round's
 * time. Alerting rules move every alert (one per label set the query returns) through
 * pending → firing → resolved as Prometheus does (`for`, `keep_firing_for`; a resolved alert is kept
 * 15 min so late receivers still hear of it); recording rules set gauges. One failing rule marks
 * its own health and leaves the others and its alerts as they were. State is written to the store
 * every round, after the notifications of the round are in the outbox: a hand-over or a restart
 * resumes where it was, and what it enqueues again has the same ids.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { CompiledRule, RuleGroup } from './rules.js'
import type { AlertState, AlertStore, HistoryRow, RuleStatus } from './store.js'
import type { RecordedMetrics } from './recording.js'
import { expand } from './template.js'
import type { AlertingMetrics } from './metrics.js'

export const RESOLVED_RETENTION_MS = 15 * 60_000 // 15 min, as Prometheus keeps resolved alerts

export interface Sample {
  labels: Record<string, string>
  value: number
}

/** Runs a rule's expression at `atMs` for `tenant`; must throw on error. */
export type QueryFn = (tenant: string, rule: CompiledRule, atMs: number) => Promise<Sample[]>

/** Runs every rule of a group at `atMs` at once: one answer (samples or the rule's error) per rule; throws when the batch fails. */
export type GroupQueryFn = (tenant: string, rules: readonly CompiledRule[], atMs: number) => Promise<(Sample[] | Error)[]>

export interface LoadedGroup extends RuleGroup {
  tenant: string
  source: 'file' | 'api'
  rules: CompiledRule[]
}

export interface ActiveAlert {
  rule: CompiledRule
  group: LoadedGroup
  state: AlertState
  /** The state before this round ('inactive' when new). */
  previous: string
}

/** Told of each group's round before its state is written; must not resolve before its work is durable. */
export type RoundListener = (round: { tenant: string; group: LoadedGroup; alerts: ActiveAlert[]; now: number }) => Promise<void>

export interface EvaluatorOptions {
  defaultIntervalMs: number
  externalUrl: string
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16)

export function ruleKey(
  g: { tenant: string; namespace: string; name: string },
  r: { alert?: string; record?: string; expr: string },
): string {
  return sha(JSON.stringify([g.tenant, g.namespace, g.name, r.alert ?? '', r.record ?? '', r.expr]))
}

export function fingerprint(labels: Record<string, string>): string {
  return sha(
    JSON.stringify(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    ),
  )
}

/** A group's answers from a round's batch, and each rule's share of its time (ms). */
interface Batch {
  answers: (Sample[] | Error)[]
  share: number
}

export interface GroupRun {
  lastEval: number
  durationMs: number
}

export class Evaluator {
  private groups: LoadedGroup[] = []
  private readonly next = new Map<string, number>()
  private readonly runs = new Map<string, GroupRun>()
  private states = new Map<string, AlertState>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = true
  private stateLoaded = false
  /** Run before the first round (and again until it succeeds): the store may not answer yet. */
  prepare: () => Promise<void> = async () => {}
  readonly listeners: RoundListener[] = []
  /** Evaluates a group's rules in one query when set; a failed batch falls back to one query per rule. */
  queryGroup: GroupQueryFn | undefined
  metrics: AlertingMetrics | undefined
  /** Rounds done, for tests and the bench. */
  rounds = 0

  constructor(
    private readonly store: AlertStore,
    private readonly query: QueryFn,
    private readonly recorded: RecordedMetrics,
    private readonly opts: EvaluatorOptions,
    private readonly log: Logger,
  ) {}

  static groupId(g: { tenant: string; namespace: string; name: string }): string {
    return JSON.stringify([g.tenant, g.namespace, g.name])
  }

  setGroups(groups: LoadedGroup[]): void {
    this.groups = groups
    const keep = new Set<string>()
    for (const g of groups) for (const r of g.rules) keep.add(ruleKey(g, r))
    this.recorded.retain(keep)
  }

  get defaultIntervalMs(): number {
    return this.opts.defaultIntervalMs
  }

  get loaded(): readonly LoadedGroup[] {
    return this.groups
  }

  groupRun(g: LoadedGroup): GroupRun | undefined {
    return this.runs.get(Evaluator.groupId(g))
  }

  /** Loads the alerts' state from the store (on start and on taking over the lease). */
  async loadState(): Promise<void> {
    const m = new Map<string, AlertState>()
    for (const s of await this.store.states()) m.set(`${s.rule_key}/${s.fingerprint}`, s)
    this.states = m
  }

  /** Evaluates due groups until stopped. */
  start(): void {
    if (!this.stopped) return
    this.stateLoaded = false
    this.stopped = false
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  get active(): boolean {
    return !this.stopped
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.log.error({ err }, 'alerting round failed'))
        .finally(() => {
          this.running = undefined
          this.schedule(Math.max(0, Math.min(1_000, this.untilNext())))
        })
    }, ms)
    this.timer.unref()
  }

  private untilNext(): number {
    let t = Infinity
    for (const g of this.groups) t = Math.min(t, this.next.get(Evaluator.groupId(g)) ?? 0)
    return t - Date.now()
  }

  private async tick(): Promise<void> {
    if (!this.stateLoaded) {
      await this.prepare()
      await this.loadState()
      this.stateLoaded = true
    }
    const now = Date.now()
    const due: LoadedGroup[] = []
    for (const g of this.groups) {
      const id = Evaluator.groupId(g)
      const at = this.next.get(id) ?? 0
      if (at > now) continue
      const interval = g.intervalMs || this.opts.defaultIntervalMs
      this.next.set(id, (at > 0 && now - at < interval ? at : now) + interval)
      due.push(g)
    }
    await this.evaluateGroups(due, now, () => this.stopped)
    if (this.stopped) return
    this.prune(Date.now())
    await this.flush()
    if (this.metrics) {
      const n = { pending: 0, firing: 0, resolved: 0 }
      for (const st of this.states.values()) n[st.state]++
      for (const [state, v] of Object.entries(n)) this.metrics.alerts.set({ state }, v)
    }
  }

  /** Alerts of rules that are gone (group deleted or changed) are forgotten, as Prometheus does on reload. */
  private prune(now: number): void {
    const keys = new Set<string>()
    for (const g of this.groups) for (const r of g.rules) keys.add(ruleKey(g, r))
    for (const [id, s] of this.states) {
      if (keys.has(s.rule_key)) continue
      this.states.delete(id)
      this.changed.push({ ...s, deleted: 1 })
      this.history.push({
        tenant: s.tenant,
        time: now,
        kind: 'state',
        rule: s.rule,
        fingerprint: s.fingerprint,
        labels: s.labels,
        from_state: s.state,
        to_state: 'inactive',
        value: s.value,
        receiver: '',
        outcome: '',
        detail: 'the rule was removed or changed',
      })
    }
  }

  /** Evaluates every group once at `now` (tests, the bench). */
  async evaluateAll(now = Date.now()): Promise<void> {
    await this.evaluateGroups(this.groups, now)
    await this.flush()
  }

  /**
   * Evaluates `groups` at `now`: the rules of each tenant's groups in one batch (`queryGroup`), so
   * that rules of different groups share the engine's scans; then each group in turn.
   */
  private async evaluateGroups(groups: readonly LoadedGroup[], now: number, stopped = () => false): Promise<void> {
    const batches = new Map<LoadedGroup, Batch>()
    const byTenant = new Map<string, LoadedGroup[]>()
    for (const g of groups) byTenant.set(g.tenant, [...(byTenant.get(g.tenant) ?? []), g])
    for (const [tenant, gs] of byTenant) {
      const rules = gs.flatMap((g) => g.rules)
      if (!this.queryGroup || rules.length < 2 || stopped()) continue
      const t0 = performance.now()
      const answers = await this.queryGroup(tenant, rules, now).catch(() => undefined)
      if (!answers) continue
      const share = (performance.now() - t0) / rules.length
      let k = 0
      for (const g of gs) {
        batches.set(g, { answers: answers.slice(k, k + g.rules.length), share })
        k += g.rules.length
      }
    }
    for (const g of groups) {
      if (stopped()) return
      await this.evaluate(g, now, batches.get(g))
    }
  }

  /** Evaluates one group and writes its results. */
  async evaluateGroup(g: LoadedGroup, now: number): Promise<void> {
    await this.evaluate(g, now)
    await this.flush()
  }

  // What a tick's groups wrote, stored once at its end (an insert costs the engine ~15 ms).
  private changed: AlertState[] = []
  private history: HistoryRow[] = []
  private statuses: RuleStatus[] = []

  private async flush(): Promise<void> {
    const [changed, statuses, history] = [this.changed, this.statuses, this.history]
    this.changed = []
    this.statuses = []
    this.history = []
    await this.store.writeStates(changed)
    await this.store.writeStatuses(statuses)
    await this.store.addHistory(history)
  }

  /** Evaluates `g` with the answers of its rules from a round's batch if given, else queries them. */
  private async evaluate(g: LoadedGroup, now: number, given?: Batch): Promise<void> {
    // A group's duration counts its part of the round's batch.
    const started = performance.now() - (given ? given.share * g.rules.length : 0)
    const { changed, history, statuses } = this
    const alerts: ActiveAlert[] = []
    let batch = given?.answers
    let share = given?.share ?? 0
    if (!given && this.queryGroup && g.rules.length > 1) {
      const t0 = performance.now()
      batch = await this.queryGroup(g.tenant, g.rules, now).catch(() => undefined)
      share = (performance.now() - t0) / g.rules.length
    }
    for (const [i, rule] of g.rules.entries()) {
      const key = ruleKey(g, rule)
      const t0 = performance.now() - share
      let samples: Sample[]
      try {
        const b = batch?.[i]
        if (b instanceof Error) throw b
        samples = b ?? (await this.query(g.tenant, rule, now))
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err)
        statuses.push({ tenant: g.tenant, rule_key: key, last_eval: now, duration_ms: performance.now() - t0, health: 'err', error })
        this.log.warn({ group: g.name, rule: rule.alert ?? rule.record, err: error }, 'rule evaluation failed')
        // Its alerts stay as they were, and still reach the notifiers.
        for (const s of this.states.values()) if (s.rule_key === key) alerts.push({ rule, group: g, state: s, previous: s.state })
        continue
      }
      statuses.push({ tenant: g.tenant, rule_key: key, last_eval: now, duration_ms: performance.now() - t0, health: 'ok', error: '' })
      if (rule.record !== undefined) {
        this.recorded.set(
          rule.record,
          key,
          samples.map((s) => ({ labels: { ...s.labels, ...rule.labels }, value: s.value })),
        )
        continue
      }
      this.alertingRule(g, rule, key, samples, now, changed, history, alerts)
    }
    // The round's notifications are in the outbox before its state is stored.
    for (const l of this.listeners) await l({ tenant: g.tenant, group: g, alerts, now })
    const durationMs = performance.now() - started
    this.runs.set(Evaluator.groupId(g), { lastEval: now, durationMs })
    if (this.metrics) {
      this.metrics.groupSeconds.observe(durationMs / 1000)
      for (const st of statuses.slice(-g.rules.length)) this.metrics.evaluations.inc({ result: st.health === 'ok' ? 'ok' : 'error' })
    }
    this.rounds++
  }

  private alertingRule(
    g: LoadedGroup,
    rule: CompiledRule,
    key: string,
    samples: Sample[],
    now: number,
    changed: AlertState[],
    history: HistoryRow[],
    alerts: ActiveAlert[],
  ): void {
    const seen = new Set<string>()
    const note = (s: AlertState, from: string) => {
      history.push({
        tenant: g.tenant,
        time: now,
        kind: 'state',
        rule: rule.alert ?? '',
        fingerprint: s.fingerprint,
        labels: s.labels,
        from_state: from,
        to_state: s.deleted ? 'inactive' : s.state,
        value: s.value,
        receiver: '',
        outcome: '',
        detail: '',
      })
    }
    for (const sample of samples) {
      const data = { labels: sample.labels, value: sample.value, externalURL: this.opts.externalUrl }
      const extra: Record<string, string> = {}
      for (const [k, v] of Object.entries(rule.labels)) extra[k] = expand(v, data)
      const labels = { ...sample.labels, ...extra, alertname: rule.alert as string }
      const annotations: Record<string, string> = {}
      for (const [k, v] of Object.entries(rule.annotations)) annotations[k] = expand(v, { ...data, labels })
      const fp = fingerprint(labels)
      seen.add(fp)
      const id = `${key}/${fp}`
      const old = this.states.get(id)
      let s: AlertState
      const previous = old && old.state !== 'resolved' ? old.state : 'inactive'
      if (!old || old.state === 'resolved') {
        s = {
          tenant: g.tenant,
          rule_key: key,
          fingerprint: fp,
          rule: rule.alert as string,
          labels,
          annotations,
          state: 'pending',
          active_at: now,
          fired_at: 0,
          resolved_at: 0,
          last_seen: now,
          value: sample.value,
          deleted: 0,
        }
      } else {
        s = { ...old, labels, annotations, last_seen: now, value: sample.value }
      }
      if (s.state === 'pending' && now - s.active_at >= rule.forMs) {
        s.state = 'firing'
        s.fired_at = now
      }
      this.states.set(id, s)
      changed.push(s)
      if (s.state !== previous) note(s, previous)
      alerts.push({ rule, group: g, state: s, previous })
    }
    for (const [id, old] of this.states) {
      if (old.rule_key !== key || seen.has(old.fingerprint)) continue
      let s: AlertState | undefined
      if (old.state === 'pending') s = { ...old, deleted: 1 }
      else if (old.state === 'firing') {
        if (now - old.last_seen < rule.keepFiringForMs) {
          alerts.push({ rule, group: g, state: old, previous: old.state })
          continue
        }
        s = { ...old, state: 'resolved', resolved_at: now }
      } else if (now - old.resolved_at > RESOLVED_RETENTION_MS) s = { ...old, deleted: 1 }
      else {
        alerts.push({ rule, group: g, state: old, previous: old.state })
        continue
      }
      if (s.deleted) this.states.delete(id)
      else this.states.set(id, s)
      changed.push(s)
      note(s, old.state)
      if (!s.deleted) alerts.push({ rule, group: g, state: s, previous: old.state })
    }
  }
}
