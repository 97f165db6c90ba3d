/**
 * Tokens of a message with their variable parts masked as `<*>`: one generic setting for every source
 * (no per-dataset rules). A whole token is masked when it is an IP (with port), a host:port, a UUID, a
 * URL, a path, a hex id, a number with or without a unit (a size, a duration), a time or a date; inside
 * other tokens, every run of letters and digits that holds a digit is masked, except a short word
 * ending in one digit (`eth1`, `alt0`, `ssh2`: names, not values).
 */
import { PATTERN_WILDCARD } from '@oglogstream/shared'
import { loadMaskKeys, MASKED_PAREN_WILDCARD, MASKED_WILDCARD, SHAPE_FIXED, SHAPE_KEEP, SHAPE_OWN } from './native.js'

export const WILDCARD = PATTERN_WILDCARD

const PREFIX = /^[([{<"'=]+/
const SUFFIX = /[)\]}>"',;:.!?]+$/

/** Whole-token shapes, tested on the token without its surrounding brackets, quotes and punctuation. */
const WHOLE: readonly RegExp[] = [
  // IPv4, optionally /-prefixed and with a port
  /^\/?\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$/,
  // host:port
  /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+:\d+$/,
  // host name holding a digit, with at least three labels
  /^(?=[^.]*\d|.*\.[^.]*\d)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+){2,}\.[A-Za-z]{2,}$/,
  // UUID
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  // URL
  /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S*$/,
  // absolute or home path with at least two parts; Windows path
  /^~?(?:\/[^/\s]+){2,}\/?$/,
  /^[A-Za-z]:\\\S*$/,
  // hex: 0x-prefixed, or 8+ hex digits with at least one digit
  /^0[xX][0-9a-fA-F]+$/,
  /^(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}$/,
  // number with an optional unit (size, duration, percentage)
  /^[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?(?:[a-zA-Zµ%]{1,7})?$/,
  // time of day, date, date-time
  /^\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?$/,
  /^\d{2,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[T_ -]?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/,
]

/** Any of the whole shapes, as one alternation: one match attempt per token instead of one per shape. */
const WHOLE_ANY = new RegExp(WHOLE.map((re) => `(?:${re.source})`).join('|'))

/** Runs of letters and digits holding a digit (a leading minus of a number belongs to it). */
const DIGIT_RUN = /(?<![A-Za-z0-9])-?(?=[A-Za-z0-9]*\d)[A-Za-z0-9]+|(?<=[A-Za-z0-9])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]+/g
const NAME_WITH_DIGIT = /^[A-Za-z]{1,6}\d$/
/** What may be left of a token besides wildcards for it to be one wildcard (`<*>:<*>`, `<*>.<*>`). */
const ONLY_SEPARATORS = /^[.:,\-/_#@+]*$/

const KEY_VALUE = /^([A-Za-z_][\w.-]*=)(.+)$/

/**
 * A token with no digit, slash, backslash or hyphen is never masked: every whole shape above but the
 * URL, the paths and the UUID holds a digit, and those three need one of these characters. Most words
 * of a message are such tokens; this test spares them the shapes (the mining cost of bulk ingest).
 */
const MAYBE_VARIABLE = /[\d/\\-]/

/** Masks one whitespace-free token; in `key=value`, the value alone. */
export function maskToken(token: string): string {
  if (!MAYBE_VARIABLE.test(token)) return token
  return maskRange(token, 0, token.length)
}

/**
 * Masked tokens by shape. A token's shape is the token with every digit read as `0`; no rule above
 * tells one digit from another (`0x` is the exception, and a digit before `x` is masked with what
 * follows either way), so masking commutes with changing digits. Hence, for a shape whose masked
 * form holds no digit, every token of that shape masks to that same form (`10.251.73.220` and
 * `192.168.10.111` -> `<*>`, `blk_-695...` -> `blk_<*>`), and for a shape that masks to itself with no
 * wildcard, every token of it is kept as it is (`ssh2`, `eth1`). Values repeat their shapes far more
 * than themselves (a cache of whole tokens misses on every fresh id), so the rules run once per shape.
 * A shape that keeps some digits beside a wildcard (`R02-M1-N0-C:J12-U11` -> `<*>-M1-N0-C:<*>-<*>`)
 * keeps where its kept digits go: its masked form with the token's digits put in those places.
 * A shape is known by two independent 30-bit hashes and its length, not by its text: comparing the
 * text again was a quarter of the miner (issue 17). Two shapes taken for one need both hashes to
 * collide: about 1 in 10^18 a pair, so about 1 in 10^13 a token with the table full (50,000 shapes).
 * Test: mask.test.ts compares this with masking every token on its own, on Loghub lines with fresh values.
 */
interface Shape {
  /** The length of its tokens. */
  readonly length: number
  /** Every token of the shape is kept as it is. */
  readonly keep: boolean
  /**
   * Else the masked form of every token of the shape, and its hash; or, with `kept`, of the shape (its
   * digits as `0`); undefined: each token is masked on its own (maskOwn).
   */
  readonly masked: string | undefined
  readonly maskedHash: number
  readonly maskedHash2: number
  /** The digits the masked form keeps: pairs of (place in the masked form, place in the token). */
  readonly kept: Int32Array | undefined
  /** The shape's two hashes, and the next shape in its slot. */
  readonly hash: number
  readonly hash2: number
  readonly next: Shape | undefined
}
/**
 * Shapes remembered, in slots by hash (an array, not a Map: no hashing of the key again); emptied when
 * full (a source of ever new shapes would otherwise grow it for ever).
 */
const SHAPE_SLOTS = 1 << 16
const SHAPES_MAX = 50_000
let shapes = new Array<Shape | undefined>(SHAPE_SLOTS).fill(undefined)
let shapeCount = 0

/** The C scan (native.ts), told every shape learnt here; undefined where it is not built. */
export const maskKeys = loadMaskKeys()

const isDigit = (c: number): boolean => c >= 48 && c <= 57

// Two hashes over UTF-16 code units: FNV-1a, and the same steps with another seed and multiplier;
// each finished by MurmurHash3's fmix32 and kept to a small integer (no number allocated).
const HASH_SEED = 0x811c9dc5
const HASH_SEED2 = 0x3c6ef372
const step = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193)
const step2 = (h: number, c: number): number => Math.imul(h ^ c, 0x5bd1e995)
function small(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) & 0x3fffffff
}

/** The two hashes of `text.slice(start, end)`, with digits read as `0` (`shape`) or as they are. */
function hashes(text: string, start: number, end: number, shape: boolean): void {
  let h = HASH_SEED
  let g = HASH_SEED2
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i)
    if (shape && isDigit(c)) c = 48
    h = step(h, c)
    g = step2(g, c)
  }
  hashOut.h = small(h)
  hashOut.g = small(g)
}
/** Where `hashes` puts its two results (no pair allocated). */
const hashOut = { h: 0, g: 0 }

