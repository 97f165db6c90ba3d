/**
 * The "wrap lines" setting (kept in localStorage) and, when it is on, each row's height from its
 * message: the list is virtual, so heights are computed (monospace characters per line from the
 * width of the message column), not measured.
 */
import { computed, onBeforeUnmount, ref, watch, type Ref } from 'vue'
import type { LogEntry } from '@oglogstream/shared'
import { wrappedLines } from '../lib/virtual.ts'

const KEY = 'ogls.wrap'
/** Lines a wrapped row shows at most; the detail has the rest. */
export const MAX_WRAPPED_LINES = 12
const LINE_PX = 16
const PAD_PX = 12
/** Time, level and service columns, the gaps and the padding of a row (LogRow.vue), px. */
const FIXED_PX = 176 + 48 + 128 + 3 * 12 + 2 * 12
/** An attribute column and its gap (LogRow.vue `w-28`), px. */
const COLUMN_PX = 112 + 12

function stored(): boolean {
  try {
    return localStorage.getItem(KEY) === '1'
  } catch {
    return false
  }
}

let charPx: number | undefined
/** Width of one character of the rows' font (font-mono text-xs), measured once. */
function charWidth(): number {
  if (charPx) return charPx
  const probe = document.createElement('span')
  probe.className = 'font-mono text-xs'
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre'
  probe.textContent = 'x'.repeat(100)
  document.body.appendChild(probe)
  const w = probe.getBoundingClientRect().width / 100
  probe.remove()
  if (w > 0) charPx = w
  return w || 7.2
}

export function useWrapLines(entries: Ref<readonly LogEntry[]>, listEl: Ref<HTMLElement | undefined>, rowHeight: number, columns: Ref<number>) {
  const wrap = ref(stored())
  const width = ref(0)
  let ro: ResizeObserver | undefined
  watch(
    listEl,
    (el) => {
      ro?.disconnect()
      if (!el) return
      width.value = el.clientWidth
      ro = new ResizeObserver(() => (width.value = el.clientWidth))
      ro.observe(el)
    },
    { immediate: true },
  )
  onBeforeUnmount(() => ro?.disconnect())
  watch(wrap, (w) => {
    try {
      localStorage.setItem(KEY, w ? '1' : '0')
    } catch {
      /* private mode: the setting lasts for the page */
    }
  })

  const heights = computed<number[] | undefined>(() => {
    if (!wrap.value || width.value <= 0) return undefined
    const cols = Math.max(10, Math.floor((width.value - FIXED_PX - columns.value * COLUMN_PX - 16) / charWidth()))
    const shown = cols * MAX_WRAPPED_LINES
    return entries.value.map((e) =>
      Math.max(rowHeight, wrappedLines(e.message.slice(0, shown), cols, MAX_WRAPPED_LINES) * LINE_PX + PAD_PX),
    )
  })
  return { wrap, heights }
}
