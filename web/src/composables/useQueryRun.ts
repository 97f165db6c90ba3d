/**
 * Turns a view into one concrete query run: the API parameters with the time range resolved to
 * absolute bounds at that moment. A new run starts when the filters change or on `refresh()`;
 * everything shown for a run (pages, histogram, counts) uses the same bounds.
 */
import { computed, shallowRef, watch, type Ref } from 'vue'
import { filterParams, type ViewState } from '../lib/urlState.ts'
import { resolveRange, type ResolvedRange } from '../lib/timeRange.ts'

export interface QueryRun {
  id: number
  /** Filters (q, level, service) and resolved from/to, ready for the API. */
  params: Record<string, string>
  range: ResolvedRange
  view: ViewState
}

let nextId = 1

export function useQueryRun(view: Ref<ViewState>) {
  const key = computed(() => JSON.stringify([view.value.q.trim(), view.value.levels, view.value.services, view.value.range, view.value.order]))
  const run = shallowRef<QueryRun>(make(view.value))

  function make(v: ViewState): QueryRun {
    const range = resolveRange(v.range, Date.now())
    const params: Record<string, string> = { ...filterParams(v) }
    if (range.from) params.from = range.from
    if (range.to) params.to = range.to
    return { id: nextId++, params, range, view: v }
  }

  watch(key, () => (run.value = make(view.value)))

  function refresh(): void {
    run.value = make(view.value)
  }

  return { run, refresh }
}