/**
 * Families of shapes: a shape with every run of two or more digits read as `00` (`9358984-0:766|x=39998##0`
 * -> `00-0:00|x=00##0`). A token of many numbers whose lengths vary (HealthApp's
 * `…|setTodayTotalDetailSteps=1514736000000##7007##548365##…`, one token) has a new shape at nearly
 * every message: each was masked by the rules (the most of the miner's time past its start, about 30 µs
 * a token) and filled the table of shapes. The rules tell one digit from two or more (a name ending in
 * one digit, `eth1`) but, where a shape's masked form holds no digit, rarely the length of a longer run:
 * a run is masked whole by its run of letters and digits, or the whole token is one of the values
 * above, whose other lengths give separators and wildcards only (`1.2.3.4` or `1234.5.6.7` -> `<*>`).
 * The exception is a shape with exact lengths beside letters-only parts (a UUID with a group of letters
 * and one of eight digits). So a family is used only once it has had FAMILY_AFTER shapes, if the shape it
 * then has masks to a form without digits and every run set to other lengths (2 to 13, one run at a
 * time and all together) masks to that same form; else its tokens go by their own shapes as before.
 * mask.test.ts checks the masking against the rules on Loghub lines with run lengths changed.
 */
interface Family {
  /** Whether its tokens all mask alike: undefined until it has had FAMILY_AFTER shapes. */
  ok: boolean | undefined
  /** Its shapes met so far (while undecided). */
  shapes: number
  /** With `ok`, the shape it was decided on: every token of the family masks as it does. */
  shape: Shape | undefined
  readonly hash: number
  readonly hash2: number
  readonly length: number
  readonly next: Family | undefined
}
const FAMILY_SLOTS = 1 << 14
const FAMILIES_MAX = 10_000
let families = new Array<Family | undefined>(FAMILY_SLOTS).fill(undefined)
let familyCount = 0
/**
 * A family is checked when its fourth shape comes: the lengths of its runs vary (most families have
 * one shape, or a few: one number whose length varies), and checking it costs its shapes' masking many
 * times over.
 */
