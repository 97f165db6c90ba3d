/** The table of a run whose `q` has pipes (`/api/query`); idle (nothing fetched) for a plain filter. */
import { ref, shallowRef, watch, type Ref } from 'vue'
import type { QueryResponse } from '@oglogstream/shared'
import { ApiError, errorMessage, fetchQuery, isAbort } from '../lib/api.ts'
import { hasPipe } from '../lib/pipes.ts'
import type { QueryRun } from './useQueryRun.ts'

/** The API's default; `truncated` in the answer says when there were more. */
const LIMIT = 1000

export function useAnalytics(run: Ref<QueryRun>) {
  const result = shallowRef<QueryResponse>()
  const loading = ref(false)
  const error = ref<string>()
  /** HTTP status of the error; 400 means the query itself is wrong. */
  const errorStatus = ref(0)
  let ac: AbortController | undefined

  async function load(r: QueryRun): Promise<void> {
    ac?.abort()
    result.value = undefined
    error.value = undefined
    errorStatus.value = 0
    if (!hasPipe(r.params.q ?? '')) return void (loading.value = false)
    const signal = (ac = new AbortController()).signal
    loading.value = true
    try {
      result.value = await fetchQuery({ ...r.params, limit: LIMIT }, signal)
    } catch (err) {
      if (isAbort(err)) return
      error.value = errorMessage(err)
      errorStatus.value = err instanceof ApiError ? err.status : 0
    } finally {
      if (!signal.aborted) loading.value = false
    }
  }

  watch(run, (r) => void load(r), { immediate: true })

  return { result, loading, error, errorStatus }
}
