/**
 * Elasticsearch bulk API under `/es` (SPEC §3): `POST /es/_bulk`, `POST /es/{index}/_bulk`, plus the
 * handshake and set-up calls of clients and shippers (cluster.ts). Every response carries
 * `X-Elastic-Product: Elasticsearch`, which the official clients check before they trust a reply.
 * Documents map onto entries in mapping.ts; the per-item results follow Elasticsearch's format.
 */
import { tenantOf } from '../../auth/index.js'
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ErrorShape } from '../../error-map.js'
import { nowTimestamp, type Entry } from '../../model/index.js'
import { decodeContentEncoding, requestKey } from '../body.js'
import { BatchBudget, budgetLimits } from '../budget.js'
import type { IngestContext } from '../context.js'
import { SUPPORTED_ACTIONS, parseBulk } from './bulk.js'
import { clusterRoutes } from './cluster.js'
import { mapDocument } from './mapping.js'

const PROTOCOL = 'elastic'

interface ItemResult {
  _index: string
  _id: string
  status: number
  result?: 'created'
  _version?: number
  _seq_no?: number
  _primary_term?: number
  _shards?: { total: number; successful: number; failed: number }
  error?: { type: string; reason: string }
}

/** Generated document ids: a random per-process prefix and a counter, unique and cheap. */
const ID_PREFIX = randomBytes(9).toString('base64url')
let idCounter = 0
let seqNo = 0

export async function elasticRoutes(app: FastifyInstance, { ingestor, config }: IngestContext): Promise<void> {
  decodeContentEncoding(app)
  // Bulk bodies are NDJSON whatever the client calls them: application/json (rsyslog, older
  // clients), application/x-ndjson (Filebeat, Vector, Fluent Bit) or
  // application/vnd.elasticsearch+x-ndjson; compatible-with=8|9 (the official clients).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.maxBatchBytes }, (_req, body, done) => done(null, body))

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-elastic-product', 'Elasticsearch')
    return payload
  })
  // Errors leave through the one error path (http/errors.ts) in Elasticsearch's body shape.
  const errorShape: ErrorShape = (e) => esError(e.status, errorType(e.status), e.message, e.code)
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, errorShape }
  })
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? ''
    reply
      .code(404)
      .send(
        esError(
          404,
          'unsupported_operation_exception',
          `OgLogStream does not implement ${req.method} ${path}; only _bulk ingestion is supported`,
        ),
      )
  })

  await app.register(clusterRoutes)

  const bulk = async (req: FastifyRequest) => {
    const started = performance.now()
    const urlIndex = (req.params as { index?: string }).index
    const text = typeof req.body === 'string' ? req.body : ''
    const items = ingestor.decode(PROTOCOL, () => parseBulk(text, urlIndex))
    const receivedAt = nowTimestamp()
    const budget = new BatchBudget(ingestor, PROTOCOL, budgetLimits(config))
    const entries: Entry[] = []
    const results: Record<string, ItemResult>[] = []
    let errors = false
    for (const item of items) {
      const res: ItemResult = {
        _index: item.index ?? 'oglogstream',
        _id: item.id ?? `${ID_PREFIX}${(idCounter++).toString(36)}`,
        status: 201,
      }
      results.push({ [item.action]: res })
      let failure: { reason: Parameters<typeof ingestor.reject>[1]; type: string; text: string } | undefined
      if (!(SUPPORTED_ACTIONS as readonly string[]).includes(item.action)) {
        failure = {
          reason: 'unsupported_action',
          type: 'illegal_argument_exception',
          text: `action [${item.action}] is not supported: OgLogStream is append-only, use index or create`,
        }
      } else if (item.error !== undefined) {
        failure = { reason: item.reason ?? 'invalid_json', type: 'document_parsing_exception', text: item.error }
      } else {
        const v = mapDocument(item.doc, item.index, receivedAt)
        if (v.ok) {
          budget.add(v.entry)
          entries.push(v.entry)
        } else failure = { reason: v.reason, type: 'document_parsing_exception', text: v.error }
      }
      if (failure) {
        errors = true
        ingestor.reject(PROTOCOL, failure.reason)
        res.status = 400
        res.error = { type: failure.type, reason: failure.text }
      } else {
        res.result = 'created'
        res._version = 1
        res._seq_no = seqNo++
        res._primary_term = 1
        res._shards = { total: 1, successful: 1, failed: 0 }
      }
    }
    await ingestor.accept(PROTOCOL, tenantOf(req), entries, requestKey(req))
    return { took: Math.round(performance.now() - started), errors, items: results }
  }
  app.route({ method: ['POST', 'PUT'], url: '/_bulk', handler: bulk })
  app.route({ method: ['POST', 'PUT'], url: '/:index/_bulk', handler: bulk })
}

/** Elasticsearch's error body; `code` is our catalogue code, for people reading it. */
function esError(status: number, type: string, reason: string, code?: string) {
  return { error: { root_cause: [{ type, reason }], type, reason, ...(code ? { code } : {}) }, status }
}

function errorType(status: number): string {
  switch (status) {
    case 400:
      return 'illegal_argument_exception'
    case 401:
      return 'security_exception'
    case 413:
      return 'content_too_long_exception'
    case 415:
      return 'media_type_header_exception'
    case 429:
      return 'es_rejected_execution_exception'
    case 503:
      return 'unavailable_shards_exception'
    default:
      return status >= 500 ? 'exception' : 'illegal_argument_exception'
  }
}
