/** The dashboard's time zone setting (browser or UTC), kept in localStorage; every time follows it (lib/format.ts). */
import { watch } from 'vue'
import { timeSettings } from '../lib/format.ts'

const KEY = 'ogls.tz'
let loaded = false

export function useTimeZone() {
  if (!loaded) {
    loaded = true
    try {
      timeSettings.utc = localStorage.getItem(KEY) === 'utc'
    } catch {
      /* no storage: the browser's zone */
    }
    watch(
      () => timeSettings.utc,
      (utc) => {
        try {
          localStorage.setItem(KEY, utc ? 'utc' : 'local')
        } catch {
          /* the setting lasts for the page */
        }
      },
    )
  }
  return timeSettings
}
