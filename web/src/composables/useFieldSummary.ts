/**
 * The field list of Explore: every attribute of the newest matching entries (GET /api/field_summary),
 * with how many have it and their most frequent values. Follows the run, like the counts.
 */
import { ref, shallowRef, watch, type Ref } from 'vue'
import type { FieldSummaryResponse } from '@oglogstream/shared'
import { errorMessage, fetchFieldSummary, isAbort } from '../lib/api.ts'
import type { QueryRun } from './useQueryRun.ts'

export function useFieldSummary(run: Ref<QueryRun>, enabled: () => boolean) {
  const data = shallowRef<FieldSummaryResponse>()
  const loading = ref(false)
  const error = ref<string>()
  let ac: AbortController | undefined

  async function load(r: QueryRun): Promise<void> {
    ac?.abort()
    if (!enabled()) {
      data.value = undefined
      return
    }
    const signal = (ac = new AbortController()).signal
    loading.value = true
    error.value = undefined
    try {
      data.value = await fetchFieldSummary({ ...r.params, values: 5 }, signal)
    } catch (err) {
      if (isAbort(err)) return
      data.value = undefined
      error.value = errorMessage(err)
    } finally {
      if (!signal.aborted) loading.value = false
    }
  }

  watch(run, (r) => void load(r), { immediate: true })
  return { data, loading, error, reload: () => load(run.value) }
}
