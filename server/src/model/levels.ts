import { LEVELS, type Level } from '@oglogstream/shared'

export { LEVELS, type Level }

const STRICT = new Set<string>(LEVELS)

/** The seed contract: exactly one of the five levels, case-insensitive. */
export function parseLevelStrict(raw: string): Level | undefined {
  const l = raw.toLowerCase()
  return STRICT.has(l) ? (l as Level) : undefined
}

const ALIASES: Record<string, Level> = {
  trace: 'debug',
  verbose: 'debug',
  debug: 'debug',
  dbg: 'debug',
  d: 'debug',
  v: 'debug',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  i: 'info',
  log: 'info',
  warn: 'warn',
  warning: 'warn',
  w: 'warn',
  error: 'error',
  err: 'error',
  e: 'error',
  severe: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  panic: 'fatal',
  f: 'fatal',
}

/**
 * The lenient mapping used by shipper protocols, whose sources spell levels many ways
 * (`WARNING`, `err`, `CRITICAL`, `trace`). Unknown spellings become `info`.
 */
export function parseLevelLenient(raw: unknown): Level {
  if (typeof raw !== 'string') return 'info'
  return ALIASES[raw.trim().toLowerCase()] ?? 'info'
}
