/**
 * An online template miner of the Drain family (He et al., "Drain: An Online Log Parsing Approach with
 * Fixed Depth Tree", ICWS 2017) for the messages of one service: a message goes down a tree keyed by
 * its token count and its leading tokens to a leaf of templates, joins the most similar template if the
 * similarity reaches the threshold (the template generalizes: differing positions become `<*>`), or
 * starts a new template there.
 * A template keeps the id it was created with, however far it generalizes (ids.ts derives it from the
 * service and the first message's masked tokens, so workers and restarts agree).
 */
import { MaskedMessage, WILDCARD } from './mask.js'

export interface DrainOptions {
  /** Leading tokens used as tree keys. */
  depth: number
  /** Share of equal positions a message needs to join a template. */
  similarity: number
  /** Children a tree node may have before further keys go under `<*>`. */
  maxChildren: number
}

/** The one setting used for every service. */
export const DEFAULT_DRAIN: DrainOptions = { depth: 2, similarity: 0.7, maxChildren: 100 }

export interface Template {
  readonly id: string
  tokens: string[]
  count: number
  /** What the tree's owner keeps with the template (the miner: its first and last seen), to find it without a lookup by id. */
  data?: unknown
}

interface Node {
  children: Map<string, Node>
  templates: Template[]
  /** Moves when a template of this node is added or generalizes (see `Drain.seen`). */
  version: number
}

const newNode = (): Node => ({ children: new Map(), templates: [], version: 0 })

/** A masked message matched before: its template, valid while its leaf's version is this one. */
interface Seen {
  readonly tokens: readonly string[]
  /** The number of tokens (compared without reading the array). */
  readonly count: number
  template: Template
  leaf: Node
  version: number
  /** The two hashes of the tokens (MaskedMessage), and the next masked message in its slot. */
  readonly key: number
  readonly key2: number
  next: Seen | undefined
}

/**
 * Masked messages remembered per tree, in slots by hash (an array, not a Map: the key is not hashed
 * again), from 64 slots (a quiet service) up to 16,384; the memory is emptied when full.
 */
const SEEN_SLOTS_MIN = 64
const SEEN_SLOTS_MAX = 1 << 14
const SEEN_MAX = 20_000
const noSeen = (slots: number): (Seen | undefined)[] => new Array<Seen | undefined>(slots).fill(undefined)
const isVariable = (t: string): boolean => t.includes(WILDCARD)

export interface MatchResult {
  template: Template
  /** The template was created by this message. */
  created: boolean
  /** The template's text changed (it generalized). */
  changed: boolean
}

export class Drain {
  private readonly byLength = new Map<number, Node>()
  /**
   * The template each masked message matched (by the two hashes of its masked tokens: MaskedMessage), so that a message
   * masked as one seen before skips the tree: while its leaf has neither a new template nor a
   * generalized one, the search would choose the same template again and generalize nothing (the
   * message agrees with it everywhere it is not `<*>`). Values vary, masked messages much less.
   */
  private seen = noSeen(SEEN_SLOTS_MIN)
  private seenCount = 0
  private readonly masked = new MaskedMessage()
  /** The leaf `addTokens` last went to. */
  private lastLeaf: Node | undefined

  constructor(
    private readonly newId: (tokens: readonly string[]) => string,
    private readonly opts: DrainOptions = DEFAULT_DRAIN,
  ) {}

  /** Finds or creates the template of `message`, generalizing it if needed. */
  add(message: string): MatchResult {
    return this.addMasked(this.masked.read(message))
  }

  /** As `add`, for a message already read. */
  addMasked(m: MaskedMessage): MatchResult {
    const seen = this.remembered(m.key, m.key2, m.count)
    const hit = this.hit(seen)
    if (hit !== undefined) return { template: hit, created: false, changed: false }
    const tokens = seen?.tokens ?? m.tokens()
    const result = this.addTokens(tokens)
    const leaf = this.lastLeaf as Node
    if (seen !== undefined) {
      seen.template = result.template
      seen.leaf = leaf
      seen.version = leaf.version
    } else {
      if (this.seenCount >= SEEN_MAX) {
        this.seen = noSeen(SEEN_SLOTS_MIN)
        this.seenCount = 0
      } else if (this.seenCount >= this.seen.length && this.seen.length < SEEN_SLOTS_MAX) this.growSeen()
      const at = m.key & (this.seen.length - 1)
      this.seen[at] = { tokens, count: m.count, template: result.template, leaf, version: leaf.version, key: m.key, key2: m.key2, next: this.seen[at] }
      this.seenCount++
    }
    return result
  }

  /**
   * The template of a message whose masked tokens' hashes and count are known already (the C scan:
   * native.ts), if a message masked as it was seen before and its leaf has not changed since (as in
   * `addMasked`, counted); else undefined, and the caller `add`s the message.
   */
  known(key: number, key2: number, count: number): Template | undefined {
    return this.hit(this.remembered(key, key2, count))
  }

