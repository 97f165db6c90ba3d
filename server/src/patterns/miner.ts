/**
 * The patterns of every service, mined as entries are processed: one Drain tree per tenant and
 * service (drain.ts). A template's id is derived from its tenant, its service and the masked tokens of
 * the message that created it, so every worker that sees that message first makes the same id, a
 * restart that reloads the stored templates (`restore`) keeps them, and an id stays when its template
 * generalizes. What changed since the last `drain()` is handed to the store in one write per batch.
 */
import { createHash } from 'node:crypto'
import { DEFAULT_DRAIN, Drain, type DrainOptions, type Template } from './drain.js'
import { maskKeys, WILDCARD } from './mask.js'

/** A template as stored (the `patterns` table) and as /api/patterns returns it. */
export interface PatternRecord {
  tenant: string
  service: string
  pattern_id: string
  template: string
  /** Canonical timestamps (model/time.ts) of the first and last entries seen with it. */
  first_seen: string
  last_seen: string
  sample: string
}

/** Masked tokens → id: 16 hex digits of SHA-256 over tenant, service and tokens. */
export function patternId(tenant: string, service: string, tokens: readonly string[]): string {
  return createHash('sha256').update(`${tenant}\u0000${service}\u0000${tokens.join(' ')}`).digest('hex').slice(0, 16)
}

/**
 * A timestamp as two numbers that order as its text does: YYYYMMDDhhmmss (`timeHi`) and nanoseconds
 * (`timeLo`), read from the canonical form (model/time.ts, `2025-01-01T12:00:00.123456789Z`) or the
 * store's (`2025-01-01 12:00:00.123456789`, as the C scan reads it from the insert's rows: mask_keys.c
 * time_of). A template's first and last seen are kept so: compared with two numbers, and written as
 * text only when the template is (`timeText`).
 */
export function timeHi(ts: string): number {
  let x = 0
  for (let i = 0; i < 19; i++) if (i !== 4 && i !== 7 && i !== 10 && i !== 13 && i !== 16) x = x * 10 + (ts.charCodeAt(i) - 48)
  return x
}

export function timeLo(ts: string): number {
  let x = 0
  let i = 20
  for (; i < 29; i++) {
    const d = ts.charCodeAt(i) - 48
    if (!(d >= 0 && d <= 9)) break
    x = x * 10 + d
  }
  for (; i < 29; i++) x *= 10
  return x
}