const FAMILY_AFTER = 4
/** Families are for tokens of at most this many characters and runs of two digits or more (checking a family masks its shape up to (runs + 1) * 8 times). */
const FAMILY_TOKEN_MAX = 256
const FAMILY_RUNS_MAX = 12
/** The runs of two digits or more that `familyHashes` read last. */
let familyRuns = 0
/** The run lengths a family is checked with: either side of every bound of the rules on digits (`\d{1,2}`, `\d{2,4}`, `{4}`, `{8}`, `{8,}`, `{12}`). */
const FAMILY_CHECK_LENGTHS = [2, 3, 4, 5, 8, 9, 12, 13]

/**
 * The two hashes of the family of `text.slice(start, end)` (digits as `0`, a run of two or more as
 * `00`), into `hashOut`; its length (that of the shape when no run is longer than two).
 */
function familyHashes(text: string, start: number, end: number): number {
  let h = HASH_SEED
  let g = HASH_SEED2
  let length = 0
  let run = 0
  let runs = 0
  for (let i = start; i < end; i++) {
    let c = text.charCodeAt(i)
    if (isDigit(c)) {
      if (++run > 2) continue
      if (run === 2) runs++
      c = 48
    } else run = 0
    h = step(h, c)
    g = step2(g, c)
    length++
  }
  hashOut.h = small(h)
  hashOut.g = small(g)
  familyRuns = runs
  return length
}

/** Whether every token of the family of `shape` (a shape text, digits as `0`) masks to `masked`. */
function familyHolds(shape: string, masked: string): boolean {
  const runs: [number, number][] = []
  for (const m of shape.matchAll(/0{2,}/g)) runs.push([m.index, m.index + m[0].length])
  const withLengths = (length: (r: number) => number): string => {
    let out = ''
    let from = 0
    for (const [r, [a, b]] of runs.entries()) {
      out += shape.slice(from, a) + '0'.repeat(length(r))
      from = b
    }
    return out + shape.slice(from)
  }
  for (const n of FAMILY_CHECK_LENGTHS) {
    if (maskUncached(withLengths(() => n)) !== masked) return false
    for (let r = 0; r < runs.length; r++) {
      const [a, b] = runs[r] as [number, number]
      if (b - a === n) continue // the shape itself
      if (maskUncached(withLengths((k) => (k === r ? n : (runs[k] as [number, number])[1] - (runs[k] as [number, number])[0]))) !== masked) return false
    }
  }
  return true
}

/**
 * The family of `text.slice(start, end)` when it is one whose tokens all mask alike (see Family), its
 * shape found or learnt; undefined when the token's shape is its family's, or the family does not hold.
 */
function familyOf(text: string, start: number, end: number, h: number, g: number): Shape | undefined {
  if (end - start > FAMILY_TOKEN_MAX) return undefined
  const length = familyHashes(text, start, end)
  if (length === end - start || familyRuns > FAMILY_RUNS_MAX) return undefined
  const fh = hashOut.h
  const fg = hashOut.g
  const slot = fh & (FAMILY_SLOTS - 1)
  let f = families[slot]
  for (; f !== undefined; f = f.next) if (f.hash === fh && f.hash2 === fg && f.length === length) break
  if (f === undefined) {
    if (familyCount >= FAMILIES_MAX) {
      families = new Array<Family | undefined>(FAMILY_SLOTS).fill(undefined)
      familyCount = 0
    }
    families[slot] = { ok: undefined, shapes: 1, shape: undefined, hash: fh, hash2: fg, length, next: families[slot] }
    familyCount++
    return undefined
  }
  if (f.ok !== undefined) return f.shape
  if (++f.shapes < FAMILY_AFTER) return undefined
  // Decided on this shape: it must mask to a form without digits, and so must every other length of its runs.
  const s = learnShape(text, start, end, h, g)
  f.ok = s.masked !== undefined && s.kept === undefined && !/\d/.test(s.masked) && familyHolds(text.slice(start, end).replace(/\d/g, '0'), s.masked)
  if (f.ok) {
    f.shape = s
    maskKeys?.family(fh, fg, length, s.maskedHash, s.maskedHash2, s.masked === WILDCARD ? MASKED_WILDCARD : s.masked === `(${WILDCARD})` ? MASKED_PAREN_WILDCARD : 0)
  }
  return s
}

