/**
 * "Show surrounding entries": the entries of the same service before and after one entry
 * (GET /api/context), with "earlier" / "later" to widen either side.
 */
import { ref, shallowRef, watch, type Ref } from 'vue'
import type { ContextResponse } from '@oglogstream/shared'
import { ApiError, errorMessage, fetchContext, isAbort } from '../lib/api.ts'

export const CONTEXT_STEP = 20
/** The server's bound per side. */
export const CONTEXT_MAX = 500

export function useEntryContext(id: Ref<string | undefined>) {
  const data = shallowRef<ContextResponse>()
  const loading = ref(false)
  const error = ref<string>()
  const errorStatus = ref(0)
  const before = ref(CONTEXT_STEP)
  const after = ref(CONTEXT_STEP)
  let ac: AbortController | undefined

  async function load(): Promise<void> {
    ac?.abort()
    const target = id.value
    if (!target) {
      data.value = undefined
      return
    }
    const signal = (ac = new AbortController()).signal
    loading.value = true
    error.value = undefined
    try {
      data.value = await fetchContext(target, before.value, after.value, signal)
    } catch (err) {
      if (isAbort(err)) return
      data.value = undefined
      error.value = errorMessage(err)
      errorStatus.value = err instanceof ApiError ? err.status : 0
    } finally {
      if (!signal.aborted) loading.value = false
    }
  }

  watch(
    id,
    () => {
      before.value = CONTEXT_STEP
      after.value = CONTEXT_STEP
      void load()
    },
    { immediate: true },
  )

  function more(side: 'before' | 'after'): void {
    const r = side === 'before' ? before : after
    r.value = Math.min(CONTEXT_MAX, r.value + CONTEXT_STEP)
    void load()
  }
  /** More can be asked on a side while the last answer filled it and the bound is not reached. */
  const canMore = (side: 'before' | 'after'): boolean => {
    const d = data.value
    if (!d) return false
    return side === 'before' ? d.before.length === before.value && before.value < CONTEXT_MAX : d.after.length === after.value && after.value < CONTEXT_MAX
  }
  return { data, loading, error, errorStatus, more, canMore, reload: load }
}
