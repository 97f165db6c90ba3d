/**
 * Fixed-height virtual scrolling: only the rows in (and a little around) the viewport exist in
 * the DOM, so scrolling through tens of thousands of entries costs the same as through a hundred.
 */

export interface Window {
  /** First and one-past-last row index to render. */
  start: number
  end: number
  /** Offset of row `start` from the top of the scroll content, px. */
  offset: number
  /** Height of the whole scroll content, px. */
  total: number
}

export function visibleWindow(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 8): Window {
  const total = count * rowHeight
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, total: 0 }
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, total - viewport)))
  const first = Math.floor(top / rowHeight)
  const start = Math.max(0, first - overscan)
  const end = Math.min(count, Math.ceil((top + Math.max(0, viewport)) / rowHeight) + overscan)
  return { start, end, offset: start * rowHeight, total }
}

/** True when fewer than `threshold` px remain below the viewport: time to fetch the next page. */
export function nearEnd(scrollTop: number, viewport: number, total: number, threshold: number): boolean {
  return total - (scrollTop + viewport) < threshold
}

/** The scrollTop that brings row `index` fully into view, or undefined when it already is. */
export function scrollToReveal(index: number, scrollTop: number, viewport: number, rowHeight: number): number | undefined {
  const top = index * rowHeight
  if (top < scrollTop) return top
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport
  return undefined
}
