/** Keys, tenants and scopes (issue 13): who a request is and which tenant it may read or write. */
export { KeyRing, accessOf, tenantOf, allows, defaultTenant, presentedKey, type Access, type AuthHook, type Principal, type KeyLists } from './keys.js'
export { SCOPES, parseKeysFile, readKeysFile, sha256, type KeysFile, type KeySpec, type Scope, type TenantLimits } from './file.js'
