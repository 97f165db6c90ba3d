/** The templates of a query run's entries (`/api/patterns`), loaded while the Patterns view is shown. */
import { ref, shallowRef, watch, type Ref } from 'vue'
import type { PatternSummary } from '@oglogstream/shared'
import { errorMessage, fetchPatterns, isAbort } from '../lib/api.ts'
import type { QueryRun } from './useQueryRun.ts'

/** Templates asked for: enough to scroll through, few enough to draw at once. */
export const PATTERN_LIMIT = 200

export function usePatterns(run: Ref<QueryRun>, enabled: () => boolean, fresh: () => boolean) {
  const patterns = shallowRef<PatternSummary[]>([])
  const loading = ref(false)
  const error = ref<string>()
  /** The run the shown templates are of (its range draws the sparklines). */
  const shownRun = shallowRef<QueryRun>()
  let ac: AbortController | undefined

  async function load(r: QueryRun, onlyNew: boolean): Promise<void> {
    ac?.abort()
    const signal = (ac = new AbortController()).signal
    loading.value = true
    try {
      // "New in this range" needs a start; over all time every template is new.
      const params = { ...r.params, limit: PATTERN_LIMIT, ...(onlyNew && r.params.from ? { new: 'true' } : {}) }
      patterns.value = await fetchPatterns(params, signal)
      shownRun.value = r
      error.value = undefined
    } catch (err) {
      if (isAbort(err)) return
      error.value = errorMessage(err)
      patterns.value = []
    } finally {
      if (!signal.aborted) loading.value = false
    }
  }

  watch(
    [run, enabled, fresh],
    ([r, on, f]) => {
      if (on) void load(r, f)
      else ac?.abort()
    },
    { immediate: true },
  )

  return { patterns, loading, error, shownRun }
}
