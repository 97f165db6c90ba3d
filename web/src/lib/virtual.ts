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

/**
 * Rows of different heights (wrapped lines): `offsets[i]` is the top of row `i`, `offsets[n]` the total
 * height. The heights are computed, not measured, so the window is known before anything renders.
 */
export function offsetsOf(heights: readonly number[]): Float64Array {
  const out = new Float64Array(heights.length + 1)
  for (let i = 0; i < heights.length; i++) out[i + 1] = (out[i] as number) + (heights[i] as number)
  return out
}

/** The index of the row at `y` (the last row whose top is at or above `y`). */
export function rowAt(offsets: Float64Array, y: number): number {
  let lo = 0
  let hi = offsets.length - 2
  if (hi < 0) return 0
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((offsets[mid] as number) <= y) lo = mid
    else hi = mid - 1
  }
  return lo
}

export function visibleWindowVar(scrollTop: number, viewport: number, offsets: Float64Array, overscan = 8): Window {
  const count = offsets.length - 1
  const total = offsets[count] ?? 0
  if (count <= 0) return { start: 0, end: 0, offset: 0, total: 0 }
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, total - viewport)))
  const start = Math.max(0, rowAt(offsets, top) - overscan)
  const end = Math.min(count, rowAt(offsets, top + Math.max(0, viewport) - 0.001) + 1 + overscan)
  return { start, end, offset: offsets[start] as number, total }
}

export function scrollToRevealVar(index: number, scrollTop: number, viewport: number, offsets: Float64Array): number | undefined {
  const top = offsets[index] ?? 0
  const bottom = offsets[index + 1] ?? top
  if (top < scrollTop) return top
  if (bottom > scrollTop + viewport) return Math.min(top, bottom - viewport)
  return undefined
}

/** Lines a message takes when wrapped at `cols` characters, at most `max`. */
export function wrappedLines(text: string, cols: number, max: number): number {
  if (cols <= 0) return 1
  let lines = 0
  for (const line of text.split('\n')) {
    lines += Math.max(1, Math.ceil(line.length / cols))
    if (lines >= max) return max
  }
  return Math.max(1, lines)
}
