/**
 * Configuration from the environment (SPEC §6). Every setting is declared once in
 * `config/settings.ts` (env name, default, unit, reader, doc), one section per component; this
 * module reads them all once at start-up, applies the rules that span settings, and freezes the
 * result. An invalid value stops start-up naming the variable.
 *
 * Each component receives its own section (`config.store`, `config.ingest`, ...), typed as its
 * options. The same values are also on the config itself (`config.batchSize`): bus/ and process/
 * still take the whole config (issue 10 items 1-2 give them their sections), and so do tests.
 */
import { ConfigError, parseRoles, type Role } from './config/parse.js'
import { SETTINGS, type SectionName, type Setting, type Settings } from './config/settings.js'

export { ConfigError, ROLES, parseBytes, parseDuration, parseRoles, type Role } from './config/parse.js'
export * from './config/settings.js'

type ValueOf<S> = S extends Setting<infer T> ? T : never
type Section<N extends SectionName> = { readonly [K in keyof Settings[N]]: ValueOf<Settings[N][K]> }

export type AppOptions = Section<'app'>
export type HttpOptions = Section<'http'>
export type IngestOptions = Section<'ingest'>
export type BusOptions = Section<'bus'>
export type NatsOptions = Section<'nats'>
export type ProcessOptions = Section<'process'>
export type StoreOptions = Section<'store'>
export type QueryOptions = Section<'query'>
export type LiveOptions = Section<'live'>
export type AlertingSettings = Section<'alerting'>
export type SyslogOptions = Section<'syslog'>

type Sections = { readonly [N in SectionName]: Section<N> }
type Flat = AppOptions & HttpOptions & IngestOptions & BusOptions & NatsOptions & ProcessOptions & StoreOptions & QueryOptions & LiveOptions & SyslogOptions & AlertingSettings

export type Config = { readonly roles: ReadonlySet<Role> } & Sections & Flat

/** The value of a variable: unset and blank are the same (the variable is not given). */
function lookup(env: NodeJS.ProcessEnv, names: readonly string[]): { name: string; raw: string } | undefined {
  for (const name of names) {
    const raw = env[name]
    if (raw !== undefined && raw.trim() !== '') return { name, raw }
  }
  return undefined
}

/** Variables that are no longer read, with what replaced them: setting one stops start-up. */
export const REMOVED_VARIABLES: Readonly<Record<string, string>> = {
  MAX_QUEUE_ENTRIES: 'no longer used: the embedded bus is a write-ahead log on disk, bounded by WAL_MAX_BYTES (bytes not yet stored); unset it',
}

export function loadConfig(rolesArg: string, env: NodeJS.ProcessEnv = process.env): Config {
  const roles = parseRoles(rolesArg)
  for (const [name, why] of Object.entries(REMOVED_VARIABLES)) if (lookup(env, [name])) throw new ConfigError(name, why)
  const values: Record<string, unknown> = {}
  const sections: Record<string, Record<string, unknown>> = {}
  const entries = Object.entries(SETTINGS).flatMap(([section, settings]) =>
    Object.entries(settings as Record<string, Setting<unknown>>).map(([key, s]) => ({ section, key, s })),
  )
  // Variables first, then fixed settings, whose defaults may derive from the values read.
  const ordered = [...entries.filter((e) => e.s.env), ...entries.filter((e) => !e.s.env)]
  for (const { section, key, s } of ordered) {
    const given = s.env && (!s.roles || s.roles.some((r) => roles.has(r))) ? lookup(env, [s.env, ...(s.aliases ?? [])]) : undefined
    const value = given && s.parse ? s.parse(given.raw, given.name) : typeof s.default === 'function' ? (s.default as (c: object) => unknown)({ roles, values }) : s.default
    values[key] = value
    ;(sections[section] ??= {})[key] = value
  }
  for (const rule of RULES) rule(values as Flat, roles)
  for (const s of Object.values(sections)) Object.freeze(s)
  return Object.freeze({ roles, ...values, ...sections }) as unknown as Config
}

/** Rules that span settings, checked when the configuration is loaded. */
const RULES: ((c: Flat, roles: ReadonlySet<Role>) => void)[] = [
  (c, roles) => {
    if (!c.natsUrl && !(roles.has('ingest') && roles.has('process') && roles.has('query'))) {
      throw new ConfigError('NATS_URL', `is required when a process runs only some roles (${[...roles].join(',')}); the roles meet over NATS JetStream`)
    }
  },
]

/**
 * Rules about what a process can run, checked when it starts (createApp) rather than when a
 * configuration is loaded: tools and tests load a query-only configuration to read its defaults.
 */
export function checkRunnable(config: Config): void {
  const { roles } = config
  if (roles.has('query') && !roles.has('process') && !config.clickhouseUrl && config.natsUrl) {
    throw new ConfigError(
      'CLICKHOUSE_URL',
      'a query-only process needs a ClickHouse server: the embedded store belongs to one process, so run the roles process,query together or set CLICKHOUSE_URL',
    )
  }
}

/** Every variable of the table with its section, for the README test and `--help`. */
export function variables(): { env: string; section: SectionName; doc: string }[] {
  return (Object.entries(SETTINGS) as [SectionName, Record<string, Setting<unknown>>][]).flatMap(([section, settings]) =>
    Object.values(settings).flatMap((s) => (s.env ? [s.env, ...(s.aliases ?? [])].map((env) => ({ env, section, doc: s.doc })) : [])),
  )
}