/** The shape of `text.slice(start, end)`, whose shape hashes are `h` and `g`; learnt if new (or its family's, see Family). */
function shapeOf(text: string, start: number, end: number, h: number, g: number): Shape {
  const slot = h & (SHAPE_SLOTS - 1)
  for (let s = shapes[slot]; s !== undefined; s = s.next) if (s.hash === h && s.hash2 === g && s.length === end - start) return s
  return familyOf(text, start, end, h, g) ?? learnShape(text, start, end, h, g)
}

/** Masks a shape not known yet by the rules, and remembers it (and tells the C scan). */
function learnShape(text: string, start: number, end: number, h: number, g: number): Shape {
  const slot = h & (SHAPE_SLOTS - 1)
  const shape = text.slice(start, end).replace(/\d/g, '0')
  const masked = maskUncached(shape)
  const keep = masked === shape && !masked.includes(WILDCARD)
  const kept = keep || !/\d/.test(masked) ? undefined : keptDigits(shape, masked)
  const fixed = keep || (kept === undefined && /\d/.test(masked)) ? undefined : masked
  if (shapeCount >= SHAPES_MAX) {
    shapes = new Array<Shape | undefined>(SHAPE_SLOTS).fill(undefined)
    shapeCount = 0
    families = new Array<Family | undefined>(FAMILY_SLOTS).fill(undefined)
    familyCount = 0
    maskKeys?.clear()
  }
  let maskedHash = 0
  let maskedHash2 = 0
  if (fixed !== undefined && kept === undefined) {
    hashes(fixed, 0, fixed.length, false)
    maskedHash = hashOut.h
    maskedHash2 = hashOut.g
  }
  const s: Shape = { length: end - start, keep, masked: fixed, maskedHash, maskedHash2, kept, hash: h, hash2: g, next: shapes[slot] }
  shapes[slot] = s
  shapeCount++
  if (maskKeys !== undefined) {
    if (fixed !== undefined && kept !== undefined) maskKeys.kept(h, g, end - start, fixed, kept)
    else {
      const kind = keep ? SHAPE_KEEP : fixed !== undefined ? SHAPE_FIXED : SHAPE_OWN
      maskKeys.shape(h, g, end - start, kind, maskedHash, maskedHash2, fixed === WILDCARD ? MASKED_WILDCARD : fixed === `(${WILDCARD})` ? MASKED_PAREN_WILDCARD : 0)
    }
  }
  return s
}

/** Masks `text.slice(start, end)` (a token that may hold a variable part). */
function maskRange(text: string, start: number, end: number): string {
  hashes(text, start, end, true)
  const s = shapeOf(text, start, end, hashOut.h, hashOut.g)
  if (s.keep) return start === 0 && end === text.length ? text : text.slice(start, end)
  return maskedBy(s, text, start)
}

/** The masked form of the token of shape `s` at `start` of `text` (a shape not kept as it is). */
function maskedBy(s: Pick<Shape, 'length' | 'masked' | 'kept'>, text: string, start: number): string {
  const masked = s.masked
  if (masked === undefined) return maskOwn(text.slice(start, start + s.length))
  const kept = s.kept
  if (kept === undefined) return masked
  let out = ''
  let from = 0
  for (let k = 0; k < kept.length; k += 2) {
    const at = kept[k] as number
    out += masked.slice(from, at) + text[start + (kept[k + 1] as number)]
    from = at + 1
  }
  return out + masked.slice(from)
}

/**
 * Where the digits kept by `masked`, the masked form of `shape` (a token with its digits as `0`), are:
 * pairs of (place in `masked`, place in `shape`), found by changing one digit at a time; undefined
 * if a digit changes more than itself (its tokens are then masked one by one), or if the places do not
 * give what the rules give for a token of that shape with other digits.
 */
function keptDigits(shape: string, masked: string): Int32Array | undefined {
  const places: [number, number][] = []
  for (let d = 0; d < shape.length; d++) {
    if (shape.charCodeAt(d) !== 48) continue
    const m = maskUncached(`${shape.slice(0, d)}1${shape.slice(d + 1)}`)
    if (m === masked) continue
    if (m.length !== masked.length) return undefined
    let at = -1
    for (let i = 0; i < m.length; i++) {
      if (m.charCodeAt(i) === masked.charCodeAt(i)) continue
      if (at >= 0) return undefined
      at = i
    }
    if (masked[at] !== '0' || m[at] !== '1') return undefined
    places.push([at, d])
  }
  if (places.length === 0) return undefined
  // Sorted by place in the masked form, and checked on tokens of the shape with other digits.
  places.sort((a, b) => a[0] - b[0])
  const kept = Int32Array.from(places.flat())
  const plan = { length: shape.length, masked, kept }
  for (let seed = 1; seed <= 3; seed++) {
    let k = seed
    const other = shape.replace(/0/g, () => String((k = (k * 7 + 3) % 10)))
    if (maskedBy(plan, other, 0) !== maskUncached(other)) return undefined
  }
  return kept
}

