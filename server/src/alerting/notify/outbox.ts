/**
 * Notifications through a durable outbox (issue 16). Each round, every firing or resolved alert
 * becomes outbox rows, one per destination and event, whose id is derived from what they tell
 * (destination, alert, the time it fired, firing or resolved, and for reminders the repeat period):
 * writing them again — the next round, after a restart, on another instance after a hand-over — is the
 * same row, so one state change is one notification. Rows are in the store before the round's state
 * is, so nothing is lost between the two. Delivery sends due rows oldest first with a timeout, retries
 * failures with exponential backoff (capped, so a receiver back after minutes hears within a minute),
 * and records every attempt in the history. Of several reminders waiting for one destination only the
 * newest is sent (Alertmanager: only the newest of anything), not a burst of stale copies.
 */
import { createHash, createHmac } from 'node:crypto'
import type { Logger } from 'pino'
import type { ActiveAlert, RoundListener } from '../evaluator.js'
import type { AlertStore, HistoryRow, OutboxRow } from '../store.js'
import { routeAlert, type NotifyConfig, type Target } from './config.js'
import type { AlertingMetrics } from '../metrics.js'
import { alertmanagerBody, pagerdutyBody, slackBody, webhookBody, type AlertView } from './payloads.js'

export interface NotifierOptions {
  alertmanagerUrls: readonly string[]
  config: NotifyConfig
  externalUrl: string
  timeoutMs: number
  /** Alertmanager: a firing alert is sent again this often. */
  resendDelayMs: number
  evaluationIntervalMs: number
  retryBaseMs: number
  retryMaxMs: number
  /** A row still failing this long after it was written is given up (status failed). */
  giveUpAfterMs: number
  /** How often due rows are looked for. */
  pollMs: number
}

const ALERTMANAGER = 'alertmanager'
const MAX_PARALLEL = 8
const BACKLOG_EVERY_MS = 10_000
const id = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32)

/** What a row carries: the alert as it was told, rendered per receiver kind at delivery. */
interface Envelope {
  view: AlertView
}

export class Notifier {
  private readonly enqueued = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = true
  private again = false
  /** Attempts made, for tests. */
  attempts = 0
  metrics: AlertingMetrics | undefined

  constructor(
    private readonly store: AlertStore,
    private readonly opts: NotifierOptions,
    private readonly log: Logger,
    private readonly send: typeof fetch = fetch,
  ) {}

  get enabled(): boolean {
    return this.opts.alertmanagerUrls.length > 0 || this.opts.config.receivers.size > 0
  }

  /** The evaluator's round listener: plans the round's notifications and writes them to the outbox. */
  readonly onRound: RoundListener = async ({ tenant, alerts, now }) => {
    if (!this.enabled) return
    const rows = alerts.flatMap((a) => this.plan(tenant, a, now)).filter((r) => !this.enqueued.has(r.id))
    if (rows.length === 0) return
    await this.store.enqueue(rows)
    if (this.enqueued.size > 100_000) this.enqueued.clear()
    for (const r of rows) this.enqueued.add(r.id)
    this.kick()
  }

