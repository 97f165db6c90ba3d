/**
 * Readers of environment values for the settings table (settings.ts). Each takes the raw text and
 * the variable's name, and throws a `ConfigError` naming the variable and what it accepts.
 */

import { isIP } from 'node:net'

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

/** A secret of at least `min` characters; the message never repeats the value. */
export const secret =
  (min: number): Parser<string> =>
  (raw, name) => {
    if (raw.length < min) throw new ConfigError(name, `is ${raw.length} characters long; use at least ${min} (e.g. the output of \`openssl rand -hex 32\`)`)
    return raw
  }

/** A link template with `{placeholder}`: an http(s) URL that contains it (e.g. TRACE_URL_TEMPLATE). */
export const urlTemplate =
  (placeholder: string): Parser<string> =>
  (raw, name) => {
    const t = raw.trim()
    if (!/^https?:\/\/\S+$/.test(t)) throw new ConfigError(name, `'${raw}' is not an http(s) URL`)
    if (!t.includes(`{${placeholder}}`)) throw new ConfigError(name, `'${raw}' has no {${placeholder}} to put the id in, e.g. https://tempo.example/trace/{${placeholder}}`)
    return t
  }

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

/** `*`, or origins as browsers send them (`https://app.example`, `http://localhost:5173`). */
export const corsOrigins: Parser<string[] | '*'> = (raw, name) => {
  if (raw.trim() === '*') return '*'
  return list(raw, name).map((o) => {
    let url: URL | undefined
    try {
      url = new URL(o)
    } catch {
      url = undefined
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== o.replace(/\/$/, '')) {
      throw new ConfigError(name, `'${o}' is not an origin; use scheme://host[:port] such as https://app.example, or * alone`)
    }
    return url.origin
  })
}

/** Names proxy-addr (Fastify's trustProxy) accepts besides addresses and CIDR ranges. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal']

/** IP addresses and CIDR ranges (`10.0.0.0/8`), as Fastify's `trustProxy` takes them. */
export const trustedProxies: Parser<string[]> = (raw, name) =>
  list(raw, name).map((item) => {
    if (PROXY_RANGES.includes(item.toLowerCase())) return item.toLowerCase()
    const [addr = '', prefix, ...rest] = item.split('/')
    const family = isIP(addr)
    const bits = family === 6 ? 128 : 32
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits)
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(name, `'${item}' is not an IP address or CIDR range (10.0.0.1, 10.0.0.0/8, ::1); also accepted: ${PROXY_RANGES.join(', ')}`)
    }
    return item
  })

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
