/**
 * Tokens of a message with their variable parts masked as `<*>`: one generic setting for every source
 * (no per-dataset rules). A whole token is masked when it is an IP (with port), a host:port, a UUID, a
 * URL, a path, a hex id, a number with or without a unit (a size, a duration), a time or a date; inside
 * other tokens, every run of letters and digits that holds a digit is masked, except a short word
 * ending in one digit (`eth1`, `alt0`, `ssh2`: names, not values).
 */
import { PATTERN_WILDCARD } from '@oglogstream/shared'

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
 * Masked tokens already seen (those that may be variable): a service's messages repeat many of them
 * (small numbers, names with digits, paths), so each is masked once. `maskToken` is a pure function of the token, so the cache changes
 * no result; it is emptied when full (values that never repeat would otherwise grow it for ever).
 */
const CACHE_MAX = 50_000
const CACHE_MAX_TOKEN = 64
let cache = new Map<string, string>()

/**
 * A token with no digit, slash, backslash or hyphen is never masked: every whole shape above but the
 * URL, the paths and the UUID holds a digit, and those three need one of these characters. Most words
 * of a message are such tokens; this test spares them the shapes (the mining cost of bulk ingest).
 */
const MAYBE_VARIABLE = /[\d/\\-]/

/** Masks one whitespace-free token; in `key=value`, the value alone. */
export function maskToken(token: string): string {
  if (!MAYBE_VARIABLE.test(token)) return token
  if (token.length > CACHE_MAX_TOKEN) return maskUncached(token)
  let m = cache.get(token)
  if (m === undefined) {
    m = maskUncached(token)
    if (cache.size >= CACHE_MAX) cache = new Map()
    cache.set(token, m)
  }
  return m
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
const NUMBER_END = /\d$/
const UNIT = /^(?:[KMGTP]i?B|[kmgt]b|B|bytes?|ms|us|µs|ns|s|secs?|seconds?|mins?|minutes?|h|hours?|days?)(?=$|[)\],;.])/

/** A message as masked tokens (split on whitespace). */
export function tokenize(message: string): string[] {
  const raw = message.split(/\s+/)
  const out: string[] = []
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i] as string
    if (t === '') continue
    const next = raw[i + 1]
    const sized = next !== undefined && NUMBER_END.test(t) && UNIT.test(next)
    if (sized) t += raw[++i]
    const masked = maskToken(t)
    out.push(masked)
    // A size restated in parentheses (`1190 bytes (1.16 KB)`) is the same value.
    if (sized && masked === WILDCARD && raw[i + 1]?.startsWith('(') && UNIT.test(raw[i + 2] ?? '') && maskToken(raw[i + 1] + (raw[i + 2] as string)) === `(${WILDCARD})`) i += 2
  }
  return out
}
