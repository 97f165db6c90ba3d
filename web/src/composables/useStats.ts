/**
 * The Statistics page: totals, by level, top services and the histogram for a time range,
 * refreshed every `everyMs` while the tab is visible.
 */
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue'
import type { ServiceInfo, StatsResponse } from '@oglogstream/shared'
import { errorMessage, fetchHistogram, fetchServices, fetchStats, isAbort } from '../lib/api.ts'
import { fillBuckets, type Bar } from '../lib/buckets.ts'
import { resolveRange, type TimeRange } from '../lib/timeRange.ts'

export const STATS_REFRESH_MS = 10_000 // 10 s

export function useStats(range: Ref<TimeRange>, everyMs = STATS_REFRESH_MS) {
  const stats = shallowRef<StatsResponse>()
  const services = shallowRef<ServiceInfo[]>([])
  const bars = shallowRef<Bar[]>([])
  const intervalMs = ref(0)
  const loading = ref(false)
  const error = ref<string>()
  const updatedAt = ref<Date>()
  let ac: AbortController | undefined

  async function load(): Promise<void> {
    ac?.abort()
    const signal = (ac = new AbortController()).signal
    loading.value = true
    const r = resolveRange(range.value, Date.now())
    const params: Record<string, string> = {}
    if (r.from) params.from = r.from
    if (r.to) params.to = r.to
    try {
      const [s, svc, h] = await Promise.all([fetchStats(params, signal), fetchServices(params, signal), fetchHistogram(params, signal)])
      stats.value = s
      services.value = svc
      bars.value = fillBuckets(h)
      intervalMs.value = h.interval_ms
      error.value = undefined
      updatedAt.value = new Date()
    } catch (err) {
      if (!isAbort(err)) error.value = errorMessage(err)
    } finally {
      if (!signal.aborted) loading.value = false
    }
  }

  watch(() => JSON.stringify(range.value), () => void load(), { immediate: true })
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible' && !loading.value) void load()
  }, everyMs)
  onBeforeUnmount(() => {
    clearInterval(timer)
    ac?.abort()
  })

  return { stats, services, bars, intervalMs, loading, error, updatedAt, refresh: load }
}
