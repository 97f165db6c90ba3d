/** Counts over time, stacked by level, for a query run (`/api/histogram`). */
import { ref, shallowRef, watch, type Ref } from 'vue'
import type { HistogramResponse } from '@oglogstream/shared'
import { errorMessage, fetchHistogram, isAbort } from '../lib/api.ts'
import { fillBuckets, type Bar } from '../lib/buckets.ts'
import type { QueryRun } from './useQueryRun.ts'

export function useHistogram(run: Ref<QueryRun>) {
  const data = shallowRef<HistogramResponse>()
  const bars = shallowRef<Bar[]>([])
  const loading = ref(false)
  const error = ref<string>()
  let ac: AbortController | undefined

  async function load(r: QueryRun, quiet = false): Promise<void> {
    ac?.abort()
    const signal = (ac = new AbortController()).signal
    if (!quiet) loading.value = true
    try {
      const h = await fetchHistogram(r.params, signal)
      data.value = h
      bars.value = fillBuckets(h)
      error.value = undefined
    } catch (err) {
      if (isAbort(err)) return
      error.value = errorMessage(err)
      if (!quiet) bars.value = []
    } finally {
      if (!signal.aborted) loading.value = false
    }
  }

  watch(run, (r) => void load(r), { immediate: true })

  return { data, bars, loading, error, reload: (quiet = false) => load(run.value, quiet) }
}
