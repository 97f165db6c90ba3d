/** Alerting's own metrics on `/metrics` (the evaluator's work and the notifications' outcomes). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export class AlertingMetrics {
  readonly evaluations: Counter<'result'>
  readonly groupSeconds: Histogram
  readonly alerts: Gauge<'state'>
  readonly notifications: Counter<'kind' | 'outcome'>
  readonly outboxPending: Gauge
  readonly outboxOldest: Gauge

  constructor(registry: Registry) {
    this.evaluations = new Counter({
      name: 'oglogstream_alerting_rule_evaluations_total',
      help: 'rule evaluations by result (ok, error)',
      labelNames: ['result'],
      registers: [registry],
    })
    this.groupSeconds = new Histogram({
      name: 'oglogstream_alerting_group_evaluation_seconds',
      help: 'time to evaluate one rule group',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    })
    this.alerts = new Gauge({
      name: 'oglogstream_alerts',
      help: 'alerts by state, on the instance that evaluates',
      labelNames: ['state'],
      registers: [registry],
    })
    this.notifications = new Counter({
      name: 'oglogstream_alerting_notifications_total',
      help: 'notification attempts by receiver kind and outcome (sent, retry, failed, superseded)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    })
    this.outboxPending = new Gauge({
      name: 'oglogstream_alerting_outbox_pending',
      help: 'notifications in the outbox not delivered yet (retries included), on the instance that evaluates; read every 10 s',
      registers: [registry],
    })
    this.outboxOldest = new Gauge({
      name: 'oglogstream_alerting_outbox_oldest_pending_seconds',
      help: 'age of the oldest notification not delivered yet (0 if none), on the instance that evaluates; read every 10 s',
      registers: [registry],
    })
    // Every known series from the start, at 0: rate() and increase() see the first failure.
    for (const result of ['ok', 'error']) this.evaluations.inc({ result }, 0)
    // And the alerts by state, at 0 until an evaluation counts them (a scrape before it saw no series).
    for (const state of ['pending', 'firing', 'resolved']) this.alerts.set({ state }, 0)
    for (const kind of ['alertmanager', 'webhook', 'slack', 'pagerduty'])
      for (const outcome of ['sent', 'retry', 'failed', 'superseded']) this.notifications.inc({ kind, outcome }, 0)
  }
}
