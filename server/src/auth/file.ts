/**
 * `API_KEYS_FILE`: the keys (each with its tenants and scopes) and the per-tenant limits, in YAML.
 * Read once at start-up; a mistake stops start-up naming the key's position and the field.
 *
 * ```yaml
 * keys:
 *   - name: shipper-a          # shown in the audit log and the server log; the key itself never is
 *     key: 6f1c...             # the key as sent, or
 *     sha256: 9a3b...          # its SHA-256 in hex (the file then holds no usable secret)
 *     tenant: team-a           # or tenants: [team-a, team-b], or tenants: ['*'] for every tenant
 *     scopes: [ingest, query]  # among ingest, query, admin, metrics
 * tenants:
 *   team-a:
 *     retention_days: 7        # entries older are dropped (TTL); 0 or absent: RETENTION_DAYS
 *     ingest_rate: 5000        # entries per second, averaged over ingest_burst; 0 or absent: no limit
 *     ingest_burst: 10000      # entries at once (default: one second of ingest_rate)
 *     daily_bytes: 10GiB       # bytes of entries per UTC day; then 429 until midnight
 *     max_concurrent_queries: 4
 * ```
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { ConfigError, parseBytes } from '../config/parse.js'
import { isTenantName } from '../model/tenant.js'

export const SCOPES = ['ingest', 'query', 'admin', 'metrics'] as const
export type Scope = (typeof SCOPES)[number]

export interface KeySpec {
  /** A name for logs and the audit log (never the key). */
  name: string
  /** SHA-256 of the key. */
  sha256: Buffer
  /** The tenants the key may use, the first being its default; '*' for any. */
  tenants: readonly string[] | '*'
  scopes: ReadonlySet<Scope>
}

export interface TenantLimits {
  retentionDays?: number | undefined
  /** Entries per second (token bucket refill). */
  ingestRate?: number | undefined
  /** Bucket size in entries. */
  ingestBurst?: number | undefined
  dailyBytes?: number | undefined
  maxConcurrentQueries?: number | undefined
}

export interface KeysFile {
  path: string
  keys: KeySpec[]
  tenants: Readonly<Record<string, TenantLimits>>
}

export const sha256 = (key: string): Buffer => createHash('sha256').update(key).digest()

const VAR = 'API_KEYS_FILE'

function fail(where: string, message: string): never {
  throw new ConfigError(VAR, `${where}: ${message}`)
}

function count(where: string, v: unknown, max: number): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) fail(where, `must be a whole number 0..${max}`)
  return v
}

function tenantNames(where: string, k: Record<string, unknown>): readonly string[] | '*' {
  const raw = k.tenants ?? (k.tenant === undefined ? undefined : [k.tenant])
  if (raw === undefined) return ['default']
  if (!Array.isArray(raw) || raw.length === 0) fail(where, "tenants must be a non-empty list of tenant names (or ['*'])")
  if (raw.includes('*')) return '*'
  for (const t of raw) if (typeof t !== 'string' || !isTenantName(t)) fail(where, `'${String(t)}' is not a tenant name (1-64 letters, digits, '_', '-', '.')`)
  return [...new Set(raw as string[])]
}

export function parseKeysFile(text: string, path: string): KeysFile {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    fail(path, `not valid YAML: ${(err as Error).message.split('\n')[0]}`)
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) fail(path, 'expected a mapping with keys: (a list) and optionally tenants: (a mapping)')
  const d = doc as Record<string, unknown>
  for (const k of Object.keys(d)) if (k !== 'keys' && k !== 'tenants') fail(path, `unknown section '${k}'; allowed: keys, tenants`)
  if (!Array.isArray(d.keys)) fail(path, 'keys: must be a list')
  const keys = d.keys.map((raw: unknown, i): KeySpec => {
    const where = `keys[${i}]`
    if (raw === null || typeof raw !== 'object') fail(where, 'must be a mapping')
    const k = raw as Record<string, unknown>
    for (const f of Object.keys(k)) {
      if (!['name', 'key', 'sha256', 'tenant', 'tenants', 'scopes'].includes(f)) fail(where, `unknown field '${f}'; allowed: name, key, sha256, tenant, tenants, scopes`)
    }
    if (k.tenant !== undefined && k.tenants !== undefined) fail(where, 'give tenant or tenants, not both')
    let digest: Buffer
    if (typeof k.key === 'string' && k.sha256 === undefined) {
      if (k.key.trim().length < 8) fail(where, 'key must be at least 8 characters')
      digest = sha256(k.key.trim())
    } else if (typeof k.sha256 === 'string' && k.key === undefined) {
      if (!/^[0-9a-fA-F]{64}$/.test(k.sha256)) fail(where, 'sha256 must be 64 hex digits (sha256sum of the key)')
      digest = Buffer.from(k.sha256, 'hex')
    } else fail(where, 'give exactly one of key or sha256')
    const scopes = k.scopes
    if (!Array.isArray(scopes) || scopes.length === 0) fail(where, `scopes must be a non-empty list among ${SCOPES.join(', ')}`)
    for (const s of scopes) if (!(SCOPES as readonly unknown[]).includes(s)) fail(where, `unknown scope '${String(s)}'; allowed: ${SCOPES.join(', ')}`)
    const name = k.name === undefined ? `key-${i + 1}` : String(k.name)
    return { name, sha256: digest, tenants: tenantNames(where, k), scopes: new Set(scopes as Scope[]) }
  })
  const tenants: Record<string, TenantLimits> = {}
  if (d.tenants !== undefined && d.tenants !== null) {
    if (typeof d.tenants !== 'object' || Array.isArray(d.tenants)) fail(path, 'tenants: must be a mapping of tenant name to limits')
    for (const [name, raw] of Object.entries(d.tenants as Record<string, unknown>)) {
      const where = `tenants.${name}`
      if (!isTenantName(name)) fail(where, 'not a tenant name')
      const l = (raw ?? {}) as Record<string, unknown>
      for (const f of Object.keys(l)) {
        if (!['retention_days', 'ingest_rate', 'ingest_burst', 'daily_bytes', 'max_concurrent_queries'].includes(f))
          fail(where, `unknown field '${f}'; allowed: retention_days, ingest_rate, ingest_burst, daily_bytes, max_concurrent_queries`)
      }
      let dailyBytes: number | undefined
      if (typeof l.daily_bytes === 'string') {
        try {
          dailyBytes = parseBytes(`${where}.daily_bytes`, l.daily_bytes)
        } catch (err) {
          fail(where, (err as Error).message)
        }
      } else dailyBytes = count(`${where}.daily_bytes`, l.daily_bytes, Number.MAX_SAFE_INTEGER)
      tenants[name] = {
        retentionDays: count(`${where}.retention_days`, l.retention_days, 100_000),
        ingestRate: count(`${where}.ingest_rate`, l.ingest_rate, 100_000_000),
        ingestBurst: count(`${where}.ingest_burst`, l.ingest_burst, 1_000_000_000),
        dailyBytes,
        maxConcurrentQueries: count(`${where}.max_concurrent_queries`, l.max_concurrent_queries, 10_000),
      }
    }
  }
  return { path, keys, tenants }
}

/** The settings reader of API_KEYS_FILE: reads and checks the file at start-up. */
export function readKeysFile(raw: string): KeysFile {
  const path = raw.trim()
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    fail(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  return parseKeysFile(text, path)
}
