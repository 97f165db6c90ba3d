/**
 * The field list of Explore: every attribute of the newest matching entries (GET /api/field_summary),
 * with how many have it and their most frequent values. Follows the run, like the counts.
 */
import { shallowRef, watch, type Ref } from 'vue'
import type { FieldSummaryResponse } from '@oglogstream/shared'
import { fetchFieldSummary } from '../lib/api.ts'
import { useLatestRequest } from './useLatestRequest.ts'
import type { QueryRun } from './useQueryRun.ts'

export function useFieldSummary(run: Ref<QueryRun>, enabled: () => boolean) {
  const data = shallowRef<FieldSummaryResponse>()
  const { loading, error, request, abort } = useLatestRequest()

  async function load(r: QueryRun): Promise<void> {
    if (!enabled()) {
      abort()
      data.value = undefined
      return
    }
    return request((signal) => fetchFieldSummary({ ...r.params, values: 5 }, signal), {
      clearError: true,
      done: (d) => (data.value = d),
      failed: () => (data.value = undefined),
    })
  }

  watch(run, (r) => void load(r), { immediate: true })
  return { data, loading, error, reload: () => load(run.value) }
}
