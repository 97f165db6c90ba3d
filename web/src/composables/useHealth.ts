/**
 * Server reachability for the header and for recovery: polls GET /health (every 15 s, every 2 s while
 * down), checks at once when any API call finds the server unreachable, and tells pages when it is back
 * (`up` turns true) so they reload without a click. One poller for the whole page.
 */
import { ref } from 'vue'
import { onUnreachable } from '../lib/api.ts'

export const HEALTH_POLL_MS = 15_000 // 15 s
export const HEALTH_DOWN_POLL_MS = 2_000 // 2 s while the server is down

/** undefined until the first answer. */
const up = ref<boolean>()
const detail = ref<string>()
let timer: ReturnType<typeof setTimeout> | undefined
let started = false
let checking: Promise<void> | undefined

async function probe(): Promise<void> {
  try {
    const res = await fetch('/health', { headers: { accept: 'application/json' }, cache: 'no-store' })
    const body = (await res.json().catch(() => ({}))) as { status?: string }
    up.value = res.ok
    detail.value = res.ok ? undefined : `The server reports ${body.status ?? res.status}`
  } catch {
    up.value = false
    detail.value = 'Cannot reach the server'
  }
}

function check(): Promise<void> {
  checking ??= probe().finally(() => {
    checking = undefined
    schedule()
  })
  return checking
}

function schedule(): void {
  clearTimeout(timer)
  timer = setTimeout(() => void check(), up.value === false ? HEALTH_DOWN_POLL_MS : HEALTH_POLL_MS)
}

export function useHealth() {
  if (!started) {
    started = true
    onUnreachable(() => void check())
    void check()
  }
  return { up, detail, check }
}
