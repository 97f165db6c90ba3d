/**
 * Decoders of Loki's push body (https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs):
 * protobuf `logproto.PushRequest` compressed with snappy (Promtail, Alloy, Vector, winston-loki), or
 * JSON (Fluent Bit, pino-loki, winston-loki `json: true`), both into one stream shape for mapping.ts.
 * A body that cannot be decoded throws EntryError('malformed_request'); nothing else is thrown.
 */
import protobuf from 'protobufjs'
import { uncompressSync } from 'snappy'
import { EntryError, fromEpochNanos } from '../../model/index.js'
import { parseLabels } from './labels.js'

export interface PushEntry {
  /** Canonical timestamp; undefined when the entry has none (receive time); null when unreadable. */
  timestamp: string | undefined | null
  line: unknown
  /** Structured metadata (Loki 3): string pairs beside the line. */
  metadata: Record<string, string> | undefined
}

export interface PushStream {
  /** The stream's labels, or the reason they could not be read. */
  labels: Record<string, string> | EntryError
  entries: PushEntry[]
}

// pkg/push/push.proto, only the fields we read (field numbers are the wire contract).
const root = protobuf.Root.fromJSON(
  lenientStrings({
    nested: {
      logproto: {
        nested: {
          PushRequest: { fields: { streams: { rule: 'repeated', type: 'StreamAdapter', id: 1 } } },
          StreamAdapter: {
            fields: {
              labels: { type: 'string', id: 1 },
              entries: { rule: 'repeated', type: 'EntryAdapter', id: 2 },
              hash: { type: 'uint64', id: 3 },
            },
          },
          EntryAdapter: {
            fields: {
              timestamp: { type: 'Timestamp', id: 1 },
              line: { type: 'string', id: 2 },
              structuredMetadata: { rule: 'repeated', type: 'LabelPairAdapter', id: 3 },
            },
          },
          LabelPairAdapter: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
          // google.protobuf.Timestamp
          Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
        },
      },
    },
  }),
)
export const PushRequest = root.lookupType('logproto.PushRequest')

const MAX_SNAPPY_RATIO = 22

/** The uncompressed length a snappy block announces (its leading varint), if readable. */
export function snappyLength(buf: Uint8Array): number | undefined {
  let result = 0
  for (let i = 0, shift = 0; i < 5 && i < buf.length; i++, shift += 7) {
    const b = buf[i] as number
    result += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) return result
  }
  return undefined
}

interface PbTimestamp {
  seconds?: number | { toString(): string }
  nanos?: number
}
interface PbEntry {
  timestamp?: PbTimestamp
  line?: string
  structuredMetadata?: { name?: string; value?: string }[]
}
interface PbStream {
  labels?: string
  entries?: PbEntry[]
}

/** Snappy block + protobuf; `maxBytes` bounds the uncompressed size (a small body can claim GBs). */
export function decodeProtobuf(body: Buffer, maxBytes: number): PushStream[] {
  let raw: Uint8Array
  try {
    // A snappy copy element yields at most 64 bytes from 3: a block claiming more than that ratio
    // is corrupt, and refusing it early saves allocating what it claims.
    const claimed = snappyLength(body)
    const bound = Math.min(maxBytes, body.length * MAX_SNAPPY_RATIO + 64)
    if (claimed === undefined) throw new Error('no uncompressed length')
    if (claimed > bound) throw new Error(`the uncompressed length of ${claimed} is too big, expect at most ${bound}`)
    // The native decoder checks every element against both buffers; snappyjs 0.7 looped for ever on
    // a 10-byte literal whose length overflowed (found by the fuzz test in push.test.ts).
    raw = uncompressSync(body, { asBuffer: true }) as Buffer
  } catch (err) {
    throw new EntryError('malformed_request', `the body is not snappy-compressed protobuf: ${(err as Error).message}`)
  }
  let msg: { streams?: PbStream[] }
  try {
    msg = PushRequest.decode(raw) as unknown as { streams?: PbStream[] }
  } catch (err) {
    throw new EntryError('malformed_request', `malformed protobuf PushRequest: ${(err as Error).message}`)
  }
  return (msg.streams ?? []).map((s) => ({
    labels: labelsOrError(s.labels ?? ''),
    entries: (s.entries ?? []).map((e) => ({
      timestamp: e.timestamp ? pbTime(e.timestamp) : undefined,
      line: e.line ?? '',
      metadata: e.structuredMetadata?.length ? pairs(e.structuredMetadata) : undefined,
    })),
  }))
}

