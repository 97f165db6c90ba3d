/**
 * The C scan of masked keys (server/native/mask_keys.c), when it is built (`npm run build` builds it
 * where a C compiler and Node's headers are; without them the miner does it all in JavaScript, with
 * the same ids). It computes what MaskedMessage.read computes for a message's key, for a whole batch,
 * at about a fifth of the cost; what it cannot finish alone (count -1) mask.ts reads.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export interface MaskKeys {
  /** For message k: out[3k], out[3k+1], out[3k+2] = the two hashes and the count of its masked tokens, or count -1. */
  keys(messages: readonly string[], out: Int32Array): void
  /**
   * The same keys for the messages of the insert's TabSeparated rows (`count` of them, store/encode.ts),
   * read from their bytes: out as `keys`; fields[4k] the number of row k's tenant and service (as they
   * first come), fields[4k+1], fields[4k+2] where its message's bytes (escaped) start and end,
   * fields[4k+3] where the row starts, fields[4 count + j] the first row of service j; times[2k],
   * times[2k+1] its timestamp (miner.ts timeHi, timeLo; NaN if not read). Returns how many services, or
   * -1 if the bytes are not `count` rows.
   */
  rows(rows: Uint8Array, count: number, out: Int32Array, fields: Int32Array, times: Float64Array): number
  /** A shape mask.ts learnt: its two hashes and length, what its tokens become, and the hashes of that. */
  shape(h: number, g: number, length: number, kind: number, maskedHash: number, maskedHash2: number, flags: number): void
  /** A shape whose masked form keeps some of its tokens' digits: that form (digits as `0`), and pairs of (place in it, place in the token). */
  kept(h: number, g: number, length: number, masked: string, pairs: Int32Array): void
  /** A family of shapes mask.ts found to mask alike (mask.ts Family): its two hashes and length, and the hashes of the masked form. */
  family(h: number, g: number, length: number, maskedHash: number, maskedHash2: number, flags: number): void
  /** mask.ts emptied its table of shapes. */
  clear(): void
}

/** What the tokens of a shape become (mask_keys.c). */
export const SHAPE_KEEP = 1
export const SHAPE_FIXED = 2
export const SHAPE_OWN = 3
/** Flags of a fixed masked form: it is `<*>`, or `(<*>)`. */
export const MASKED_WILDCARD = 1
export const MASKED_PAREN_WILDCARD = 2

const FILE = 'native/build/Release/mask_keys.node'

/** The built module, from the sources (src/patterns) or the bundle (dist/); undefined if not built. */
export function loadMaskKeys(): MaskKeys | undefined {
  const require = createRequire(import.meta.url)
  for (const up of ['../', '../../']) {
    try {
      return require(fileURLToPath(new URL(up + FILE, import.meta.url))) as MaskKeys
    } catch {
      // not built there
    }
  }
  return undefined
}
