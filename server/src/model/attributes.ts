/**
 * Attributes for shipper protocols, whose documents are nested and unbounded (an Elasticsearch
 * document, OTLP key-values, syslog structured data). Nested objects become dotted keys; the entry
 * limits are kept by dropping and clipping rather than by refusing the entry, because a shipper
 * cannot fix the fields its sources add (the strict seed contract refuses instead, in validate.ts).
 */
import { LIMITS } from './entry.js'

/** Nesting deeper than this is kept as JSON text under the key reached so far. */
const MAX_DEPTH = 8

export class AttributeBag {
  /** A null-prototype object, so keys such as `__proto__` or `constructor` are plain keys. */
  readonly map: Record<string, string> = Object.create(null) as Record<string, string>
  private n = 0
  /** Keys not kept because the entry already had LIMITS.ATTRIBUTES of them. */
  dropped = 0

  get size(): number {
    return this.n
  }

  /** Sets one key (the first value set for a key wins). Values are clipped to the byte limit. */
  set(key: string, value: string): void {
    if (key.length === 0 || key.length > LIMITS.ATTRIBUTE_KEY_CHARS) return
    if (key in this.map) return
    if (this.n >= LIMITS.ATTRIBUTES) {
      this.dropped++
      return
    }
    this.map[key] = clipUtf8(value, LIMITS.ATTRIBUTE_VALUE_BYTES)
    this.n++
  }

  /** Adds `value` under `key`, flattening objects into `key.sub` keys; arrays are kept as JSON. */
  add(key: string, value: unknown, depth = 0): void {
    if (value === null || value === undefined) return
    switch (typeof value) {
      case 'string':
        this.set(key, value)
        return
      case 'number':
      case 'bigint':
      case 'boolean':
        this.set(key, String(value))
        return
      case 'object':
        if (Array.isArray(value) || depth >= MAX_DEPTH || Buffer.isBuffer(value)) {
          this.set(key, safeJson(value))
          return
        }
        for (const k of Object.keys(value)) this.add(key === '' ? k : `${key}.${k}`, (value as Record<string, unknown>)[k], depth + 1)
        return
      default:
        return // functions, symbols: not data
    }
  }
}

/** JSON text of a decoded value; bigint as a number string, cycles impossible in parsed input. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? ''
  } catch {
    return String(value)
  }
}

/** Cuts `s` to at most `max` UTF-8 bytes without splitting a character. */
export function clipUtf8(s: string, max: number): string {
  if (s.length * 3 <= max) return s
  const buf = Buffer.from(s, 'utf8')
  if (buf.length <= max) return s
  let end = max
  while (end > 0 && ((buf[end] as number) & 0xc0) === 0x80) end--
  return buf.subarray(0, end).toString('utf8')
}
