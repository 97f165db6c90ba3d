/**
 * The alerting HTTP API: `/api/rules` (GET, POST, PUT, DELETE; JSON or YAML bodies in the ruler
 * format), `/api/alerts`, `/api/alerts/history`, and what Grafana reads from a Loki or Prometheus
 * data source: `/loki/api/v1/rules` (YAML by namespace), `/prometheus/api/v1/rules` and
 * `/prometheus/api/v1/alerts` (Prometheus's JSON). Everything is read from the store, so every
 * query instance answers the same whichever one evaluates.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parse as parseYaml, stringify as toYaml } from 'yaml'
import { tenantOf, type AuthHook } from '../auth/index.js'
import { Errors } from '../errors.js'
import { ruleKey, type LoadedGroup } from './evaluator.js'
import { checkGroup, groupToYamlObject, RuleError } from './rules.js'
import type { Alerting } from './service.js'
import type { AlertState, RuleStatus } from './store.js'

export interface AlertingRoutesContext {
  alerting: Alerting
  auth: AuthHook
}

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain']
const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : '0001-01-01T00:00:00Z')

/**
 * One alert as SPEC §10 shapes it: `name` (the alerting rule's name; `rule` kept as an alias),
 * `state` one of inactive|pending|firing (a resolved alert, kept for 15 min, is `inactive` with its
 * `resolvedAt`), `labels`, `annotations`, `value`, `since`; plus `activeAt`, `firedAt`, `fingerprint`.
 */
function alertJson(s: AlertState) {
  return {
    name: s.rule,
    rule: s.rule,
    fingerprint: s.fingerprint,
    state: s.state === 'resolved' ? ('inactive' as const) : s.state,
    labels: s.labels,
    annotations: s.annotations,
    value: s.value,
    since: iso(s.state === 'firing' ? s.fired_at : s.state === 'resolved' ? s.resolved_at : s.active_at),
    activeAt: iso(s.active_at),
    ...(s.fired_at ? { firedAt: iso(s.fired_at) } : {}),
    ...(s.resolved_at ? { resolvedAt: iso(s.resolved_at) } : {}),
  }
}

/** Labels or annotations whose values hold no template: what is known of an alert before it exists. */
const untemplated = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).filter(([, v]) => !v.includes('{{')))

interface InactiveRule {
  name: string
  rule: string
  state: 'inactive'
  labels: Record<string, string>
  annotations: Record<string, string>
  value: null
  since: null
}