function pbTime(t: PbTimestamp): string | null {
  const secs = t.seconds === undefined ? 0n : BigInt(typeof t.seconds === 'number' ? Math.trunc(t.seconds) : t.seconds.toString())
  const nanos = BigInt(t.nanos ?? 0)
  if (nanos < 0n || nanos > 999_999_999n) return null
  return fromEpochNanos(secs * 1_000_000_000n + nanos) ?? null
}

function pairs(list: { name?: string; value?: string }[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (const p of list) if (p.name) out[p.name] = p.value ?? ''
  return out
}

function labelsOrError(s: string): Record<string, string> | EntryError {
  try {
    return parseLabels(s)
  } catch (err) {
    if (err instanceof EntryError) return err
    throw err
  }
}

/**
 * The JSON body: `{"streams":[{"stream":{..labels..},"values":[["<ns>","<line>",{..metadata..}]]}]}`,
 * or the older `{"streams":[{"labels":"{..}","entries":[{"ts":"<RFC 3339>","line":".."}]}]}`.
 */
export function decodeJson(body: unknown): PushStream[] {
  if (!isObject(body) || !Array.isArray(body.streams)) {
    throw new EntryError('malformed_request', 'the body must be {"streams":[{"stream":{...labels},"values":[["<unix ns>","<line>"]]}]}')
  }
  return body.streams.map((s: unknown): PushStream => {
    if (!isObject(s)) return { labels: new EntryError('malformed_request', 'a stream must be an object'), entries: [] }
    let labels: Record<string, string> | EntryError
    if (isObject(s.stream)) labels = stringMap(s.stream)
    else if (typeof s.labels === 'string') labels = labelsOrError(s.labels)
    else if (s.stream === undefined && s.labels === undefined) labels = {}
    else labels = new EntryError('invalid_labels', 'stream labels must be an object of strings')
    const entries: PushEntry[] = []
    if (Array.isArray(s.values)) {
      for (const v of s.values) {
        if (!Array.isArray(v)) entries.push({ timestamp: null, line: undefined, metadata: undefined })
        else entries.push({ timestamp: jsonNanos(v[0]), line: v[1], metadata: isObject(v[2]) ? stringMap(v[2]) : undefined })
      }
    } else if (Array.isArray(s.entries)) {
      for (const e of s.entries) {
        if (!isObject(e)) entries.push({ timestamp: null, line: undefined, metadata: undefined })
        else {
          const ts = e.ts ?? e.timestamp
          entries.push({ timestamp: typeof ts === 'string' ? ts : ts === undefined ? undefined : null, line: e.line, metadata: undefined })
        }
      }
    }
    return { labels, entries }
  })
}

/** A Loki JSON timestamp: Unix epoch nanoseconds as a string (or, leniently, a number). */
function jsonNanos(v: unknown): string | undefined | null {
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v === 'string' && /^\d{1,30}$/.test(v)) return fromEpochNanos(v) ?? null
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return fromEpochNanos(BigInt(Math.round(v))) ?? null
  return null
}

function stringMap(o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>
  for (const k of Object.keys(o)) {
    const v = o[k]
    if (typeof v === 'string') out[k] = v
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v)
  }
  return out
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * protobufjs checks UTF-8 in proto3 strings and throws on the first bad byte, which would refuse a
 * whole batch for one binary line; decoding as proto2 (no check) replaces bad bytes instead, as the
 * shippers' Go decoders do not check either.
 */
function lenientStrings(json: { nested: Record<string, { nested: Record<string, object> }> }) {
  for (const ns of Object.values(json.nested)) for (const type of Object.values(ns.nested)) Object.assign(type, { edition: 'proto2' })
  return json
}
