/** The wire format of a log message: the JSON array of its entries (publisher.ts writes it). */
import type { Entry } from '../../model/index.js'

/** The entries of a message, or undefined when it is not one of ours (or corrupt). */
export function decode(data: Uint8Array): Entry[] | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'))
    return Array.isArray(v) ? (v as Entry[]) : undefined
  } catch {
    return undefined
  }
}
