/**
 * Tenants (issue 13). Every entry belongs to one; a read of the store is always for one. `Tenant` is a
 * branded string: a value of it comes from `asTenant` (a checked name), so a store read that takes a
 * `Tenant` cannot be handed an arbitrary string by mistake.
 */
declare const brand: unique symbol
export type Tenant = string & { readonly [brand]: 'tenant' }

/** The tenant of API_KEYS_INGEST / API_KEYS_QUERY keys, of requests without keys, and of syslog. */
export const DEFAULT_TENANT = 'default' as Tenant

/** Letters, digits, `_`, `-` and `.`, 1 to 64 of them, not starting with `.` (Loki's org ids are freer; these are safe in every path and label). */
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/

export function isTenantName(name: string): boolean {
  return NAME.test(name)
}

/** A checked tenant name; throws on a name `isTenantName` refuses. */
export function asTenant(name: string): Tenant {
  if (!NAME.test(name)) throw new Error(`invalid tenant name '${name.slice(0, 80)}': use 1-64 letters, digits, '_', '-' or '.'`)
  return name as Tenant
}

/** The tenant of an entry: the field when set, else the default tenant (entries from before tenants). */
export function tenantOfEntry(e: { tenant?: string | undefined }): Tenant {
  return (e.tenant ?? DEFAULT_TENANT) as Tenant
}