  /** The template of a remembered masked message whose leaf is unchanged (counted), else undefined. */
  private hit(seen: Seen | undefined): Template | undefined {
    if (seen === undefined || seen.leaf.version !== seen.version) return undefined
    seen.template.count++
    return seen.template
  }

  /** The masked message remembered with these hashes and count. */
  private remembered(key: number, key2: number, count: number): Seen | undefined {
    let seen = this.seen[key & (this.seen.length - 1)]
    for (; seen !== undefined; seen = seen.next) if (seen.key === key && seen.key2 === key2 && seen.count === count) break
    return seen
  }

  private growSeen(): void {
    const old = this.seen
    this.seen = noSeen(old.length * 4)
    for (let s of old) {
      while (s !== undefined) {
        const next = s.next
        const at = s.key & (this.seen.length - 1)
        s.next = this.seen[at]
        this.seen[at] = s
        s = next
      }
    }
  }

  /** The search itself, for masked tokens (without the memory of masked messages). */
  addTokens(tokens: readonly string[]): MatchResult {
    const leaf = this.leaf(tokens)
    this.lastLeaf = leaf
    const best = this.best(leaf.templates, tokens)
    if (best) {
      best.count++
      const changed = generalize(best, tokens)
      if (changed) leaf.version++
      return { template: best, created: false, changed }
    }
    const template: Template = { id: this.newId(tokens), tokens: [...tokens], count: 1 }
    leaf.templates.push(template)
    leaf.version++
    return { template, created: true, changed: true }
  }

  /** Puts a known template (from the store) back in the tree with its id. */
  restore(id: string, tokens: string[], count = 0): Template {
    const leaf = this.leaf(tokens)
    const found = leaf.templates.find((t) => t.id === id)
    if (found) return found
    const template: Template = { id, tokens: [...tokens], count }
    leaf.templates.push(template)
    leaf.version++
    return template
  }

  templates(): Template[] {
    const out: Template[] = []
    const walk = (n: Node): void => {
      out.push(...n.templates)
      for (const c of n.children.values()) walk(c)
    }
    for (const n of this.byLength.values()) walk(n)
    return out
  }

  private leaf(tokens: readonly string[]): Node {
    let node: Node | undefined = this.byLength.get(tokens.length)
    if (!node) this.byLength.set(tokens.length, (node = newNode()))
    const depth = Math.min(this.opts.depth, tokens.length)
    for (let i = 0; i < depth; i++) {
      const tok = tokens[i] as string
      const key = isVariable(tok) ? WILDCARD : tok
      let next: Node | undefined = node.children.get(key)
      // A full node sends new keys under `<*>`.
      if (!next && node.children.size >= this.opts.maxChildren) next = node.children.get(WILDCARD)
      if (!next) {
        next = newNode()
        node.children.set(node.children.size >= this.opts.maxChildren ? WILDCARD : key, next)
      }
      node = next
    }
    return node
  }

  private best(templates: readonly Template[], tokens: readonly string[]): Template | undefined {
    let best: Template | undefined
    let bestSim = -1
    let bestVars = -1
    for (const t of templates) {
      const [sim, vars] = similarity(t.tokens, tokens)
      if (sim > bestSim || (sim === bestSim && vars > bestVars)) {
        best = t
        bestSim = sim
        bestVars = vars
      }
    }
    return best && bestSim >= this.opts.similarity ? best : undefined
  }
}

/** Share of positions where the template and the message agree, and the template's variable count. */
/** A word (not a value): letters, digits after the first letter, closing punctuation. */
const WORD = /^[A-Za-z][A-Za-z0-9_-]*[.,;:!?'"]*$/

/**
 * Share of positions where the template and the message agree, and the template's variable count.
 * A different word at the end is a different message (`... main loop.` / `... finalization.`,
 * `... HTTPS` / `... SOCKS5`): in Loghub's ground truth a final word is nearly always an event's
 * constant, and merging a rare event into a frequent one costs the frequent one's every line.
 */
function similarity(template: readonly string[], tokens: readonly string[]): [number, number] {
  let same = 0
  let vars = 0
  const n = template.length
  for (let i = 0; i < n; i++) {
    const t = template[i] as string
    const m = tokens[i] as string
    if (t === WILDCARD) vars++
    if (t === m) same++
    else if (i === n - 1 && t !== WILDCARD && WORD.test(t) && WORD.test(m)) return [0, vars]
  }
  return [n === 0 ? 1 : same / n, vars]
}

function generalize(t: Template, tokens: readonly string[]): boolean {
  let changed = false
  for (let i = 0; i < t.tokens.length; i++) {
    if (t.tokens[i] !== tokens[i] && t.tokens[i] !== WILDCARD) {
      t.tokens[i] = WILDCARD
      changed = true
    }
  }
  return changed
}
