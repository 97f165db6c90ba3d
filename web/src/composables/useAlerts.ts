/**
 * The Alerts page's data: rules (with their state, health and last evaluation), alerts and history,
 * polled every few seconds; and the writes of the rule form (POST, or PUT into an existing group).
 */
import { onBeforeUnmount, onMounted, ref } from 'vue'
import { tenantHeaders } from '../lib/session.ts'
import { groupWith, type RuleForm, type RuleGroupBody } from '../lib/alertRule.ts'

export interface RuleView {
  alert?: string
  record?: string
  type: 'alerting' | 'recording'
  expr: string
  for: number
  labels: Record<string, string>
  state?: 'firing' | 'pending' | 'inactive'
  health: string
  lastError: string
  lastEvaluation?: string
  evaluationMs?: number
  alerts: AlertView[]
}
export interface GroupView {
  namespace: string
  name: string
  source: 'file' | 'api'
  interval: number
  lastEvaluation?: string
  evaluationMs?: number
  rules: RuleView[]
}
/** One item of `GET /api/alerts` (SPEC §10); a rule with no alert is one `inactive` item without fingerprint. */
export interface AlertView {
  name: string
  state: 'firing' | 'pending' | 'inactive'
  since: string | null
  value: number | null
  labels: Record<string, string>
  annotations: Record<string, string>
  fingerprint?: string
  activeAt?: string
  firedAt?: string
  resolvedAt?: string
}
export interface HistoryView {
  time: string
  kind: 'state' | 'notification'
  rule: string
  labels: Record<string, string>
  from_state: string
  to_state: string
  value: number
  receiver: string
  outcome: string
  detail: string
}

export const NAMESPACE = 'dashboard'
const POLL_MS = 5_000

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...tenantHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new Error('Cannot reach the server. Is OgLogStream running?')
  }
  const text = await res.text()
  const parsed = text ? (JSON.parse(text) as unknown) : undefined
  if (!res.ok)
    throw Object.assign(new Error((parsed as { error?: string } | undefined)?.error ?? `${res.status} ${res.statusText}`), {
      status: res.status,
    })
  return parsed as T
}

export function useAlerts() {
  const groups = ref<GroupView[]>([])
  const alerts = ref<AlertView[]>([])
  const history = ref<HistoryView[]>([])
  const error = ref<string>()
  const loading = ref(true)
  let timer: ReturnType<typeof setTimeout> | undefined

  async function refresh(): Promise<void> {
    try {
      const [r, a, h] = await Promise.all([
        call<{ groups: GroupView[] }>('GET', '/api/rules'),
        call<AlertView[]>('GET', '/api/alerts'),
        call<{ history: HistoryView[] }>('GET', '/api/alerts/history?limit=100'),
      ])
      groups.value = r.groups
      alerts.value = a
      history.value = h.history
      error.value = undefined
    } catch (err) {
      error.value = (err as Error).message
    } finally {
      loading.value = false
    }
  }

  function poll(): void {
    timer = setTimeout(() => {
      void refresh().finally(poll)
    }, POLL_MS)
  }

  /** Adds the form's rule to its group (created when new). Throws the server's message on a refusal. */
  async function save(f: RuleForm): Promise<void> {
    const path = `/api/rules/${encodeURIComponent(NAMESPACE)}/${encodeURIComponent(f.group.trim())}`
    let existing: RuleGroupBody | undefined
    try {
      existing = (await call<{ group: RuleGroupBody }>('GET', path)).group
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err
    }
    const group = groupWith(existing, f)
    if (existing) await call('PUT', path, group)
    else await call('POST', `/api/rules?namespace=${NAMESPACE}`, group)
    await refresh()
  }

  async function remove(g: GroupView): Promise<void> {
    await call('DELETE', `/api/rules/${encodeURIComponent(g.namespace)}/${encodeURIComponent(g.name)}`)
    await refresh()
  }

  onMounted(() => {
    void refresh().finally(poll)
  })
  onBeforeUnmount(() => clearTimeout(timer))

  return { groups, alerts, history, error, loading, refresh, save, remove }
}
