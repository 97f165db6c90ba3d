/** Counts over time, stacked by level, for a query run (`/api/histogram`). */
import { shallowRef, watch, type Ref } from 'vue'
import type { HistogramResponse } from '@oglogstream/shared'
import { fetchHistogram } from '../lib/api.ts'
import { fillBuckets, type Bar } from '../lib/buckets.ts'
import { useLatestRequest } from './useLatestRequest.ts'
import type { QueryRun } from './useQueryRun.ts'

export function useHistogram(run: Ref<QueryRun>) {
  const data = shallowRef<HistogramResponse>()
  const bars = shallowRef<Bar[]>([])
  const { loading, error, request } = useLatestRequest()

  function load(r: QueryRun, quiet = false): Promise<void> {
    return request((signal) => fetchHistogram(r.params, signal), {
      quiet,
      done: (h) => {
        data.value = h
        bars.value = fillBuckets(h)
      },
      failed: () => {
        if (!quiet) bars.value = []
      },
    })
  }

  watch(run, (r) => void load(r), { immediate: true })

  return { data, bars, loading, error, reload: (quiet = false) => load(run.value, quiet) }
}
