/**
 * The one error path of the HTTP shell. Every error, ours or foreign, is translated to the
 * catalogue (error-map.ts); this handler alone decides the status, the code and the headers
 * (`Retry-After` on every 429 and 503); the route's protocol decides only the body's shape
 * (`config.errorShape`, JSON `{"status":"error","error","code"}` by default). A 500 never echoes
 * internal details: they go to the log, the client gets the code and the request id.
 */
import { STATUS_CODES } from 'node:http'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { toCatalogueError, type ErrorReply, type ErrorShape } from '../error-map.js'
import { Errors } from '../errors.js'

export interface ErrorHandlingOptions {
  /** The server-wide body limit, for routes without their own. */
  bodyLimit: number
  requestTimeoutMs: number
}

/** The body of SPEC §3: `{"status":"error","error":"...","code":"LOG_ERR_..."}`. */
export const jsonShape: ErrorShape = (e) => jsonBody(e)
const jsonBody = (e: ErrorReply) => ({ status: 'error', error: e.message, code: e.code })

export function installErrorHandling(app: FastifyInstance, opts: ErrorHandlingOptions): void {
  app.setErrorHandler((err: FastifyError, req, reply) => sendError(err, req, reply, opts))
  app.setNotFoundHandler((req, reply) => sendError(new Errors.NOT_FOUND(req.method, req.url.split('?')[0]), req, reply, opts))
}

function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply, opts: ErrorHandlingOptions): FastifyReply {
  const e = toCatalogueError(err, {
    bodyLimit: req.routeOptions.bodyLimit ?? opts.bodyLimit,
    requestTimeoutMs: opts.requestTimeoutMs,
    contentType: req.headers['content-type'],
  })
  let message = e.message
  if (e.statusCode >= 500 && e.statusCode !== 503) {
    req.log.error({ err, cause: e.cause }, 'request failed')
    if (e.code === 'LOG_ERR_INTERNAL') message = new Errors.INTERNAL(`see the server log (request ${req.id})`).message
  }
  if (e.statusCode === 429 || e.statusCode === 503) reply.header('retry-after', String(e.retryAfterSeconds ?? 1))
  const decided: ErrorReply = { status: e.statusCode, code: e.code, message }
  // While shutting down the connection closes as Fastify marked it.
  if (unreadBody(req.raw) && e.code !== 'LOG_ERR_SHUTTING_DOWN') readRestOfBody(req.raw, reply)
  const shape = req.routeOptions.config?.errorShape ?? jsonShape
  return reply.code(decided.status).send(shape(decided, req, reply))
}

/** The most of a refused request's body that is read (and dropped) to keep its connection. */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024

/** A request with a body (not an upgrade, which has none) that was not read to its end. */
function unreadBody(req: IncomingMessage): boolean {
  if (req.complete || req.headers.upgrade !== undefined) return false
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
}

/**
 * An error answered before the request's body was read: a 413 told from Content-Length or met
 * while streaming, a 401 or 429 of a hook. Fastify marks its 413 `Connection: close`, and closing
 * the socket with the rest of the body unread makes the kernel answer the client's next bytes with a
 * reset: a client still sending (nginx streaming an ingest body to the instance) fails on the reset
 * and never reads the answer, so nginx reported 502 in place of the 413. Instead the rest of the
 * body is read and dropped and the connection kept, as Node does with any unread body, but only up
 * to DRAIN_MAX_BYTES (then the connection is closed) and within REQUEST_TIMEOUT, which bounds the
 * whole request.
 */
function readRestOfBody(req: IncomingMessage, reply: FastifyReply): void {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > DRAIN_MAX_BYTES) return
  reply.removeHeader('connection')
  let read = 0
  req.on('data', (chunk: Buffer) => {
    read += chunk.length
    if (read > DRAIN_MAX_BYTES) req.socket.destroy()
  })
  req.resume()
}

/**
 * Errors of a connection before Fastify has a request (Node's `clientError`): a request that
 * outlived REQUEST_TIMEOUT, oversized headers, unparsable HTTP. Answered in the same JSON shape and
 * codes, then the socket is closed (as Fastify's default handler does).
 */
export function clientErrorHandler(opts: ErrorHandlingOptions) {
  return function (this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    const e =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? toCatalogueError(err, { requestTimeoutMs: opts.requestTimeoutMs })
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? { statusCode: 431, code: 'LOG_ERR_BAD_PARAMETER', message: 'request headers are larger than the server accepts' }
          : { statusCode: 400, code: 'LOG_ERR_BAD_PARAMETER', message: `malformed HTTP request (${err.code ?? 'unknown'})` }
    this.log.debug({ err }, 'client error')
    const body = JSON.stringify(jsonBody({ status: e.statusCode, code: e.code, message: e.message }))
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${e.statusCode} ${STATUS_CODES[e.statusCode]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
      )
    }
    socket.destroy(err)
  }
}
