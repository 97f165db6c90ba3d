/**
 * Page-level keyboard shortcuts, active while the calling component is mounted. Keys typed into
 * a text field are left alone, except Escape.
 */
import { onBeforeUnmount, onMounted } from 'vue'

export type Shortcuts = Partial<Record<string, (e: KeyboardEvent) => void>>

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el) return false
  const tag = el.tagName
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable
}

export function useShortcuts(keys: Shortcuts): void {
  const onKey = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return
    if (e.key !== 'Escape' && typing(e.target)) return
    const fn = keys[e.key]
    if (fn) {
      fn(e)
    }
  }
  onMounted(() => window.addEventListener('keydown', onKey))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey))
}
