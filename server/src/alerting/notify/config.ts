/**
 * ALERTING_CONFIG: the receivers alerts are sent to directly, and the routes that pick them by label,
 * in the shape of Alertmanager's (a tree of routes under one `route`, `match` / `match_re`,
 * `continue`, `repeat_interval`), with receivers of three kinds: a generic webhook (signed), a Slack
 * incoming webhook and the PagerDuty Events API v2. A file that does not parse stops start-up naming it.
 */
import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import { durationMs } from '../../loki/logql.js'
import { RuleError } from '../rules.js'

export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000 // 4 h, as Alertmanager
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue'

export type TargetKind = 'webhook' | 'slack' | 'pagerduty'

export interface Target {
  kind: TargetKind
  url: string
  /** webhook: HMAC-SHA256 key of X-OgLogStream-Signature. */
  secret?: string
  /** pagerduty: the integration's routing key. */
  routingKey?: string
  /** pagerduty: critical, error, warning or info; or the alert's `severity` label when it is one of them. */
  severity?: string
}

export interface Receiver {
  name: string
  sendResolved: boolean
  targets: Target[]
}

export interface Route {
  receiver?: string
  match: Record<string, string>
  matchRe: Record<string, RegExp>
  continue: boolean
  repeatIntervalMs?: number
  routes: Route[]
}

export interface NotifyConfig {
  receivers: Map<string, Receiver>
  route: Route | undefined
}

export const EMPTY_CONFIG: NotifyConfig = { receivers: new Map(), route: undefined }

function fields(o: Record<string, unknown>, allowed: string[], where: string): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) throw new RuleError(`${where}: unknown field ${k} (allowed: ${allowed.join(', ')})`)
}

const obj = (v: unknown, where: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RuleError(`${where} must be a map`)
  return v as Record<string, unknown>
}

