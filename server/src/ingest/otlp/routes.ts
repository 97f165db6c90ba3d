/**
 * OTLP/HTTP logs (SPEC §3): `POST /v1/logs`, protobuf (`application/x-protobuf`) or JSON, gzip
 * allowed. Answers as the OTLP specification says
 * (https://opentelemetry.io/docs/specs/otlp/#otlphttp-response): 200 with an
 * ExportLogsServiceResponse in the request's encoding, `partialSuccess` counting the records that
 * were rejected; errors as a google.rpc.Status, 429 / 503 (retryable) when nothing could be taken.
 */
import { tenantOf } from '../../auth/index.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorShape } from '../../error-map.js'
import { nowTimestamp } from '../../model/index.js'
import { decodeContentEncoding, requestKey } from '../body.js'
import { BatchBudget, budgetLimits } from '../budget.js'
import type { IngestContext } from '../context.js'
import { mapRequest } from './mapping.js'
import { decodeRequest, encodeResponse, encodeStatus } from './proto.js'

const PROTOCOL = 'otlp'
const PROTOBUF = 'application/x-protobuf'
/** Rejection messages joined into partialSuccess.errorMessage, at most. */
const MAX_REPORTED_ERRORS = 10

const isProtobuf = (req: FastifyRequest) => (req.headers['content-type'] ?? '').includes('protobuf')

/** OTLP's error body: a google.rpc.Status in the request's encoding. */
const errorShape: ErrorShape = (e, req, reply) => {
  const code = grpcCode(e.status)
  if (isProtobuf(req)) {
    reply.type(PROTOBUF)
    return encodeStatus(code, e.message)
  }
  reply.type('application/json')
  return { code, message: e.message }
}

export async function otlpRoutes(app: FastifyInstance, { ingestor, config }: IngestContext): Promise<void> {
  decodeContentEncoding(app)
  app.addContentTypeParser([PROTOBUF, 'application/protobuf'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  app.post('/v1/logs', { config: { errorShape } }, async (req, reply) => {
    const decoded: unknown = ingestor.decode(PROTOCOL, () => (Buffer.isBuffer(req.body) ? decodeRequest(req.body) : req.body))
    const budget = new BatchBudget(ingestor, PROTOCOL, budgetLimits(config))
    const { entries, rejected } = mapRequest(decoded, nowTimestamp(), (e) => budget.add(e))
    for (const r of rejected) ingestor.reject(PROTOCOL, r.reason)
    await ingestor.accept(PROTOCOL, tenantOf(req), entries, requestKey(req))
    const message = rejected
      .slice(0, MAX_REPORTED_ERRORS)
      .map((r) => r.error)
      .join('; ')
    const json = rejected.length > 0 ? { partialSuccess: { rejectedLogRecords: String(rejected.length), errorMessage: message } } : {}
    return sendMessage(req, reply.code(200), json, () => encodeResponse(rejected.length, message))
  })
}

/** The reply in the request's encoding: protobuf for protobuf requests, JSON otherwise. */
function sendMessage(req: FastifyRequest, reply: FastifyReply, json: object, proto: () => Buffer) {
  if (isProtobuf(req)) return reply.type(PROTOBUF).send(proto())
  return reply.type('application/json').send(json)
}

/** HTTP status -> google.rpc.Code, for the Status body. */
function grpcCode(status: number): number {
  if (status === 400 || status === 413 || status === 415) return 3 // INVALID_ARGUMENT
  if (status === 401) return 16 // UNAUTHENTICATED
  if (status === 404) return 5 // NOT_FOUND
  if (status === 408) return 4 // DEADLINE_EXCEEDED
  if (status === 429) return 8 // RESOURCE_EXHAUSTED
  if (status === 503) return 14 // UNAVAILABLE
  return 13 // INTERNAL
}
