/**
 * Live tail over `WS /ws/live` with the page's filters. Arrivals are batched per animation frame
 * into a bounded buffer; while paused they are counted but not shown. The socket reconnects with
 * back-off when it drops.
 */
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue'
import type { LogEntry } from '@oglogstream/shared'
import { BoundedBuffer, RateMeter } from '../lib/liveBuffer.ts'
import { activeTenant, loadSession } from '../lib/session.ts'

export type LiveStatus = 'connecting' | 'open' | 'closed'

export const LIVE_CAPACITY = 10_000

export function useLive(params: Ref<Record<string, string>>, capacity = LIVE_CAPACITY) {
  const buffer = new BoundedBuffer<LogEntry>(capacity)
  const meter = new RateMeter(5_000)
  /** The buffer's contents, oldest first; a new array on every flush. */
  const entries = shallowRef<readonly LogEntry[]>([])
  const status = ref<LiveStatus>('connecting')
  const error = ref<string>()
  const paused = ref(false)
  /** Entries received while paused (dropped, not shown). */
  const missed = ref(0)
  const rate = ref(0)
  const received = ref(0)

  let ws: WebSocket | undefined
  let pending: LogEntry[] = []
  let frame = 0
  let retry: ReturnType<typeof setTimeout> | undefined
  let backoff = 500
  let stopped = false

  function url(): string {
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:'
    // A browser's WebSocket carries no header: the picked tenant goes in the URL (the cookie authenticates).
    const t = activeTenant()
    const qs = new URLSearchParams({ ...params.value, ...(t ? { tenant: t } : {}) }).toString()
    return `${proto}//${window.location.host}/ws/live${qs ? `?${qs}` : ''}`
  }

  function flush(): void {
    frame = 0
    if (!pending.length) return
    buffer.push(pending)
    pending = []
    // A new array (one copy per frame at most) so that the list sees the change.
    entries.value = buffer.view().slice()
  }

  function connect(): void {
    clearTimeout(retry)
    ws?.close()
    status.value = 'connecting'
    const sock = new WebSocket(url())
    ws = sock
    let opened = false
    sock.onopen = () => {
      if (ws !== sock) return
      opened = true
      status.value = 'open'
      error.value = undefined
      backoff = 500
    }
    sock.onmessage = (ev: MessageEvent) => {
      if (ws !== sock) return
      let msg: unknown
      try {
        msg = JSON.parse(String(ev.data))
      } catch {
        return
      }
      const m = msg as Partial<LogEntry> & { status?: string; error?: string }
      if (m.status === 'error') {
        error.value = m.error ?? 'the server refused the live filter'
        return
      }
      if (typeof m.message !== 'string' || typeof m.timestamp !== 'string') return
      received.value++
      meter.add(1, Date.now())
      if (paused.value) {
        missed.value++
        return
      }
      pending.push(m as LogEntry)
      if (!frame) frame = requestAnimationFrame(flush)
    }
    sock.onclose = (ev: CloseEvent) => {
      if (ws !== sock) return
      status.value = 'closed'
      if (ev.code === 1008) return // the filter was refused; reconnecting would not help
      // Refused before it opened (1006): perhaps the session ended; the page checks and shows the login screen if so.
      if (!opened) void loadSession()
      if (!error.value && ev.code !== 1000) error.value = 'Live connection lost; reconnecting…'
      if (!stopped) retry = setTimeout(connect, (backoff = Math.min(backoff * 2, 10_000)))
    }
  }

  const ticker = setInterval(() => (rate.value = meter.rate(Date.now())), 1_000)

  function pause(): void {
    paused.value = true
  }
  function resume(): void {
    paused.value = false
    missed.value = 0
  }
  function clear(): void {
    buffer.clear()
    pending = []
    entries.value = []
  }

  watch(
    () => JSON.stringify(params.value),
    () => {
      clear()
      meter.reset()
      error.value = undefined
      connect()
    },
    { immediate: true },
  )

  onBeforeUnmount(() => {
    stopped = true
    clearInterval(ticker)
    clearTimeout(retry)
    if (frame) cancelAnimationFrame(frame)
    ws?.close(1000)
    ws = undefined
  })

  return { entries, status, error, paused, missed, rate, received, pause, resume, clear, capacity }
}