const url = (v: unknown, where: string): string => {
  if (typeof v !== 'string' || !/^https?:\/\//.test(v)) throw new RuleError(`${where}: url must be an http(s) URL`)
  return v
}

function route(raw: unknown, where: string, receivers: Map<string, Receiver>): Route {
  const o = obj(raw, where)
  fields(o, ['receiver', 'match', 'match_re', 'continue', 'repeat_interval', 'routes'], where)
  if (o.receiver !== undefined && !receivers.has(String(o.receiver)))
    throw new RuleError(`${where}: receiver "${String(o.receiver)}" is not defined`)
  const match: Record<string, string> = {}
  for (const [k, v] of Object.entries(o.match ? obj(o.match, `${where}.match`) : {})) match[k] = String(v)
  const matchRe: Record<string, RegExp> = {}
  for (const [k, v] of Object.entries(o.match_re ? obj(o.match_re, `${where}.match_re`) : {})) {
    try {
      matchRe[k] = new RegExp(`^(?:${String(v)})$`)
    } catch {
      throw new RuleError(`${where}.match_re.${k}: invalid regular expression`)
    }
  }
  let repeatIntervalMs: number | undefined
  if (o.repeat_interval !== undefined) {
    repeatIntervalMs = durationMs(String(o.repeat_interval))
    if (!repeatIntervalMs) throw new RuleError(`${where}.repeat_interval: not a valid duration: ${String(o.repeat_interval)}`)
  }
  const routes =
    o.routes === undefined ? [] : Array.isArray(o.routes) ? o.routes.map((r, i) => route(r, `${where}.routes[${i}]`, receivers)) : []
  return {
    ...(o.receiver !== undefined ? { receiver: String(o.receiver) } : {}),
    match,
    matchRe,
    continue: o.continue === true,
    ...(repeatIntervalMs ? { repeatIntervalMs } : {}),
    routes,
  }
}

export function parseNotifyConfig(text: string, source: string): NotifyConfig {
  const doc = parseDocument(text)
  if (doc.errors.length) throw new RuleError(`${source}: ${doc.errors[0]?.message.split('\n')[0]}`)
  const root = obj(doc.toJS() ?? {}, source)
  fields(root, ['receivers', 'route'], source)
  const receivers = new Map<string, Receiver>()
  for (const [i, r] of (Array.isArray(root.receivers) ? root.receivers : []).entries()) {
    const where = `${source}: receivers[${i}]`
    const o = obj(r, where)
    fields(o, ['name', 'webhook', 'slack', 'pagerduty', 'send_resolved'], where)
    if (typeof o.name !== 'string' || !o.name) throw new RuleError(`${where}: name is required`)
    if (receivers.has(o.name)) throw new RuleError(`${where}: receiver "${o.name}" is defined twice`)
    const targets: Target[] = []
    if (o.webhook !== undefined) {
      const w = obj(o.webhook, `${where}.webhook`)
      fields(w, ['url', 'secret'], `${where}.webhook`)
      targets.push({
        kind: 'webhook',
        url: url(w.url, `${where}.webhook`),
        ...(w.secret !== undefined ? { secret: String(w.secret) } : {}),
      })
    }
    if (o.slack !== undefined) {
      const w = obj(o.slack, `${where}.slack`)
      fields(w, ['url'], `${where}.slack`)
      targets.push({ kind: 'slack', url: url(w.url, `${where}.slack`) })
    }
    if (o.pagerduty !== undefined) {
      const w = obj(o.pagerduty, `${where}.pagerduty`)
      fields(w, ['routing_key', 'url', 'severity'], `${where}.pagerduty`)
      if (typeof w.routing_key !== 'string' || !w.routing_key) throw new RuleError(`${where}.pagerduty: routing_key is required`)
      if (w.severity !== undefined && !['critical', 'error', 'warning', 'info'].includes(String(w.severity)))
        throw new RuleError(`${where}.pagerduty: severity must be critical, error, warning or info`)
      targets.push({
        kind: 'pagerduty',
        url: w.url === undefined ? PAGERDUTY_EVENTS_URL : url(w.url, `${where}.pagerduty`),
        routingKey: w.routing_key,
        ...(w.severity ? { severity: String(w.severity) } : {}),
      })
    }
    if (targets.length === 0) throw new RuleError(`${where}: give at least one of webhook, slack, pagerduty`)
    receivers.set(o.name, { name: o.name, sendResolved: o.send_resolved !== false, targets })
  }
  const r = root.route === undefined ? undefined : route(root.route, `${source}: route`, receivers)
  if (r && !r.receiver) throw new RuleError(`${source}: route: the top route needs a receiver (the default)`)
  if (!r && receivers.size > 0) throw new RuleError(`${source}: route is required when receivers are defined`)
  return { receivers, route: r }
}

export function readNotifyConfig(path: string): NotifyConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new RuleError(`${path}: cannot read ALERTING_CONFIG: ${(err as Error).message}`)
  }
  return parseNotifyConfig(text, path)
}

const matches = (r: Route, labels: Record<string, string>) =>
  Object.entries(r.match).every(([k, v]) => (labels[k] ?? '') === v) &&
  Object.entries(r.matchRe).every(([k, re]) => re.test(labels[k] ?? ''))

/** The receivers of an alert with their repeat interval, as Alertmanager walks its route tree. */
export function routeAlert(cfg: NotifyConfig, labels: Record<string, string>): { receiver: Receiver; repeatIntervalMs: number }[] {
  if (!cfg.route) return []
  const out: { receiver: Receiver; repeatIntervalMs: number }[] = []
  const walk = (r: Route, inherited: { receiver: string; repeat: number }): void => {
    const here = { receiver: r.receiver ?? inherited.receiver, repeat: r.repeatIntervalMs ?? inherited.repeat }
    let matched = false
    for (const child of r.routes) {
      if (!matches(child, labels)) continue
      walk(child, here)
      matched = true
      if (!child.continue) break
    }
    if (!matched) {
      const rec = cfg.receivers.get(here.receiver)
      if (rec && !out.some((o) => o.receiver === rec)) out.push({ receiver: rec, repeatIntervalMs: here.repeat })
    }
  }
  walk(cfg.route, { receiver: cfg.route.receiver as string, repeat: DEFAULT_REPEAT_INTERVAL_MS })
  return out
}
