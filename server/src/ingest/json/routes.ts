/**
 * The seed's ingestion contract: `POST /log` (one entry, 50 KiB) and `POST /logs` (a JSON array or
 * NDJSON, gzip allowed, up to MAX_BATCH_BYTES), validated by `model/validate.ts`.
 */
import { tenantOf } from '../../auth/index.js'
import type { FastifyInstance } from 'fastify'
import type { AcceptedResponse, BatchAcceptedResponse, BatchPartialResponse } from '@oglogstream/shared'
import { Errors } from '../../errors.js'
import { ALLOWED_FIELDS, LIMITS, nowTimestamp, toApi, validateEntry, type Entry } from '../../model/index.js'
import { NDJSON_TYPES, NdjsonBody, contentEncodingHook, parseNdjson, requestKey, type Line } from '../body.js'
import { BatchBudget, budgetLimits } from '../budget.js'
import type { IngestContext } from '../context.js'

const MAX_REPORTED_ERRORS = 100

export async function jsonRoutes(app: FastifyInstance, { ingestor, config }: IngestContext): Promise<void> {
  // The seed contract is JSON only: anything else (text/plain included) is a 415.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, new NdjsonBody(body as string)))

  // gzip/deflate bodies on both; `POST /log` (one entry, never split over bus messages) needs no request key.
  app.post('/log', { bodyLimit: LIMITS.SINGLE_BODY_BYTES, preParsing: contentEncodingHook({ key: false }) }, async (req, reply) => {
    const v = validateEntry(req.body)
    if (!v.ok) {
      ingestor.reject('json', v.reason)
      // README "Errors": an unknown field has its own code.
      throw v.reason === 'unknown_field' && v.field !== undefined ? new Errors.UNKNOWN_FIELD(v.field, ALLOWED_FIELDS.join(', ')) : new Errors.VALIDATION(v.error)
    }
    await ingestor.accept('json', tenantOf(req), [v.entry])
    const body: AcceptedResponse = { status: 'accepted', timestamp: toApi(v.entry.timestamp) }
    return reply.code(202).send(body)
  })

  app.post('/logs', { bodyLimit: config.maxBatchBytes, preParsing: contentEncodingHook({ key: true }) }, async (req, reply) => {
    const lines = toLines(req.body)
    const receivedAt = nowTimestamp()
    const budget = new BatchBudget(ingestor, 'json', budgetLimits(config))
    const entries: Entry[] = []
    const errors: { index: number; error: string }[] = []
    let rejected = 0
    for (const line of lines) {
      if (line.error !== undefined) {
        rejected++
        ingestor.reject('json', 'invalid_json')
        if (errors.length < MAX_REPORTED_ERRORS) errors.push({ index: line.index, error: line.error })
        continue
      }
      const v = validateEntry(line.value, receivedAt)
      if (v.ok) {
        budget.add(v.entry)
        entries.push(v.entry)
      } else {
        rejected++
        ingestor.reject('json', v.reason)
        if (errors.length < MAX_REPORTED_ERRORS) errors.push({ index: line.index, error: v.error })
      }
    }
    await ingestor.accept('json', tenantOf(req), entries, requestKey(req))
    if (rejected > 0) {
      const body: BatchPartialResponse = {
        status: 'error',
        error: `${rejected} of ${lines.length} entries rejected${errors.length < rejected ? ` (first ${errors.length} listed)` : ''}; the other ${entries.length} were accepted`,
        accepted: entries.length,
        rejected,
        errors,
      }
      return reply.code(400).send(body)
    }
    const body: BatchAcceptedResponse = { status: 'accepted', accepted: entries.length }
    return reply.code(202).send(body)
  })
}

function toLines(body: unknown): Line[] {
  if (body instanceof NdjsonBody) return parseNdjson(body.text)
  if (Array.isArray(body)) return body.map((value, index) => ({ index, value }))
  if (body && typeof body === 'object') return [{ index: 0, value: body }]
  throw new Errors.VALIDATION('body must be a JSON array of entries, one entry object, or NDJSON (application/x-ndjson)')
}
