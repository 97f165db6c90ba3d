/**
 * The view state of a page, read from and written to the URL (see lib/urlState.ts).
 * Writing pushes a history entry so that Back undoes a filter; `replace` is for minor changes.
 */
import { computed } from 'vue'
import { decodeView, encodeView, type ViewState } from '../lib/urlState.ts'
import { useRoute } from './useRoute.ts'

export function useViewState() {
  const route = useRoute()
  const view = computed<ViewState>(() => decodeView(route.search.value))

  function update(patch: Partial<ViewState>, opts: { replace?: boolean } = {}): void {
    const next: ViewState = { ...view.value, ...patch }
    if ('entry' in patch && patch.entry === undefined) delete next.entry
    if ('columns' in patch && !patch.columns?.length) delete next.columns
    if ('context' in patch && patch.context === undefined) delete next.context
    if ('order' in patch && patch.order === undefined) delete next.order
    if ('tab' in patch && patch.tab === undefined) delete next.tab
    if ('fresh' in patch && patch.fresh === undefined) delete next.fresh
    route.setQuery(encodeView(next), opts)
  }

  return { view, update }
}
