/**
 * Errors from elsewhere (Fastify and its plugins, Node's sockets, the bus, the store) mapped onto
 * the catalogue (errors.ts) in one table keyed by their code, as fastify's `AVVIO_ERRORS_MAP`. The
 * HTTP error handler (http/errors.ts) and the stages that must count a refusal by reason (ingest)
 * all translate through `toCatalogueError`, so a foreign error has one meaning everywhere.
 *
 * Also the one thing a protocol decides about an error: the shape of its body (`ErrorShape`),
 * declared in its routes' config (`config: { errorShape }`), never the status, code or headers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Errors } from './errors.js'

/** An error of the catalogue: a stable `LOG_ERR_*` code and its HTTP status. */
export interface CatalogueError extends Error {
  code: string
  statusCode: number
  /** Seconds for `Retry-After` (429 and 503 always carry one; 1 s when not given). */
  retryAfterSeconds?: number
}

/** What a foreign error's translation may need to say: the limits of the request it broke. */
export interface ErrorContext {
  bodyLimit?: number | undefined
  requestTimeoutMs?: number | undefined
  queryTimeoutMs?: number | undefined
  contentType?: string | undefined
}

type Foreign = Error & { code?: string; statusCode?: number; waiting?: number; validation?: { instancePath?: string; message?: string }[]; validationContext?: string }
type Translate = (err: Foreign, ctx: ErrorContext) => CatalogueError

const ACCEPTED_TYPES = 'application/json, or application/x-ndjson / application/x-protobuf where the endpoint takes them'
const storeUnavailable: Translate = (err) => new Errors.STORE_UNAVAILABLE(err.message)

/** Foreign code -> catalogue error. */
export const FOREIGN_ERRORS: Readonly<Record<string, Translate>> = {
  // Fastify (https://fastify.dev/docs/latest/Reference/Errors/)
  FST_ERR_CTP_BODY_TOO_LARGE: (_e, c) => new Errors.BODY_TOO_LARGE(c.bodyLimit ?? 0),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_e, c) => new Errors.UNSUPPORTED_MEDIA_TYPE(c.contentType ?? '', ACCEPTED_TYPES),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new Errors.INVALID_JSON('Content-Length does not match the body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new Errors.INVALID_JSON('the body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: (e) => new Errors.INVALID_JSON(e.message),
  FST_ERR_VALIDATION: (e) => {
    const v = e.validation?.[0]
    return new Errors.BAD_PARAMETER(`${e.validationContext ?? ''}${v?.instancePath ?? ''}`, v?.message ?? e.message)
  },
  FST_ERR_REQUEST_TIMEOUT: (_e, c) => new Errors.REQUEST_TIMEOUT(c.requestTimeoutMs ?? 0),
  // Node's HTTP server (socket level, before Fastify has a request): REQUEST_TIMEOUT elapsed
  ERR_HTTP_REQUEST_TIMEOUT: (_e, c) => new Errors.REQUEST_TIMEOUT(c.requestTimeoutMs ?? 0),
  // bus/bus.ts
  BUS_FULL: (e) => new Errors.QUEUE_FULL(e.waiting ?? 0),
  BUS_UNAVAILABLE: (e) => new Errors.BUS_UNAVAILABLE(e.message),
  ENTRY_TOO_LARGE: (e) => new Errors.ENTRY_TOO_LARGE(e.message),
  // ClickHouse error code 159, TIMEOUT_EXCEEDED: the engine stopped the query at QUERY_TIMEOUT
  '159': (_e, c) => new Errors.QUERY_TIMEOUT(c.queryTimeoutMs ?? 0),
  // Node sockets: the store's server cannot be reached
  ECONNREFUSED: storeUnavailable,
  ECONNRESET: storeUnavailable,
  ENOTFOUND: storeUnavailable,
  EHOSTUNREACH: storeUnavailable,
}

/** HTTP status -> catalogue code, for errors of plugins that carry a status but no code in the table. */
const BY_STATUS: Readonly<Record<number, string>> = {
  408: 'LOG_ERR_REQUEST_TIMEOUT',
  413: 'LOG_ERR_BODY_TOO_LARGE',
  415: 'LOG_ERR_UNSUPPORTED_MEDIA_TYPE',
  429: 'LOG_ERR_RATE_LIMITED',
}

/** A catalogue code on a foreign message (a plugin's own words, when no template fits). */
function recode(err: Foreign, code: string, statusCode: number): CatalogueError {
  return Object.assign(new Error(err.message), { name: 'CatalogueError', code, statusCode })
}

/**
 * The catalogue error for any error. Ours pass through; foreign ones are translated by code, then
 * by kind (JSON syntax) or status; anything else is LOG_ERR_INTERNAL with the original as `cause`,
 * for the log only.
 */
export function toCatalogueError(error: unknown, ctx: ErrorContext = {}): CatalogueError {
  const err = (error instanceof Error ? error : new Error(String(error))) as Foreign
  const code = err.code ?? ''
  if (code.startsWith('LOG_ERR_')) return err as CatalogueError
  const translate = FOREIGN_ERRORS[code]
  if (translate) return translate(err, ctx)
  const status = err.statusCode
  if (err instanceof SyntaxError || (status === 400 && /JSON/.test(err.message))) return new Errors.INVALID_JSON(err.message)
  if (status !== undefined && BY_STATUS[status]) return recode(err, BY_STATUS[status] as string, status)
  if (status !== undefined && status >= 400 && status < 500) return recode(err, 'LOG_ERR_BAD_PARAMETER', status)
  return Object.assign(new Errors.INTERNAL('see the server log'), { cause: err })
}

/**
 * A store call's failure: the table, plus the engine's and the client's words where they carry no
 * code (a timeout or a refused connection seen only in the message).
 */
export function storeError(err: unknown, queryTimeoutMs: number): CatalogueError {
  const e = err as Foreign
  const msg = e?.message ?? String(err)
  if (!(e?.code && FOREIGN_ERRORS[e.code])) {
    if (/TIMEOUT_EXCEEDED|Timeout exceeded/i.test(msg)) return new Errors.QUERY_TIMEOUT(queryTimeoutMs)
    if (/ECONNREFUSED|ECONNRESET|socket hang up|ENOTFOUND/.test(msg)) return new Errors.STORE_UNAVAILABLE(msg)
  }
  return toCatalogueError(err, { queryTimeoutMs })
}

/** What the error handler decided; a protocol's `ErrorShape` turns it into that protocol's body. */
export interface ErrorReply {
  status: number
  code: string
  message: string
}

/** A protocol's error body (Elasticsearch, OTLP, ...). It may set the reply's content type, nothing else. */
export type ErrorShape = (e: ErrorReply, req: FastifyRequest, reply: FastifyReply) => unknown

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body shape of this route's errors; `{"status":"error","error","code"}` when absent. */
    errorShape?: ErrorShape
  }
}
