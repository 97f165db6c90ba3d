/**
 * A tiny history router: the current path and query string as refs, and `navigate` to change them
 * with pushState/replaceState. Three pages do not need more (and every view is in the URL).
 */
import { computed, readonly, ref } from 'vue'

const path = ref(window.location.pathname)
const search = ref(window.location.search)

window.addEventListener('popstate', () => {
  path.value = window.location.pathname
  search.value = window.location.search
})

export function useRoute() {
  const query = computed(() => new URLSearchParams(search.value))

  /** Goes to `to` (a path with an optional `?query`); `replace` keeps the history entry. */
  function navigate(to: string, opts: { replace?: boolean } = {}): void {
    const url = new URL(to, window.location.origin)
    const target = url.pathname + (url.search === '?' ? '' : url.search)
    if (target === window.location.pathname + window.location.search) return
    if (opts.replace) window.history.replaceState(null, '', target)
    else window.history.pushState(null, '', target)
    path.value = url.pathname
    search.value = url.search
  }

  /** Replaces the query of the current path. */
  function setQuery(qs: string, opts: { replace?: boolean } = {}): void {
    navigate(path.value + (qs ? `?${qs}` : ''), opts)
  }

  return { path: readonly(path), search: readonly(search), query, navigate, setQuery }
}
