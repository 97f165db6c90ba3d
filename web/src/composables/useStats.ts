/**
 * The Statistics page: totals, by level, top services and the histogram for a time range,
 * refreshed every `everyMs` while the tab is visible.
 */
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue'
import type { ServiceInfo, StatsResponse } from '@oglogstream/shared'
import { fetchHistogram, fetchServices, fetchStats } from '../lib/api.ts'
import { fillBuckets, type Bar } from '../lib/buckets.ts'
import { resolveRange, type TimeRange } from '../lib/timeRange.ts'
import { useLatestRequest } from './useLatestRequest.ts'

export const STATS_REFRESH_MS = 10_000 // 10 s

export function useStats(range: Ref<TimeRange>, everyMs = STATS_REFRESH_MS) {
  const stats = shallowRef<StatsResponse>()
  const services = shallowRef<ServiceInfo[]>([])
  const bars = shallowRef<Bar[]>([])
  const intervalMs = ref(0)
  const updatedAt = ref<Date>()
  const { loading, error, request, abort } = useLatestRequest()

  function load(): Promise<void> {
    const r = resolveRange(range.value, Date.now())
    const params: Record<string, string> = {}
    if (r.from) params.from = r.from
    if (r.to) params.to = r.to
    return request((signal) => Promise.all([fetchStats(params, signal), fetchServices(params, signal), fetchHistogram(params, signal)]), {
      done: ([s, svc, h]) => {
        stats.value = s
        services.value = svc
        bars.value = fillBuckets(h)
        intervalMs.value = h.interval_ms
        updatedAt.value = new Date()
      },
    })
  }

  watch(
    () => JSON.stringify(range.value),
    () => void load(),
    { immediate: true },
  )
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible' && !loading.value) void load()
  }, everyMs)
  onBeforeUnmount(() => {
    clearInterval(timer)
    abort()
  })

  return { stats, services, bars, intervalMs, loading, error, updatedAt, refresh: load }
}
