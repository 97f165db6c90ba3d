/**
 * Who the dashboard is (issue 13): `GET /api/session` says whether the server wants a key; the login
 * screen trades one for the session cookie (`POST /api/session`, HttpOnly: the page never holds the
 * key after the request); logout drops it. The tenant picked in the header travels as `X-Scope-OrgID`
 * on every API call and as `tenant=` on the WebSocket URL and the export link; the server authorizes
 * it as it would for a key. The choice is remembered in the browser.
 */
import type { SessionInfo } from '@oglogstream/shared'
import { computed, ref } from 'vue'

const TENANT_KEY = 'oglogstream.tenant'

/** undefined until the first answer (or when the server could not say). */
export const session = ref<SessionInfo>()
/** 'loading' until the first answer; 'login' while a key is needed; 'ready' otherwise. */
export const sessionState = ref<'loading' | 'login' | 'ready'>('loading')
/** The tenant picked in the header; undefined: the key's default. */
export const tenant = ref<string | undefined>(readTenant())

/** The tenants the picker offers (more than one, or none: no picker). */
export const tenantChoices = computed<string[]>(() => {
  const s = session.value
  if (!s?.authenticated || !s.tenants) return []
  return s.tenants.length > 1 || s.all_tenants ? s.tenants : []
})

function readTenant(): string | undefined {
  try {
    return localStorage.getItem(TENANT_KEY) ?? undefined
  } catch {
    return undefined
  }
}

export function pickTenant(t: string | undefined): void {
  tenant.value = t
  try {
    if (t) localStorage.setItem(TENANT_KEY, t)
    else localStorage.removeItem(TENANT_KEY)
  } catch {
    /* storage off: the choice lasts for the page */
  }
}

/** The tenant to ask for: the picked one when this session may use it, else none (the key's default). */
export function activeTenant(): string | undefined {
  const t = tenant.value
  return t && tenantChoices.value.includes(t) ? t : undefined
}

/** Headers of every API call: the picked tenant. */
export function tenantHeaders(): Record<string, string> {
  const t = activeTenant()
  return t ? { 'x-scope-orgid': t } : {}
}

function apply(s: SessionInfo): void {
  session.value = s
  sessionState.value = s.auth_required && !s.authenticated ? 'login' : 'ready'
  // A remembered tenant this session may not use is forgotten (another key logged in).
  if (tenant.value && s.authenticated && !tenantChoices.value.includes(tenant.value)) pickTenant(undefined)
}

let loading: Promise<void> | undefined
/** Asks the server who the page is; when it cannot say (down), the dashboard shows as without keys. */
export function loadSession(): Promise<void> {
  loading ??= (async () => {
    try {
      const res = await fetch('/api/session', { headers: { accept: 'application/json' }, cache: 'no-store' })
      if (!res.ok) throw new Error(String(res.status))
      apply((await res.json()) as SessionInfo)
    } catch {
      if (sessionState.value === 'loading') sessionState.value = 'ready'
    }
  })().finally(() => (loading = undefined))
  return loading
}

/** Logs in with a key; throws with the server's message when it is refused. */
export async function login(key: string): Promise<void> {
  let res: Response
  try {
    res = await fetch('/api/session', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    })
  } catch {
    throw new Error('Cannot reach the server. Is OgLogStream running?')
  }
  const body = (await res.json().catch(() => undefined)) as (SessionInfo & { error?: string; code?: string }) | undefined
  if (!res.ok) {
    throw new Error(
      res.status === 401
        ? 'That key is not valid for the dashboard (a key of the query scope is needed).'
        : (body?.error ?? `${res.status} ${res.statusText}`),
    )
  }
  if (body) apply(body)
}

export async function logout(): Promise<void> {
  try {
    await fetch('/api/session', { method: 'DELETE' })
  } finally {
    await loadSession()
  }
}
