/**
 * The patterns of every service, mined as entries are processed: one Drain tree per tenant and
 * service (drain.ts). A template's id is derived from its tenant, its service and the masked tokens of
 * the message that created it, so every worker that sees that message first makes the same id, a
 * restart that reloads the stored templates (`restore`) keeps them, and an id stays when its template
 * generalizes. What changed since the last `drain()` is handed to the store in one write per batch.
 */
import { createHash } from 'node:crypto'
import { DEFAULT_DRAIN, Drain, type DrainOptions, type Template } from './drain.js'
import { WILDCARD } from './mask.js'

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

export const templateText = (tokens: readonly string[]): string => tokens.join(' ')
export const templateTokens = (text: string): string[] => (text === '' ? [] : text.split(' '))

interface Seen {
  first: string
  last: string
  sample: string
}

export class PatternMiner {
  private readonly trees = new Map<string, Drain>()
  private readonly seen = new Map<string, Seen>()
  /** Templates new or changed since the last `drain()`; their records are made there (once per batch, not per entry). */
  private readonly changed = new Map<string, { tenant: string; service: string; template: Template }>()

  constructor(private readonly opts: DrainOptions = DEFAULT_DRAIN) {}

  private tree(tenant: string, service: string): Drain {
    const key = `${tenant}\u0000${service}`
    let d = this.trees.get(key)
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
      this.trees.set(key, d)
    }
    return d
  }

  /** The pattern id of `message`; records what changed for the next `drain()`. */
  mine(tenant: string, service: string, message: string, timestamp: string): string {
    const { template, created, changed } = this.tree(tenant, service).add(message)
    let s = this.seen.get(template.id)
    if (!s) {
      s = { first: timestamp, last: timestamp, sample: message }
      this.seen.set(template.id, s)
    }
    let moved = created || changed
    if (timestamp < s.first) {
      s.first = timestamp
      moved = true
    }
    if (timestamp > s.last) {
      s.last = timestamp
      moved = true
    }
    if (moved && !this.changed.has(template.id)) this.changed.set(template.id, { tenant, service, template })
    return template.id
  }

  /** Puts stored templates back (at start-up, or those other workers made). Known ids are kept as they are. */
  restore(records: readonly PatternRecord[]): void {
    for (const r of records) {
      if (this.seen.has(r.pattern_id)) continue
      this.tree(r.tenant, r.service).restore(r.pattern_id, templateTokens(r.template))
      this.seen.set(r.pattern_id, { first: r.first_seen, last: r.last_seen, sample: r.sample })
    }
  }

  /** The templates that are new or changed (text, first or last seen) since the last call. */
  drain(): PatternRecord[] {
    const out: PatternRecord[] = []
    for (const c of this.changed.values()) out.push(this.record(c.tenant, c.service, c.template, this.seen.get(c.template.id) as Seen))
    this.changed.clear()
    return out
  }

  /** Templates known, over all services. */
  size(): number {
    return this.seen.size
  }

  private record(tenant: string, service: string, t: Template, s: Seen): PatternRecord {
    return { tenant, service, pattern_id: t.id, template: templateText(t.tokens), first_seen: s.first, last_seen: s.last, sample: s.sample }
  }
}
