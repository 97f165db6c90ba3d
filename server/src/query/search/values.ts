/**
 * Typed values in `q` comparisons (`status:>=500`, `took:>250ms`, `size:<1KiB`, `_time:5m`): one
 * definition of how a literal and a field's text are read as a number, shared by the parser, the SQL
 * compiler (as RE2 patterns) and the live-tail matcher (as the same patterns in JavaScript), so that
 * the store and the live tail read `"300ms"` the same way.
 */

export type Unit = 'number' | 'duration' | 'size'

/** Milliseconds per duration suffix. A bare number compared with a duration counts as milliseconds. */
export const DURATION_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }
/** Bytes per size suffix. A bare number compared with a size counts as bytes. */
export const SIZE_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
}

const NUM = '-?[0-9]+(?:[.][0-9]+)?'
const suffixes = (o: Readonly<Record<string, number>>) =>
  Object.keys(o)
    .sort((a, b) => b.length - a.length)
    .join('|')
/** A field's text as a value of each unit: the number and an optional suffix, nothing else (no spaces). */
export const VALUE_PATTERNS: Readonly<Record<Unit, string>> = {
  number: `^(${NUM})$`,
  duration: `^(${NUM})(${suffixes(DURATION_MS)})?$`,
  size: `^(${NUM})(${suffixes(SIZE_BYTES)})?$`,
}
const REGEXES: Record<Unit, RegExp> = {
  number: new RegExp(VALUE_PATTERNS.number),
  duration: new RegExp(VALUE_PATTERNS.duration),
  size: new RegExp(VALUE_PATTERNS.size),
}

/** A field's text read as `unit` (ms for durations, bytes for sizes), or undefined when it is not one. */
export function readValue(unit: Unit, text: string): number | undefined {
  const m = REGEXES[unit].exec(text)
  if (!m) return undefined
  const n = Number(m[1])
  if (unit === 'number') return n
  const scale = m[2] === undefined ? 1 : (unit === 'duration' ? DURATION_MS : SIZE_BYTES)[m[2]]
  return n * (scale as number)
}

/** A comparison literal: its unit is told by its suffix (`250ms` a duration, `1KiB` a size, `500` a number). */
export function readLiteral(text: string): { unit: Unit; value: number } | undefined {
  if (REGEXES.number.test(text)) return { unit: 'number', value: Number(text) }
  const d = readValue('duration', text)
  if (d !== undefined) return { unit: 'duration', value: d }
  const s = readValue('size', text)
  if (s !== undefined) return { unit: 'size', value: s }
  return undefined
}

export type CompareOp = '>' | '>=' | '<' | '<=' | '='

export function compare(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case '>':
      return a > b
    case '>=':
      return a >= b
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '=':
      return a === b
  }
}