  private plan(tenant: string, a: ActiveAlert, now: number): OutboxRow[] {
    const s = a.state
    if (s.state === 'pending' || (s.state === 'resolved' && !s.fired_at)) return []
    const status = s.state === 'firing' ? 'firing' : 'resolved'
    const view: AlertView = {
      state: s,
      expr: a.rule.expr,
      status,
      externalUrl: this.opts.externalUrl,
      endsAtMs: now + 4 * Math.max(this.opts.resendDelayMs, a.group.intervalMs || this.opts.evaluationIntervalMs),
    }
    const base = {
      tenant,
      created: now,
      next_at: now,
      attempts: 0,
      status: 'pending' as const,
      error: '',
      fingerprint: s.fingerprint,
      rule: s.rule,
      event: status,
    }
    const out: OutboxRow[] = []
    const body = JSON.stringify({ view } satisfies Envelope)
    for (const url of this.opts.alertmanagerUrls) {
      const seq = status === 'firing' ? Math.floor((now - s.fired_at) / this.opts.resendDelayMs) : 'r'
      out.push({
        ...base,
        id: id(ALERTMANAGER, url, s.rule_key, s.fingerprint, s.fired_at, seq),
        receiver: ALERTMANAGER,
        kind: ALERTMANAGER,
        target: url,
        body,
      })
    }
    for (const { receiver, repeatIntervalMs } of routeAlert(this.opts.config, s.labels)) {
      if (status === 'resolved' && !receiver.sendResolved) continue
      const seq = status === 'firing' ? Math.floor((now - s.fired_at) / repeatIntervalMs) : 'r'
      for (const t of receiver.targets) {
        out.push({
          ...base,
          id: id(receiver.name, t.kind, s.rule_key, s.fingerprint, s.fired_at, seq),
          receiver: receiver.name,
          kind: t.kind,
          target: '',
          body,
        })
      }
    }
    return out
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.enqueued.clear()
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
    // Another instance delivers now: the backlog is its to report.
    this.metrics?.outboxPending.set(0)
    this.metrics?.outboxOldest.set(0)
    this.backlogAt = 0
  }

  private backlogAt = 0

  /** The outbox's backlog on /metrics, read at most every 10 s. */
  private async measureBacklog(now: number): Promise<void> {
    if (!this.metrics || now - this.backlogAt < BACKLOG_EVERY_MS) return
    this.backlogAt = now
    const b = await this.store.backlog()
    this.metrics.outboxPending.set(b.pending)
    this.metrics.outboxOldest.set(b.oldest ? Math.max(0, now - b.oldest) / 1000 : 0)
  }

