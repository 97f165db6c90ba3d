/**
 * The bodies each kind of receiver reads, built from one alert at one moment:
 * - Alertmanager API v2 `POST /api/v2/alerts`: `[{labels, annotations, startsAt, endsAt, generatorURL}]`
 *   (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml, `postableAlerts`);
 * - generic webhook: Alertmanager's webhook body (version 4) with one alert, so receivers written for
 *   Alertmanager read it;
 * - Slack incoming webhook: `text` (the fallback) and Block Kit `blocks` (header, fields, the query, a
 *   button to the dashboard) within Slack's documented limits;
 * - PagerDuty Events API v2: `trigger` / `resolve` with a `dedup_key` stable for the alert.
 */
import type { AlertState } from '../store.js'

export interface AlertView {
  state: AlertState
  /** The rule's expression, for the link and the Slack message. */
  expr: string
  /** The state being told: firing or resolved. */
  status: 'firing' | 'resolved'
  externalUrl: string
  /** endsAt of a firing alert: when Alertmanager may consider it resolved if not told again. */
  endsAtMs: number
}

const iso = (ms: number) => new Date(ms).toISOString()
const cut = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`)

/** The dashboard page of the alert's rule: Explore with its query, over the last hour. */
export function generatorUrl(v: Pick<AlertView, 'externalUrl' | 'expr'>): string {
  const base = v.externalUrl.replace(/\/+$/, '')
  return `${base}/alerts?expr=${encodeURIComponent(v.expr)}`
}

export function alertmanagerBody(v: AlertView): object[] {
  const s = v.state
  return [
    {
      labels: s.labels,
      annotations: s.annotations,
      startsAt: iso(s.fired_at || s.active_at),
      endsAt: iso(v.status === 'resolved' ? s.resolved_at : v.endsAtMs),
      generatorURL: generatorUrl(v),
    },
  ]
}

export function webhookBody(v: AlertView, receiver: string): object {
  const s = v.state
  return {
    version: '4',
    status: v.status,
    receiver,
    groupLabels: { alertname: s.rule },
    commonLabels: s.labels,
    commonAnnotations: s.annotations,
    externalURL: v.externalUrl,
    groupKey: `${s.rule_key}/${s.fingerprint}`,
    alerts: [
      {
        status: v.status,
        labels: s.labels,
        annotations: s.annotations,
        startsAt: iso(s.fired_at || s.active_at),
        endsAt: v.status === 'resolved' ? iso(s.resolved_at) : '0001-01-01T00:00:00Z',
        generatorURL: generatorUrl(v),
        fingerprint: s.fingerprint,
        value: s.value,
      },
    ],
  }
}

function summary(v: AlertView): string {
  const s = v.state
  return s.annotations.summary ?? s.annotations.description ?? `${s.rule} ${v.status}`
}

export function slackBody(v: AlertView): object {
  const s = v.state
  const icon = v.status === 'firing' ? ':rotating_light:' : ':white_check_mark:'
  const title = cut(`${v.status === 'firing' ? 'FIRING' : 'RESOLVED'}: ${s.rule}`, 150)
  const labelText = Object.entries(s.labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, x]) => `${k}=${x}`)
    .join(', ')
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`${icon} ${summary(v)}`, 3000) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: cut(`*Value*\n${s.value}`, 2000) },
        { type: 'mrkdwn', text: cut(`*Since*\n${iso(v.status === 'resolved' ? s.resolved_at : s.fired_at || s.active_at)}`, 2000) },
        ...(labelText ? [{ type: 'mrkdwn', text: cut(`*Labels*\n${labelText}`, 2000) }] : []),
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`*Query*\n\`\`\`${v.expr}\`\`\``, 3000) } },
  ]
  if (/^https?:\/\//.test(v.externalUrl)) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in OgLogStream' }, url: cut(generatorUrl(v), 3000) }],
    })
  }
  return { text: cut(`${title}: ${summary(v)}`, 3000), blocks }
}

const PD_SEVERITIES = ['critical', 'error', 'warning', 'info']

export function pagerdutyBody(v: AlertView, routingKey: string, severity: string | undefined): object {
  const s = v.state
  const dedupKey = `oglogstream/${s.rule_key}/${s.fingerprint}`
  if (v.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey }
  const label = s.labels.severity ?? ''
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: cut(`${s.rule}: ${summary(v)}`, 1024),
      source: s.labels.service ?? s.labels.service_name ?? 'oglogstream',
      severity: severity ?? (PD_SEVERITIES.includes(label) ? label : 'error'),
      timestamp: iso(s.fired_at || s.active_at),
      component: s.labels.service ?? undefined,
      class: s.rule,
      custom_details: { labels: s.labels, annotations: s.annotations, value: s.value, query: v.expr },
    },
    ...(/^https?:\/\//.test(v.externalUrl) ? { links: [{ href: generatorUrl(v), text: 'Open in OgLogStream' }] } : {}),
    client: 'OgLogStream',
    ...(/^https?:\/\//.test(v.externalUrl) ? { client_url: v.externalUrl } : {}),
  }
}
