/**
 * A time range cut into whole hours or minutes and the partial parts at its ends: the whole units are
 * counted from an aggregate projection of the logs table (hours: `pattern_hours`, migration 6;
 * minutes: `level_minutes`, migration 7), the partial ones from the entries.
 */

/** [from, to) cut into whole units and the parts before and after them (at most one each). */
export interface UnitSplit {
  /** Whole units: [from, to) on unit boundaries, either end open when the range's is. */
  whole: { from?: string | undefined; to?: string | undefined }
  /** The partial units: before the first whole unit, after the last. */
  edges: { from: string; to: string }[]
}

export type Unit = 'hour' | 'minute'

// A canonical timestamp (`2026-06-01T12:34:56.123456789Z`) up to the unit, and what completes it.
const UNITS: Record<Unit, { keep: number; rest: string; ms: number }> = {
  hour: { keep: 13, rest: ':00:00.000000000Z', ms: 3_600_000 },
  minute: { keep: 16, rest: ':00.000000000Z', ms: 60_000 },
}

/** A canonical timestamp's unit (its hour or minute), as a canonical timestamp. */
export function floorTo(unit: Unit, ts: string): string {
  const u = UNITS[unit]
  return `${ts.slice(0, u.keep)}${u.rest}`
}

function ceilTo(unit: Unit, ts: string): string {
  const floor = floorTo(unit, ts)
  return floor === ts ? ts : `${new Date(Date.parse(floor) + UNITS[unit].ms).toISOString().slice(0, 19)}.000000000Z`
}

/** The split of [from, to) into `unit`s, or undefined when it holds no whole one. */
export function splitRange(unit: Unit, from: string | undefined, to: string | undefined): UnitSplit | undefined {
  const w1 = from === undefined ? undefined : ceilTo(unit, from)
  const w2 = to === undefined ? undefined : floorTo(unit, to)
  if (w1 !== undefined && w2 !== undefined && w1 >= w2) return undefined
  const edges: { from: string; to: string }[] = []
  if (from !== undefined && w1 !== undefined && from < w1) edges.push({ from, to: w1 })
  if (to !== undefined && w2 !== undefined && w2 < to) edges.push({ from: w2, to })
  return { whole: { from: w1, to: w2 }, edges }
}