/**
 * A token of a shape that keeps some digits, masked on its own: such tokens are mostly names that
 * repeat as they are (`R02-M1-N0-C:J12-U11` -> `<*>-M1-N0-C:<*>-<*>`), so they are remembered whole.
 */
const OWN_MAX = 10_000
let own = new Map<string, string>()
function maskOwn(token: string): string {
  let m = own.get(token)
  if (m === undefined) {
    m = maskUncached(token)
    if (own.size >= OWN_MAX) own = new Map()
    own.set(token, m)
  }
  return m
}

/** The masking rules themselves, for one token (no shape memory; tests compare against this). */
export function maskTokenByRules(token: string): string {
  return MAYBE_VARIABLE.test(token) ? maskUncached(token) : token
}

function maskUncached(token: string): string {
  const kv = KEY_VALUE.exec(token)
  if (kv) return (kv[1] as string) + maskValue(kv[2] as string)
  return maskValue(token)
}

function maskValue(token: string): string {
  const pre = PREFIX.exec(token)?.[0] ?? ''
  const suf = token.length > pre.length ? (SUFFIX.exec(token.slice(pre.length))?.[0] ?? '') : ''
  const core = token.slice(pre.length, token.length - suf.length)
  if (core === '') return token
  if (WHOLE_ANY.test(core)) return pre + WILDCARD + suf
  if (!/\d/.test(core)) return token
  const masked = core.replace(DIGIT_RUN, (run) => (NAME_WITH_DIGIT.test(run) ? run : WILDCARD))
  if (masked.includes(WILDCARD) && ONLY_SEPARATORS.test(masked.split(WILDCARD).join(''))) return pre + WILDCARD + suf
  return pre + masked + suf
}

/** A unit after a number is part of the value: `1.16 KB`, `30 ms`, `<1 sec`. */
const UNIT = /^(?:[KMGTP]i?B|[kmgt]b|B|bytes?|ms|us|µs|ns|s|secs?|seconds?|mins?|minutes?|h|hours?|days?)(?=$|[)\],;.])/

/** JavaScript's `\s` beyond ASCII: what separates the tokens of a message. */
const isWideSpace = (c: number): boolean =>
  c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279

// Classes of ASCII characters: part of a word, whitespace (`\s`), may hold a variable part (see
// MAYBE_VARIABLE: a digit, `/`, `\`, `-`; digits apart, as a shape reads them as `0`).
const WORD_CHAR = 0
const SPACE = 1
const MAYBE = 2
const DIGIT = 3
const ASCII_CLASS = new Uint8Array(128)
for (const c of [9, 10, 11, 12, 13, 32]) ASCII_CLASS[c] = SPACE
for (const c of '/\\-') ASCII_CLASS[c.charCodeAt(0)] = MAYBE
for (let c = 48; c <= 57; c++) ASCII_CLASS[c] = DIGIT
const charClass = (c: number): number => (c < 128 ? (ASCII_CLASS[c] as number) : isWideSpace(c) ? SPACE : WORD_CHAR)

/** First letters of the units (UNIT), to try the expression only after a number followed by one of them. */
const UNIT_FIRST = new Uint8Array(256)
for (const c of 'KMGTPkmgtBbuµnshd') UNIT_FIRST[c.charCodeAt(0)] = 1
const unitFirst = (c: number): boolean => c < 256 && UNIT_FIRST[c] === 1

/**
 * A message as masked tokens (split on whitespace), read in one pass over its characters into arrays
 * used again for the next message, with two independent hashes of the masked tokens (`key`, `key2`):
 * Drain's memory of masked messages (drain.ts) knows a message by them and its token count, without
 * making its tokens or comparing them (as with shapes above, both hashes must collide to confuse two);
 * `tokens()` makes them. A token with nothing that may be variable is taken as it is, others are
 * masked through their shape.
 */
