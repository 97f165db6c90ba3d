/** The server's settings the dashboard uses (GET /api/ui-settings), fetched once per page. */
import { shallowRef } from 'vue'
import { fetchUiSettings, type UiSettings } from '../lib/api.ts'

const settings = shallowRef<UiSettings>({ trace_url_template: null })
let started = false

export function useUiSettings() {
  if (!started) {
    started = true
    fetchUiSettings().then(
      (s) => (settings.value = s),
      () => {
        // Without it the dashboard only misses the optional links; a later page load asks again.
        started = false
      },
    )
  }
  return settings
}

/** The trace UI link of `traceId`, or undefined without TRACE_URL_TEMPLATE. */
export function traceUrl(template: string | null, traceId: string): string | undefined {
  return template ? template.replaceAll('{trace_id}', encodeURIComponent(traceId)) : undefined
}