export async function alertingRoutes(app: FastifyInstance, { alerting, auth }: AlertingRoutesContext): Promise<void> {
  app.addHook('onRequest', auth)
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseYaml(body as string) as unknown)
    } catch (err) {
      done(new Errors.BAD_RULE(`the body is not YAML: ${(err as Error).message.split('\n')[0]}`), undefined)
    }
  })
  const store = alerting.alertStore
  app.addHook('preHandler', async () => alerting.ready())

  /** Every group the tenant sees (files and stored), with the latest state of its rules and alerts. */
  async function snapshot(tenant: string) {
    await alerting.sync()
    const groups = alerting.evaluator.loaded.filter((g) => g.tenant === tenant)
    const [states, statuses] = await Promise.all([store.states(tenant), store.statuses(tenant)])
    const byRule = new Map<string, AlertState[]>()
    for (const s of states) byRule.set(s.rule_key, [...(byRule.get(s.rule_key) ?? []), s])
    const status = new Map<string, RuleStatus>(statuses.map((s) => [s.rule_key, s]))
    return { groups, byRule, status }
  }

  function check(body: unknown, namespace: string, tenant: string): LoadedGroup {
    try {
      const g = checkGroup(body, namespace, `namespace ${namespace}`)
      return { ...g, tenant, source: 'api', rules: g.rules as LoadedGroup['rules'] }
    } catch (err) {
      if (err instanceof RuleError) throw new Errors.BAD_RULE(err.message)
      throw err
    }
  }

  const existing = (tenant: string, namespace: string, name: string) =>
    alerting.evaluator.loaded.find((g) => g.tenant === tenant && g.namespace === namespace && g.name === name)
  const NS = /^[A-Za-z0-9_.:-]{1,200}$/
  const namespaceOf = (v: unknown) => {
    const ns = typeof v === 'string' && v !== '' ? v : 'default'
    if (!NS.test(ns)) throw new Errors.BAD_PARAMETER('namespace', 'letters, digits, _ . : - only, at most 200')
    return ns
  }

  async function create(req: FastifyRequest, reply: FastifyReply, namespace: string, replace: boolean) {
    const tenant = tenantOf(req)
    const g = check(req.body, namespace, tenant)
    await alerting.sync()
    const old = existing(tenant, namespace, g.name)
    if (old?.source === 'file')
      throw new Errors.BAD_RULE(`group "${g.name}" in namespace ${namespace} comes from a file under RULES_DIR; change the file instead`)
    if (old && !replace) throw new Errors.RULE_EXISTS(g.name, namespace)
    await store.putGroup({ tenant, namespace, name: g.name, body: JSON.stringify(groupToYamlObject(g)) })
    await alerting.sync()
    return reply.code(old ? 200 : 201).send({ status: 'success', namespace, group: groupToYamlObject(g) })
  }

  async function remove(req: FastifyRequest, reply: FastifyReply, namespace: string, name: string) {
    const tenant = tenantOf(req)
    await alerting.sync()
    const old = existing(tenant, namespace, name)
    if (!old) throw new Errors.RULE_NOT_FOUND(name, namespace)
    if (old.source === 'file')
      throw new Errors.BAD_RULE(`group "${name}" in namespace ${namespace} comes from a file under RULES_DIR; change the file instead`)
    await store.putGroup({ tenant, namespace, name, body: '' }, true)
    await alerting.sync()
    return reply.code(204).send()
  }

  // ---- /api/rules --------------------------------------------------------------------------------

  app.get('/api/rules', async (req) => {
    const { groups, byRule, status } = await snapshot(tenantOf(req))
    return {
      groups: groups.map((g) => {
        const run = alerting.evaluator.groupRun(g)
        return {
          namespace: g.namespace,
          name: g.name,
          source: g.source,
          interval: (g.intervalMs || alerting.evaluator.defaultIntervalMs) / 1000,
          ...(run ? { lastEvaluation: iso(run.lastEval), evaluationMs: run.durationMs } : {}),
          rules: g.rules.map((r) => {
            const key = ruleKey(g, r)
            const st = status.get(key)
            const alerts = byRule.get(key) ?? []
            return {
              ...(r.alert !== undefined ? { alert: r.alert, type: 'alerting' } : { record: r.record, type: 'recording' }),
              expr: r.expr,
              for: r.forMs / 1000,
              keepFiringFor: r.keepFiringForMs / 1000,
              labels: r.labels,
              annotations: r.annotations,
              state:
                r.alert === undefined
                  ? undefined
                  : alerts.some((a) => a.state === 'firing')
                    ? 'firing'
                    : alerts.some((a) => a.state === 'pending')
                      ? 'pending'
                      : 'inactive',
              health: st?.health ?? 'unknown',
              lastError: st?.error ?? '',
              lastEvaluation: st ? iso(st.last_eval) : undefined,
              evaluationMs: st?.duration_ms,
              alerts: alerts.map(alertJson),
            }
          }),
        }
      }),
    }
  })
  app.get('/api/rules/:namespace/:name', async (req) => {
    const { namespace, name } = req.params as { namespace: string; name: string }
    await alerting.sync()
    const g = existing(tenantOf(req), namespace, name)
    if (!g) throw new Errors.RULE_NOT_FOUND(name, namespace)
    return { namespace, source: g.source, group: groupToYamlObject(g) }
  })
  app.post('/api/rules', async (req, reply) => create(req, reply, namespaceOf((req.query as Record<string, unknown>).namespace), false))
  app.put('/api/rules/:namespace/:name', async (req, reply) => {
    const { namespace, name } = req.params as { namespace: string; name: string }
    const body = req.body as Record<string, unknown> | null
    if (body && typeof body === 'object' && body.name !== undefined && body.name !== name)
      throw new Errors.BAD_RULE(`the group's name "${String(body.name)}" differs from the path's "${name}"`)
    await alerting.sync()
    if (!existing(tenantOf(req), namespaceOf(namespace), name)) throw new Errors.RULE_NOT_FOUND(name, namespace)
    return create(req, reply, namespace, true)
  })
  app.delete('/api/rules/:namespace/:name', async (req, reply) => {
    const { namespace, name } = req.params as { namespace: string; name: string }
    return remove(req, reply, namespace, name)
  })

  // ---- /api/alerts -------------------------------------------------------------------------------

  // SPEC §10: a top-level array. Every alerting rule of the tenant is listed: its alerts (firing,
  // pending, or inactive = resolved in the last 15 min), or, when it has none, one `inactive` item
  // with the rule's own labels and annotations (those without a {{ template }}), `value` and `since` null.
  app.get('/api/alerts', async (req) => {
    const { groups, byRule } = await snapshot(tenantOf(req))
    const items: (ReturnType<typeof alertJson> | InactiveRule)[] = []
    for (const g of groups)
      for (const r of g.rules) {
        if (r.alert === undefined) continue
        const mine = byRule.get(ruleKey(g, r)) ?? []
        if (mine.length) items.push(...mine.map(alertJson))
        else
          items.push({
            name: r.alert,
            rule: r.alert,
            state: 'inactive',
            labels: { ...untemplated(r.labels), alertname: r.alert },
            annotations: untemplated(r.annotations),
            value: null,
            since: null,
          })
      }
    const order = { firing: 0, pending: 1, inactive: 2 }
    return items.sort((a, b) => order[a.state] - order[b.state] || a.name.localeCompare(b.name))
  })
  app.get('/api/alerts/history', async (req) => {
    const raw = (req.query as Record<string, string | undefined>).limit
    const limit = raw === undefined ? 200 : Number(raw)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new Errors.BAD_PARAMETER('limit', 'an integer from 1 to 10000')
    const rows = await store.history(tenantOf(req), limit)
    return { history: rows.map((r) => ({ ...r, time: iso(r.time) })) }
  })

  // ---- Loki ruler API (YAML) -----------------------------------------------------------------------

  const lokiRules = async (req: FastifyRequest, reply: FastifyReply) => {
    const { namespace, group } = req.params as { namespace?: string; group?: string }
    await alerting.sync()
    const out: Record<string, unknown[]> = {}
    for (const g of alerting.evaluator.loaded) {
      if (g.tenant !== tenantOf(req) || (namespace && g.namespace !== namespace) || (group && g.name !== group)) continue
      ;(out[g.namespace] ??= []).push(groupToYamlObject(g))
    }
    if ((namespace || group) && Object.keys(out).length === 0) throw new Errors.RULE_NOT_FOUND(group ?? '*', namespace ?? '')
    reply.type('application/yaml')
    return group ? toYaml((out[namespace as string] ?? [])[0]) : toYaml(out)
  }
  app.get('/loki/api/v1/rules', lokiRules)
  app.get('/loki/api/v1/rules/:namespace', lokiRules)
  app.get('/loki/api/v1/rules/:namespace/:group', lokiRules)
  // lokitool / cortextool: create or replace a group in a namespace; delete a group or a namespace.
  app.post('/loki/api/v1/rules/:namespace', async (req, reply) => {
    const { namespace } = req.params as { namespace: string }
    await create(req, reply, namespaceOf(namespace), true)
    return reply.code(202).send({ status: 'success' })
  })
  app.delete('/loki/api/v1/rules/:namespace/:group', async (req, reply) => {
    const { namespace, group } = req.params as { namespace: string; group: string }
    await remove(req, reply, namespace, group)
    return reply.code(202).send({ status: 'success' })
  })

  // ---- Prometheus API (JSON, what Grafana's alert list reads) ----------------------------------------

  app.get('/prometheus/api/v1/rules', async (req) => {
    const { groups, byRule, status } = await snapshot(tenantOf(req))
    const type = (req.query as Record<string, string | undefined>).type
    return {
      status: 'success',
      data: {
        groups: groups.map((g) => {
          const run = alerting.evaluator.groupRun(g)
          let lastEval = 0
          let evalMs = 0
          const rules = g.rules
            .map((r) => {
              const key = ruleKey(g, r)
              const st = status.get(key)
              lastEval = Math.max(lastEval, st?.last_eval ?? 0)
              evalMs += st?.duration_ms ?? 0
              const common = {
                name: r.alert ?? r.record,
                query: r.expr,
                labels: r.labels,
                health: st?.health ?? 'unknown',
                lastError: st?.error || undefined,
                lastEvaluation: iso(st?.last_eval ?? 0),
                evaluationTime: (st?.duration_ms ?? 0) / 1000,
              }
              if (r.record !== undefined) return { ...common, type: 'recording' }
              const alerts = (byRule.get(key) ?? []).filter((a) => a.state !== 'resolved')
              return {
                ...common,
                type: 'alerting',
                state: alerts.some((a) => a.state === 'firing') ? 'firing' : alerts.length ? 'pending' : 'inactive',
                duration: r.forMs / 1000,
                keepFiringFor: r.keepFiringForMs / 1000,
                annotations: r.annotations,
                alerts: alerts.map((a) => ({
                  labels: a.labels,
                  annotations: a.annotations,
                  state: a.state,
                  activeAt: iso(a.active_at),
                  value: String(a.value),
                })),
              }
            })
            .filter((r) => !type || (type === 'alert' ? r.type === 'alerting' : r.type === 'recording'))
          return {
            name: g.name,
            file: g.namespace,
            rules,
            interval: (g.intervalMs || alerting.evaluator.defaultIntervalMs) / 1000,
            limit: 0,
            lastEvaluation: iso(run?.lastEval ?? lastEval),
            evaluationTime: (run?.durationMs ?? evalMs) / 1000,
          }
        }),
      },
    }
  })
  app.get('/prometheus/api/v1/alerts', async (req) => {
    const states = (await store.states(tenantOf(req))).filter((s) => s.state !== 'resolved')
    return {
      status: 'success',
      data: {
        alerts: states.map((a) => ({
          labels: a.labels,
          annotations: a.annotations,
          state: a.state,
          activeAt: iso(a.active_at),
          value: String(a.value),
        })),
      },
    }
  })
}
