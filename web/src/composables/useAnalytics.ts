/** The table of a run whose `q` has pipes (`/api/query`); idle (nothing fetched) for a plain filter. */
import { shallowRef, watch, type Ref } from 'vue'
import type { QueryResponse } from '@oglogstream/shared'
import { fetchQuery } from '../lib/api.ts'
import { hasPipe } from '../lib/pipes.ts'
import { useLatestRequest } from './useLatestRequest.ts'
import type { QueryRun } from './useQueryRun.ts'

/** The API's default; `truncated` in the answer says when there were more. */
const LIMIT = 1000

export function useAnalytics(run: Ref<QueryRun>) {
  const result = shallowRef<QueryResponse>()
  const { loading, error, errorStatus, request, abort } = useLatestRequest()

  async function load(r: QueryRun): Promise<void> {
    result.value = undefined
    if (!hasPipe(r.params.q ?? '')) {
      abort()
      error.value = undefined
      errorStatus.value = 0
      return
    }
    return request((signal) => fetchQuery({ ...r.params, limit: LIMIT }, signal), { clearError: true, done: (v) => (result.value = v) })
  }

  watch(run, (r) => void load(r), { immediate: true })

  return { result, loading, error, errorStatus }
}