  /** Looks for due rows now (after an enqueue). */
  kick(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    clearTimeout(this.timer)
    this.schedule(0)
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.running = this.deliverDue(Date.now())
        .catch((err: unknown) => this.log.warn({ err }, 'notification outbox: delivery round failed'))
        .finally(() => {
          this.running = undefined
          const again = this.again
          this.again = false
          this.schedule(again ? 0 : this.opts.pollMs)
        })
    }, ms)
    this.timer.unref()
  }

  /** Run before each delivery round: the store's tables exist. */
  prepare: () => Promise<void> = async () => {}

  /** Sends every due row (tests call it directly). */
  async deliverDue(now: number): Promise<void> {
    await this.prepare()
    await this.measureBacklog(now)
    const due = await this.store.due(now, 1_000)
    if (due.length === 0) return
    // One queue per destination and alert, oldest first.
    const queues = new Map<string, OutboxRow[]>()
    for (const r of due) {
      const k = JSON.stringify([r.receiver, r.kind, r.target, r.fingerprint, r.rule])
      queues.set(k, [...(queues.get(k) ?? []), r])
    }
    const history: HistoryRow[] = []
    const work = [...queues.values()]
    const worker = async () => {
      for (let q = work.shift(); q; q = work.shift()) {
        for (let i = 0; i < q.length; i++) {
          const r = q[i] as OutboxRow
          const later = q.slice(i + 1)
          if (later.some((x) => r.kind === ALERTMANAGER || (r.event === 'firing' && x.event === 'firing'))) {
            await this.store.updateOutbox({ ...r, status: 'superseded', error: '' })
            history.push(this.historyRow(r, now, 'superseded', 'a newer notification for this alert replaces it'))
            continue
          }
          const ok = await this.attempt(r, now, history)
          // Keep the order of one alert's notifications: a failed one holds back the ones after it.
          if (!ok) break
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL, work.length) }, worker))
    await this.store.addHistory(history)
  }

  private historyRow(r: OutboxRow, now: number, outcome: string, detail: string): HistoryRow {
    this.metrics?.notifications.inc({ kind: r.kind, outcome })
    const env = JSON.parse(r.body) as Envelope
    return {
      tenant: r.tenant,
      time: now,
      kind: 'notification',
      rule: r.rule,
      fingerprint: r.fingerprint,
      labels: env.view.state.labels,
      from_state: '',
      to_state: r.event,
      value: env.view.state.value,
      receiver: r.receiver === ALERTMANAGER ? `alertmanager ${hostOf(r.target)}` : `${r.receiver} (${r.kind})`,
      outcome,
      detail,
    }
  }

  private request(r: OutboxRow): { url: string; body: string; headers: Record<string, string> } | string {
    const { view } = JSON.parse(r.body) as Envelope
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'OgLogStream',
      'x-oglogstream-notification-id': r.id,
    }
    if (r.kind === ALERTMANAGER)
      return { url: `${r.target.replace(/\/+$/, '')}/api/v2/alerts`, body: JSON.stringify(alertmanagerBody(view)), headers }
    const rec = this.opts.config.receivers.get(r.receiver)
    const t: Target | undefined = rec?.targets.find((x) => x.kind === r.kind)
    if (!t) return `receiver ${r.receiver} (${r.kind}) is no longer configured`
    if (t.kind === 'slack') return { url: t.url, body: JSON.stringify(slackBody(view)), headers }
    if (t.kind === 'pagerduty')
      return { url: t.url, body: JSON.stringify(pagerdutyBody(view, t.routingKey as string, t.severity)), headers }
    const body = JSON.stringify(webhookBody(view, r.receiver))
    if (t.secret !== undefined) headers['x-oglogstream-signature'] = `sha256=${createHmac('sha256', t.secret).update(body).digest('hex')}`
    return { url: t.url, body, headers }
  }

  /** One attempt; records its outcome. True when the row is done (sent or given up). */
  private async attempt(r: OutboxRow, now: number, history: HistoryRow[]): Promise<boolean> {
    const req = this.request(r)
    if (typeof req === 'string') {
      await this.store.updateOutbox({ ...r, attempts: r.attempts + 1, status: 'failed', error: req })
      history.push(this.historyRow(r, now, 'failed', req))
      return true
    }
    this.attempts++
    let error: string
    let retry = true
    try {
      const res = await this.send(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      })
      const text = (await res.text()).slice(0, 300)
      if (res.ok) {
        await this.store.updateOutbox({ ...r, attempts: r.attempts + 1, status: 'sent', error: '' })
        history.push(this.historyRow(r, now, 'sent', `${r.kind} ${hostOf(req.url)}: HTTP ${res.status}`))
        return true
      }
      error = `HTTP ${res.status} ${text}`.trim()
      // The receiver refuses this message: sending it again will not help (408, 429 are worth a retry).
      retry = res.status >= 500 || res.status === 408 || res.status === 429
    } catch (err) {
      error =
        err instanceof Error && err.name === 'TimeoutError'
          ? `no answer within ${this.opts.timeoutMs} ms`
          : String((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message)
    }
    const attempts = r.attempts + 1
    const giveUp = !retry || now - r.created >= this.opts.giveUpAfterMs
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (attempts - 1))
    await this.store.updateOutbox({ ...r, attempts, status: giveUp ? 'failed' : 'pending', error, next_at: now + delay })
    history.push(
      this.historyRow(
        r,
        now,
        giveUp ? 'failed' : 'retry',
        `${r.kind} ${hostOf(req.url)}: ${error}${giveUp ? '' : `; next attempt in ${Math.round(delay / 1000)} s`}`,
      ),
    )
    if (!giveUp)
      this.log.warn({ receiver: r.receiver, kind: r.kind, host: hostOf(req.url), attempts, err: error }, 'notification failed; will retry')
    return giveUp
  }
}

/** Only the host of a URL goes to logs and history: a Slack webhook URL is a secret. */
function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return '?'
  }
}
