/** The templates of a query run's entries (`/api/patterns`), loaded while the Patterns view is shown. */
import { shallowRef, watch, type Ref } from 'vue'
import type { PatternSummary } from '@oglogstream/shared'
import { fetchPatterns } from '../lib/api.ts'
import { useLatestRequest } from './useLatestRequest.ts'
import type { QueryRun } from './useQueryRun.ts'

/** Templates asked for: enough to scroll through, few enough to draw at once. */
export const PATTERN_LIMIT = 200

export function usePatterns(run: Ref<QueryRun>, enabled: () => boolean, fresh: () => boolean) {
  const patterns = shallowRef<PatternSummary[]>([])
  /** The run the shown templates are of (its range draws the sparklines). */
  const shownRun = shallowRef<QueryRun>()
  const { loading, error, request, abort } = useLatestRequest()

  function load(r: QueryRun, onlyNew: boolean): Promise<void> {
    // "New in this range" needs a start; over all time every template is new.
    const params = { ...r.params, limit: PATTERN_LIMIT, ...(onlyNew && r.params.from ? { new: 'true' } : {}) }
    return request((signal) => fetchPatterns(params, signal), {
      done: (p) => {
        patterns.value = p
        shownRun.value = r
      },
      failed: () => (patterns.value = []),
    })
  }

  watch(
    [run, enabled, fresh],
    ([r, on, f]) => {
      if (on) void load(r, f)
      else abort()
    },
    { immediate: true },
  )

  return { patterns, loading, error, shownRun }
}
