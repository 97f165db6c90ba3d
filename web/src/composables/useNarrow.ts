/** Whether the page is phone-narrow (below Tailwind's `sm`, 640 px), kept current. */
import { onBeforeUnmount, ref } from 'vue'

export const NARROW_QUERY = '(max-width: 639.98px)'

export function useNarrow() {
  const mq = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(NARROW_QUERY) : undefined
  const narrow = ref(mq?.matches ?? false)
  const on = (e: MediaQueryListEvent) => (narrow.value = e.matches)
  mq?.addEventListener('change', on)
  onBeforeUnmount(() => mq?.removeEventListener('change', on))
  return narrow
}
