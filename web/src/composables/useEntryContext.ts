/**
 * "Show surrounding entries": the entries of the same service before and after one entry
 * (GET /api/context), with "earlier" / "later" to widen either side.
 */
import { ref, shallowRef, watch, type Ref } from 'vue'
import type { ContextResponse } from '@oglogstream/shared'
import { fetchContext } from '../lib/api.ts'
import { useLatestRequest } from './useLatestRequest.ts'

export const CONTEXT_STEP = 20
/** The server's bound per side. */
export const CONTEXT_MAX = 500

export function useEntryContext(id: Ref<string | undefined>) {
  const data = shallowRef<ContextResponse>()
  const before = ref(CONTEXT_STEP)
  const after = ref(CONTEXT_STEP)
  const { loading, error, errorStatus, request, abort } = useLatestRequest()

  async function load(): Promise<void> {
    const target = id.value
    if (!target) {
      abort()
      data.value = undefined
      return
    }
    return request((signal) => fetchContext(target, before.value, after.value, signal), {
      clearError: true,
      done: (d) => (data.value = d),
      failed: () => (data.value = undefined),
    })
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
    return side === 'before'
      ? d.before.length === before.value && before.value < CONTEXT_MAX
      : d.after.length === after.value && after.value < CONTEXT_MAX
  }
  return { data, loading, error, errorStatus, more, canMore, reload: load }
}
