/**
 * Counts beside the level and service filters. Each facet is counted with every other filter
 * applied but not its own, so that the numbers say what ticking another box would add.
 */
import { ref, shallowRef, watch, type Ref } from 'vue'
import type { ServiceInfo } from '@oglogstream/shared'
import { fetchServices, fetchStats } from '../lib/api.ts'
import { useLatestRequest } from './useLatestRequest.ts'
import type { QueryRun } from './useQueryRun.ts'

export function useFacets(run: Ref<QueryRun>) {
  const levelCounts = shallowRef<Record<string, number>>({})
  const services = shallowRef<ServiceInfo[]>([])
  /** Entries matching the whole filter. */
  const total = ref<number>()
  /** The last load failed: the counts are unknown (not zero). */
  const failed = ref(false)
  const { loading, request } = useLatestRequest()

  function load(r: QueryRun): Promise<void> {
    const { level: _l, ...withoutLevel } = r.params
    const { service: _s, ...withoutService } = r.params
    const counts = (signal: AbortSignal) =>
      Promise.all([
        fetchStats(withoutLevel, signal),
        fetchServices(withoutService, signal),
        r.params.level || r.params.service ? fetchStats(r.params, signal) : undefined,
      ])
    return request(counts, {
      done: ([byLevel, bySvc, all]) => {
        levelCounts.value = byLevel.logs_by_level
        // Keep selected services listed even when nothing matches them now.
        const seen = new Set(bySvc.map((s) => s.service))
        const missing = r.view.services.filter((s) => !seen.has(s)).map((s) => ({ service: s, count: 0, last_seen: '' }))
        services.value = [...bySvc, ...missing]
        total.value = all ? all.total_logs : byLevel.total_logs
        failed.value = false
      },
      // The list shows the error; the counts just go blank.
      failed: () => {
        levelCounts.value = {}
        services.value = r.view.services.map((s) => ({ service: s, count: 0, last_seen: '' }))
        total.value = undefined
        failed.value = true
      },
    })
  }

  watch(run, (r) => void load(r), { immediate: true })

  return { levelCounts, services, total, loading, failed }
}
