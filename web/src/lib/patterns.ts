/** How the Patterns view shows a template: its fixed text and its variable parts, and a sparkline. */

import { PATTERN_WILDCARD as WILDCARD } from '@oglogstream/shared'

export interface TemplatePart {
  text: string
  /** A variable part (`<*>` in the template). */
  variable: boolean
}

/** `connect to <*> failed` -> fixed 'connect to ', variable '<*>', fixed ' failed'. */
export function templateParts(template: string): TemplatePart[] {
  const out: TemplatePart[] = []
  let at = 0
  for (let i = template.indexOf(WILDCARD); i >= 0; i = template.indexOf(WILDCARD, at)) {
    if (i > at) out.push({ text: template.slice(at, i), variable: false })
    out.push({ text: WILDCARD, variable: true })
    at = i + WILDCARD.length
  }
  if (at < template.length) out.push({ text: template.slice(at), variable: false })
  return out
}

/**
 * SVG polyline points of a sparkline `width` x `height` over [from, to): one point per `step` ms, 0
 * where a bucket is missing (the API leaves out empty buckets), scaled to the largest.
 */
export function sparkPoints(buckets: readonly { time: string; count: number }[], from: number, to: number, width: number, height: number): string {
  if (!(to > from) || !buckets.length) return ''
  const n = 30
  const step = (to - from) / n
  const counts = new Array<number>(n).fill(0)
  for (const b of buckets) {
    const i = Math.floor((Date.parse(b.time) - from) / step)
    counts[Math.min(n - 1, Math.max(0, i))]! += b.count
  }
  const max = Math.max(...counts, 1)
  return counts.map((c, i) => `${((i / (n - 1)) * width).toFixed(1)},${(height - 1 - (c / max) * (height - 2)).toFixed(1)}`).join(' ')
}