export class MaskedMessage {
  text = ''
  /** Number of masked tokens. */
  count = 0
  /** The two hashes of the masked tokens. */
  key = 0
  key2 = 0
  // Raw tokens (whitespace-separated): range, shape hashes, may hold a variable part.
  private rawStart = new Int32Array(64)
  private rawEnd = new Int32Array(64)
  private rawHash = new Int32Array(64)
  private rawHash2 = new Int32Array(64)
  private rawMaybe = new Uint8Array(64)
  // Masked tokens: a string (masked) or, where `fixed` is undefined, the range of the text itself.
  private fixed: (string | undefined)[] = []
  private start = new Int32Array(64)
  private end = new Int32Array(64)

  read(message: string): this {
    this.text = message
    const n = message.length
    let raws = 0
    for (let i = 0; i < n; ) {
      while (i < n && charClass(message.charCodeAt(i)) === SPACE) i++
      if (i >= n) break
      const start = i
      let maybe = 0
      let h = HASH_SEED
      let g = HASH_SEED2
      for (; i < n; i++) {
        let c = message.charCodeAt(i)
        const k = charClass(c)
        if (k === SPACE) break
        if (k !== WORD_CHAR) {
          maybe = 1
          if (k === DIGIT) c = 48
        }
        h = step(h, c)
        g = step2(g, c)
      }
      if (raws === this.rawStart.length) this.growRaw()
      this.rawStart[raws] = start
      this.rawEnd[raws] = i
      this.rawHash[raws] = small(h)
      this.rawHash2[raws] = small(g)
      this.rawMaybe[raws] = maybe
      raws++
    }
    if (this.start.length < raws) {
      this.start = new Int32Array(raws * 2)
      this.end = new Int32Array(raws * 2)
    }
    let count = 0
    let key = HASH_SEED
    let key2 = HASH_SEED2
    for (let i = 0; i < raws; i++) {
      const start = this.rawStart[i] as number
      const end = this.rawEnd[i] as number
      let fixed: string | undefined
      // The token's hashes: as read (no digit in it), or of what it is masked to.
      let h = this.rawHash[i] as number
      let g = this.rawHash2[i] as number
      if (i + 1 < raws && isDigit(message.charCodeAt(end - 1)) && unitFirst(message.charCodeAt(this.rawStart[i + 1] as number)) && UNIT.test(this.raw(i + 1))) {
        // A number and its unit: one value.
        const t = message.slice(start, end) + this.raw(++i)
        fixed = maskRange(t, 0, t.length)
        hashes(fixed, 0, fixed.length, false)
        h = hashOut.h
        g = hashOut.g
        // A size restated in parentheses (`1190 bytes (1.16 KB)`) is the same value.
        if (fixed === WILDCARD && i + 2 < raws && message.charCodeAt(this.rawStart[i + 1] as number) === 40 && UNIT.test(this.raw(i + 2)) && maskToken(this.raw(i + 1) + this.raw(i + 2)) === `(${WILDCARD})`) i += 2
      } else if (this.rawMaybe[i] === 1) {
        const s = shapeOf(message, start, end, h, g)
        if (s.masked !== undefined && s.kept === undefined) {
          fixed = s.masked
          h = s.maskedHash
          g = s.maskedHash2
        } else {
          if (!s.keep) fixed = maskedBy(s, message, start)
          if (fixed === undefined) hashes(message, start, end, false)
          else hashes(fixed, 0, fixed.length, false)
          h = hashOut.h
          g = hashOut.g
        }
      }
      this.fixed[count] = fixed
      this.start[count] = start
      this.end[count] = end
      key = step(key, h)
      key2 = step2(key2, g)
      count++
    }
    this.count = count
    this.key = small(key)
    this.key2 = small(key2)
    return this
  }

  /** The masked tokens. */
  tokens(): string[] {
    const out = new Array<string>(this.count)
    for (let j = 0; j < this.count; j++) out[j] = this.fixed[j] ?? this.text.slice(this.start[j], this.end[j])
    return out
  }

  private raw(i: number): string {
    return this.text.slice(this.rawStart[i], this.rawEnd[i])
  }

  private growRaw(): void {
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2)
      b.set(a)
      return b
    }
    this.rawStart = grow(this.rawStart, (n) => new Int32Array(n))
    this.rawEnd = grow(this.rawEnd, (n) => new Int32Array(n))
    this.rawHash = grow(this.rawHash, (n) => new Int32Array(n))
    this.rawHash2 = grow(this.rawHash2, (n) => new Int32Array(n))
    this.rawMaybe = grow(this.rawMaybe, (n) => new Uint8Array(n))
  }
}

const scratch = new MaskedMessage()

/** A message as masked tokens (split on whitespace). */
export function tokenize(message: string): string[] {
  return scratch.read(message).tokens()
}
