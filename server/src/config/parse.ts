/**
 * Readers of environment values for the settings table (settings.ts). Each takes the raw text and
 * the variable's name, and throws a `ConfigError` naming the variable and what it accepts.
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`)
    this.name = 'ConfigError'
  }
}

export type Parser<T> = (raw: string, name: string) => T

export const ROLES = ['ingest', 'process', 'query'] as const
export type Role = (typeof ROLES)[number]

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** Parses `500ms`, `2s`, `1m`, `1h` (also `1.5s`) into milliseconds. */
export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw.trim())
  if (!m) throw new ConfigError(name, `'${raw}' is not a duration; use a number with a unit: 500ms, 2s, 1m, 1h`)
  return Math.round(Number(m[1]) * (DURATION_UNITS[m[2] as string] as number))
}

/** Parses bytes or a binary unit (`10KiB`, `512MiB`, `1GiB`; `KB`/`MB`/`GB` are read as the same). */
export function parseBytes(name: string, raw: string): number {
  const m = /^(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(raw.trim())
  if (!m) throw new ConfigError(name, `'${raw}' is not a size; use bytes or a unit: 512KiB, 10MiB, 1GiB`)
  const unit = (m[2] ?? 'b').toLowerCase()
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1
  return Number(m[1]) * mult
}

export function parseRoles(raw: string): Set<Role> {
  const roles = new Set<Role>()
  for (const part of raw.split(',').map((s) => s.trim().toLowerCase())) {
    if (part === 'all') ROLES.forEach((r) => roles.add(r))
    else if ((ROLES as readonly string[]).includes(part)) roles.add(part as Role)
    else throw new ConfigError('role', `unknown role '${part}'; use all, ingest, process, query or a comma list such as process,query`)
  }
  if (roles.size === 0) throw new ConfigError('role', 'no role given; use all, ingest, process, query or a comma list')
  return roles
}

export const text: Parser<string> = (raw) => raw

export const int =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `'${raw}' is not a whole number`)
    const n = Number(raw)
    if (n < min || n > max) throw new ConfigError(name, `${n} is out of range; allowed ${min}..${max}`)
    return n
  }

export const port = int(0, 65535)

/** A duration in milliseconds, at least `min` ms (`minText` says it in the variable's own words). */
export const duration =
  (min = 0, minText = `${min}ms`): Parser<number> =>
  (raw, name) => {
    const ms = parseDuration(name, raw)
    if (ms < min) throw new ConfigError(name, `must be at least ${minText}`)
    return ms
  }

export const bytes: Parser<number> = (raw, name) => parseBytes(name, raw)

export const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

export const oneOf =
  <T extends string>(values: readonly T[]): Parser<T> =>
  (raw, name) => {
    const v = raw.toLowerCase()
    if (!(values as readonly string[]).includes(v)) throw new ConfigError(name, `'${v}' is not one of ${values.join(', ')}`)
    return v as T
  }

/** `always` (fsync before every answer) or a group-commit interval. */
export const syncPolicy: Parser<'always' | number> = (raw, name) => {
  if (raw.trim().toLowerCase() === 'always') return 'always'
  try {
    return duration(1, '1ms')(raw, name)
  } catch {
    throw new ConfigError(name, `'${raw}' is neither 'always' nor a duration such as 10ms, 1s`)
  }
}

export const corsOrigins: Parser<string[] | '*'> = (raw, name) => (raw.trim() === '*' ? '*' : list(raw, name))

export const natsUrl: Parser<string> = (raw, name) => {
  if (!/^(nats|tls|ws|wss):\/\//.test(raw.split(',')[0] ?? '')) {
    throw new ConfigError(name, `'${raw}' is not a NATS URL; expected e.g. nats://localhost:4222`)
  }
  return raw
}

/** An HTTP(S) URL of ClickHouse; a native-protocol DSN is refused with the port to use. */
export const clickhouseUrl: Parser<string> = (raw, name) => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(name, `'${raw}' is not a URL; expected e.g. http://localhost:8123`)
  }
  if (url.protocol === 'clickhouse:' || url.protocol === 'tcp:' || url.port === '9000' || url.port === '9440') {
    throw new ConfigError(
      name,
      `'${raw}' uses ClickHouse's native protocol, which this client does not speak; use the HTTP interface, e.g. http://${url.hostname || 'localhost'}:8123`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `unsupported scheme '${url.protocol}'; use http:// or https:// (port 8123 or 8443)`)
  }
  return raw
}
