/** Server reachability for the header: polls GET /health. */
import { onBeforeUnmount, ref } from 'vue'

export const HEALTH_POLL_MS = 15_000 // 15 s

export function useHealth(everyMs = HEALTH_POLL_MS) {
  /** undefined until the first answer. */
  const up = ref<boolean>()
  const detail = ref<string>()

  async function check(): Promise<void> {
    try {
      const res = await fetch('/health', { headers: { accept: 'application/json' } })
      const body = (await res.json().catch(() => ({}))) as { status?: string }
      up.value = res.ok
      detail.value = res.ok ? undefined : `The server reports ${body.status ?? res.status}`
    } catch {
      up.value = false
      detail.value = 'Cannot reach the server'
    }
  }
  void check()
  const timer = setInterval(() => void check(), everyMs)
  onBeforeUnmount(() => clearInterval(timer))
  return { up, detail, check }
}