/** The canonical timestamp of `timeHi`, `timeLo`. */
export function timeText(hi: number, lo: number): string {
  const d = String(hi).padStart(14, '0')
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12, 14)}.${String(lo).padStart(9, '0')}Z`
}

export const templateText = (tokens: readonly string[]): string => tokens.join(' ')
export const templateTokens = (text: string): string[] => (text === '' ? [] : text.split(' '))

interface Seen {
  tenant: string
  service: string
  /** First and last seen (`timeHi`, `timeLo`). */
  firstHi: number
  firstLo: number
  lastHi: number
  lastLo: number
  sample: string
  /** The template in its tree (its tokens are the current text). */
  template: Template
  /** Its place in `ids` (in the order templates became known here, from the store or mined). */
  index: number
  /** It is in `later`, to be drained (a flag, so that a message does not look the template up in a set). */
  later: boolean
}

export class PatternMiner {
  /** Tenant -> service -> tree (two lookups, no key string made per message). */
  private readonly trees = new Map<string, Map<string, Drain>>()
  private readonly seen = new Map<string, Seen>()
  /** Ids whose template is new, or whose text or first_seen changed, since the last `drain()`. */
  private readonly changed = new Set<string>()
  /** Templates whose last_seen alone moved since they were last drained; those no longer flagged `later` went out as changed. */
  private later: Seen[] = []
  /** Every id known here, in the order it became known (`Seen.index`). */
  private readonly ids: string[] = []

  constructor(private readonly opts: DrainOptions = DEFAULT_DRAIN) {}

  /** The tree `mine` went to last, and its tenant and service (entries of one service often come together). */
  private last: { tenant: string; service: string; tree: Drain } | undefined

  private tree(tenant: string, service: string): Drain {
    const last = this.last
    if (last !== undefined && last.service === service && last.tenant === tenant) return last.tree
    const tree = this.treeOf(tenant, service)
    this.last = { tenant, service, tree }
    return tree
  }

  /** The tree of a tenant's service (`mineIndex`: a batch finds it once per service, not once per entry). */
  treeOf(tenant: string, service: string): Drain {
    let byService = this.trees.get(tenant)
    if (!byService) this.trees.set(tenant, (byService = new Map()))
    let d = byService.get(service)
    if (!d) {
      const taken = new Set<string>()
      d = new Drain((tokens) => {
        // Two templates of one service cannot start from the same tokens (the second message would
        // have joined the first), but stay unique if they ever did.
        let id = patternId(tenant, service, tokens)
        for (let i = 1; taken.has(id); i++) id = patternId(tenant, service, [...tokens, WILDCARD.repeat(i)])
        taken.add(id)
        return id
      }, this.opts)
      byService.set(service, d)
    }
    return d
  }

  /** The pattern id of `message`; records what changed for the next `drain()`. `keys`: as `mineIndex`. */
  mine(tenant: string, service: string, message: string, timestamp: string, keys?: Int32Array, at = 0): string {
    return this.ids[this.mineIndex(this.tree(tenant, service), tenant, service, message, timeHi(timestamp), timeLo(timestamp), keys, at)] as string
  }

  /**
   * As `mine`, with the tree of the tenant's service found already (`treeOf`), and the id given by its
   * place in the list of known ids (`idsFrom`): a thread answers with these numbers, and the ids that
   * list gained, instead of an id string per entry. With `keys` (`keys()`, the batch's masked keys from
   * the C scan; this message at `at`), a message masked as one seen before is matched without reading it:
   * `message` may then be a function that gives the message at `at` (read from the insert's rows only
   * when it is needed). Its time: `timeHi`, `timeLo`.
   */
  mineIndex(tree: Drain, tenant: string, service: string, message: string | ((at: number) => string), hi: number, lo: number, keys?: Int32Array, at = 0): number {
    const count = keys === undefined ? -1 : (keys[3 * at + 2] as number)
    const known = count < 0 ? undefined : tree.known(keys?.[3 * at] as number, keys?.[3 * at + 1] as number, count)
    // A message masked as one seen before: its template is neither new nor changed.
    const { template, created, changed } = known === undefined ? tree.add(typeof message === 'string' ? message : message(at)) : { template: known, created: false, changed: false }
    let s = template.data as Seen | undefined
    if (s === undefined) {
      s = this.seen.get(template.id)
      if (!s) s = this.known(tenant, service, hi, lo, hi, lo, typeof message === 'string' ? message : message(at), template)
      template.data = s
    }
    let moved = created || changed
    if (hi < s.firstHi || (hi === s.firstHi && lo < s.firstLo)) {
      s.firstHi = hi
      s.firstLo = lo
      moved = true
    }
    if (moved) this.changed.add(template.id)
    if (hi > s.lastHi || (hi === s.lastHi && lo > s.lastLo)) {
      s.lastHi = hi
      s.lastLo = lo
      if (!moved && !s.later) {
        s.later = true
        this.later.push(s)
      }
    }
    return s.index
  }

  /**
   * The masked keys of a batch of messages from the C scan (native.ts), for `mineIndex` (message k is
   * at k); undefined where it is not built.
   */
  keys(messages: readonly string[]): Int32Array | undefined {
    if (maskKeys === undefined) return undefined
    if (this.keyBuffer.length < messages.length * 3) this.keyBuffer = new Int32Array(messages.length * 6)
    maskKeys.keys(messages, this.keyBuffer)
    return this.keyBuffer
  }

  private keyBuffer = new Int32Array(0)

  /** The known ids from place `from` on (`mineIndex`). */
  idsFrom(from: number): string[] {
    return this.ids.slice(from)
  }

  private known(tenant: string, service: string, firstHi: number, firstLo: number, lastHi: number, lastLo: number, sample: string, template: Template): Seen {
    const s: Seen = { tenant, service, firstHi, firstLo, lastHi, lastLo, sample, template, index: this.ids.length, later: false }
    this.seen.set(template.id, s)
    this.ids.push(template.id)
    return s
  }

  /** Puts stored templates back (at start-up, or those other workers made). Known ids are kept as they are. */
  restore(records: readonly PatternRecord[]): void {
    for (const r of records) {
      if (this.seen.has(r.pattern_id)) continue
      const template = this.tree(r.tenant, r.service).restore(r.pattern_id, templateTokens(r.template))
      template.data = this.known(r.tenant, r.service, timeHi(r.first_seen), timeLo(r.first_seen), timeHi(r.last_seen), timeLo(r.last_seen), r.sample, template)
    }
  }

  /**
   * The templates that are new or changed (text, first seen) since the last call, and, with `lastSeen`,
   * those whose last seen alone moved (else they stay for a later call).
   */
  drain(lastSeen = true): PatternRecord[] {
    const out: PatternRecord[] = []
    for (const id of this.changed) {
      const s = this.seen.get(id)
      if (!s) continue
      out.push(this.record(id, s))
      s.later = false // its last_seen goes out with it
    }
    this.changed.clear()
    if (lastSeen) {
      for (const s of this.later) {
        if (s.later) out.push(this.record(s.template.id, s))
        s.later = false
      }
      this.later = []
    } else this.later = this.later.filter((s) => s.later)
    return out
  }

  /** Templates known, over all services. */
  size(): number {
    return this.seen.size
  }

  private record(id: string, s: Seen): PatternRecord {
    return {
      tenant: s.tenant,
      service: s.service,
      pattern_id: id,
      template: templateText(s.template.tokens),
      first_seen: timeText(s.firstHi, s.firstLo),
      last_seen: timeText(s.lastHi, s.lastLo),
      sample: s.sample,
    }
  }
}
