/**
 * Framing of one log record: a 12-byte header (payload length, CRC32 of count + payload, entry
 * count) and the payload. The CRC tells a torn or corrupted record from a good one; the count lets
 * recovery know how many entries wait without parsing payloads.
 *
 * The payload is the entries as the store's insert rows (TabSeparated, store/encode.ts), flagged by
 * the count word's top bit, so that the worker inserts the bytes written here rather than encoding the
 * entries a second time. A record without the flag holds the entries as a JSON array (the format before
 * it, still read: a log written by an older version replays as it was).
 */
import { crc32 } from 'node:zlib'

export const HEADER_BYTES = 12
/** Larger than any bus message can be (MAX_BATCH_BYTES tops out far below): a bigger length is garbage. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024

/** The count word's top bit: the payload is TabSeparated rows, not JSON. */
const ROWS_FLAG = 0x80000000

export type PayloadFormat = 'rows' | 'json'

export function encodeRecord(payload: Buffer, count: number, format: PayloadFormat = 'rows'): Buffer[] {
  const header = Buffer.allocUnsafe(HEADER_BYTES)
  header.writeUInt32LE(payload.length, 0)
  header.writeUInt32LE(format === 'rows' ? (count | ROWS_FLAG) >>> 0 : count, 8)
  header.writeUInt32LE(crc32(payload, crc32(header.subarray(8, 12))), 4)
  return [header, payload]
}

export interface RecordHeader {
  length: number
  crc: number
  count: number
  format: PayloadFormat
}

export function readHeader(buf: Buffer, at = 0): RecordHeader {
  const word = buf.readUInt32LE(at + 8)
  return { length: buf.readUInt32LE(at), crc: buf.readUInt32LE(at + 4), count: word & ~ROWS_FLAG, format: word & ROWS_FLAG ? 'rows' : 'json' }
}

/** True when `payload` matches the CRC of `header` (given as the 12 header bytes at `at`). */
export function checkRecord(buf: Buffer, at: number, payload: Buffer): boolean {
  const crc = buf.readUInt32LE(at + 4)
  return crc32(payload, crc32(buf.subarray(at + 8, at + 12))) === crc
}
