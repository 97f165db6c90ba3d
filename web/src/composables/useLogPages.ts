/**
 * Explore's result list: the first page of a run, then further pages by cursor as the user
 * scrolls. Entries are kept in a plain array behind a shallow ref (no deep reactivity on tens of
 * thousands of objects); `version` ticks when it grows.
 */
import { ref, shallowRef, watch, type Ref } from 'vue'
import type { LogEntry } from '@oglogstream/shared'
import { errorMessage, fetchLogs, isAbort } from '../lib/api.ts'
import { useLatestRequest } from './useLatestRequest.ts'
import type { QueryRun } from './useQueryRun.ts'

const FIRST_PAGE = 200
const NEXT_PAGE = 1_000 // the API's maximum
/** Far more than anyone scrolls; keeps a runaway loop from eating the tab. */
const MAX_ENTRIES = 500_000

/** `enabled(run)`: false for a run whose list is not shown (a `q` with pipes), which fetches nothing. */
export function useLogPages(run: Ref<QueryRun>, enabled: (r: QueryRun) => boolean = () => true) {
  const entries = shallowRef<LogEntry[]>([])
  const loadingMore = ref(false)
  const done = ref(false)
  let cursor: string | undefined
  // The first page; further pages share its signal, so a new run stops them too.
  const first = useLatestRequest()
  const { loading, error, errorStatus } = first
  /** The filters of the entries shown: a refresh of the same view that fails keeps them (issue 19). */
  let shownKey = ''
  const keyOf = (r: QueryRun) => JSON.stringify([r.view.q.trim(), r.view.levels, r.view.services, r.view.range, r.view.order])

  async function start(r: QueryRun): Promise<void> {
    loadingMore.value = false
    done.value = false
    cursor = undefined
    if (!enabled(r)) {
      first.abort()
      error.value = undefined
      entries.value = []
      done.value = true
      return
    }
    return first.request((signal) => fetchLogs({ ...r.params, order: r.view.order, limit: FIRST_PAGE }, signal), {
      clearError: true,
      done: (page) => {
        entries.value = page.entries
        shownKey = keyOf(r)
        cursor = page.next
        done.value = !cursor
      },
      failed: () => {
        if (shownKey !== keyOf(r)) entries.value = []
      },
    })
  }

  async function loadMore(): Promise<void> {
    if (loading.value || loadingMore.value || done.value || !cursor || error.value) return
    const signal = first.signal()
    loadingMore.value = true
    try {
      const page = await fetchLogs({ ...run.value.params, order: run.value.view.order, limit: NEXT_PAGE, cursor }, signal)
      if (signal.aborted) return
      // A new array (a cheap copy of references) so that the list sees the change.
      const all = entries.value.concat(page.entries)
      entries.value = all
      cursor = page.next
      done.value = !cursor || all.length >= MAX_ENTRIES
    } catch (err) {
      if (isAbort(err)) return
      error.value = errorMessage(err)
    } finally {
      if (!signal.aborted) loadingMore.value = false
    }
  }

  watch(run, (r) => void start(r), { immediate: true })

  return { entries, loading, loadingMore, error, errorStatus, done, loadMore }
}
