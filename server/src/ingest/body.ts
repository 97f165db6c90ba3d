/**
 * Request body helpers shared by the ingestion protocols: gzip/deflate decoding (bounded by the
 * route's body limit, which counts decoded bytes), the request's key, and NDJSON splitting.
 */
import { createHash, type Hash } from 'node:crypto'
import { createGunzip, createInflate } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest, RequestPayload } from 'fastify'
import { Errors } from '../errors.js'

const bodyHashes = new WeakMap<FastifyRequest, Hash | string>()

/**
 * The request's identity for the bus (`PublishRequest.key`): a hash of the route, the headers that
 * change how the body is read, the `Idempotency-Key` header and the body as sent. A client's retry of
 * the same request has the same key; entries stamped at receive time do not change it.
 */
export function requestKey(req: FastifyRequest): string | undefined {
  const h = bodyHashes.get(req)
  if (h === undefined || typeof h === 'string') return h
  const key = h.digest('base64url')
  bodyHashes.set(req, key)
  return key
}

/**
 * Registers a `preParsing` hook that hashes the body as sent (`requestKey`) and decodes
 * `Content-Encoding: gzip | deflate` bodies, for every route of `app`'s scope.
 */
export function decodeContentEncoding(app: FastifyInstance): void {
  app.addHook('preParsing', contentEncodingHook({ key: true }))
}

type PreParsingHook = (req: FastifyRequest, reply: FastifyReply, payload: RequestPayload, done: (err: Error | null, body?: RequestPayload) => void) => void

/**
 * The `preParsing` hook of `decodeContentEncoding`, for one route's options. `key: false` for a route
 * whose request is never split over bus messages (`POST /log`, one entry): it needs no key, and the
 * body is not hashed.
 */
export function contentEncodingHook({ key }: { key: boolean }): PreParsingHook {
  // A callback hook: no promise per request.
  return (req, _reply, payload, done) => {
    const raw = req.headers['content-encoding']
    const enc = raw === undefined ? 'identity' : raw.toLowerCase().trim()
    if (key) {
      const hash = createHash('sha256')
      const h = req.headers
      hash.update(`${req.method} ${req.url}\n${h['content-type'] ?? ''}\n${enc}\n${String(h['idempotency-key'] ?? '')}\n`)
      bodyHashes.set(req, hash)
      // Paused again at once: the body reader (or the decoder below) resumes it, and this listener,
      // first, sees every chunk.
      payload.on('data', (chunk: Buffer | string) => bodyHashes.get(req) === hash && hash.update(chunk))
      payload.pause()
    }
    if (enc === 'identity' || enc === '') return done(null, payload)
    if (enc !== 'gzip' && enc !== 'x-gzip' && enc !== 'deflate') return done(new Errors.UNSUPPORTED_ENCODING(enc))
    const decoder = enc === 'deflate' ? createInflate() : createGunzip()
    // Fastify compares the encoded length it saw with Content-Length; the decoded stream reports it.
    let encoded = 0
    payload.on('data', (chunk: Buffer) => {
      encoded += chunk.length
      ;(decoder as unknown as { receivedEncodedLength: number }).receivedEncodedLength = encoded
    })
    payload.on('error', (err) => decoder.destroy(err))
    decoder.on('error', () => {}) // surfaced by Fastify's body reader
    done(null, payload.pipe(decoder) as unknown as RequestPayload)
  }
}

export interface Line {
  index: number
  value?: unknown
  error?: string
}

/** Splits NDJSON into parsed lines; blank lines are skipped and do not take an index. */
export function parseNdjson(text: string): Line[] {
  const out: Line[] = []
  let index = 0
  let start = 0
  while (start <= text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    const line = text.slice(start, end).trim()
    start = end + 1
    if (line.length === 0) continue
    const i = index++
    try {
      out.push({ index: i, value: JSON.parse(line) })
    } catch (err) {
      out.push({ index: i, error: `malformed JSON: ${(err as Error).message}` })
    }
  }
  return out
}

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']

/** An NDJSON body as the content-type parser hands it to the route (parsed line by line there). */
export class NdjsonBody {
  constructor(readonly text: string) {}
}
