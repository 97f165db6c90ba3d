/**
 * Loki push API (SPEC §3): `POST /loki/api/v1/push` (and the pre-2.0 `/api/prom/push`), protobuf +
 * snappy or JSON (gzip allowed). Answers as Loki does: 204 when every entry was taken; 400 naming
 * the rejected entries when some were invalid (the valid ones are still accepted, as in Loki); 429 /
 * 503 when nothing could be taken, which shippers retry.
 */
import { tenantOf } from '../../auth/index.js'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { BatchPartialResponse } from '@oglogstream/shared'
import { Errors } from '../../errors.js'
import { EntryError, nowTimestamp, type Entry } from '../../model/index.js'
import { decodeContentEncoding, requestKey } from '../body.js'
import { BatchBudget, budgetLimits } from '../budget.js'
import type { IngestContext } from '../context.js'
import { mapEntry } from './mapping.js'
import { decodeJson, decodeProtobuf, snappyLength, type PushStream } from './push.js'

const PROTOCOL = 'loki'
const MAX_REPORTED_ERRORS = 100
/**
 * Uncompressed protobuf bodies may be this many times MAX_BATCH_BYTES (Promtail and Alloy send
 * batches of 1 MiB before compression by default).
 */
const SNAPPY_RATIO = 4

export async function lokiRoutes(app: FastifyInstance, { ingestor, config }: IngestContext): Promise<void> {
  decodeContentEncoding(app)
  app.addContentTypeParser(['application/x-protobuf', 'application/protobuf'], { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  )

  const push = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const streams: PushStream[] = ingestor.decode(PROTOCOL, () => {
      if (!Buffer.isBuffer(req.body)) return decodeJson(req.body)
      const max = config.maxBatchBytes * SNAPPY_RATIO
      const claimed = snappyLength(req.body)
      if (claimed !== undefined && claimed > max) {
        ingestor.reject(PROTOCOL, 'body_too_large')
        throw new Errors.BODY_TOO_LARGE(max)
      }
      return decodeProtobuf(req.body, max)
    })

    const receivedAt = nowTimestamp()
    const budget = new BatchBudget(ingestor, PROTOCOL, budgetLimits(config))
    const entries: Entry[] = []
    const errors: { index: number; error: string }[] = []
    let index = 0
    let rejected = 0
    const fail = (reason: EntryError['reason'], error: string) => {
      rejected++
      ingestor.reject(PROTOCOL, reason)
      if (errors.length < MAX_REPORTED_ERRORS) errors.push({ index, error })
    }
    for (const stream of streams) {
      for (const e of stream.entries) {
        if (stream.labels instanceof EntryError) fail(stream.labels.reason, stream.labels.message)
        else if (e.timestamp === null) fail('invalid_timestamp', 'timestamp must be Unix epoch nanoseconds (a string of digits)')
        else {
          const v = mapEntry(stream.labels, e.metadata, e.timestamp, e.line, receivedAt)
          if (v.ok) {
            budget.add(v.entry)
            entries.push(v.entry)
          } else fail(v.reason, v.error)
        }
        index++
      }
    }
    await ingestor.accept(PROTOCOL, tenantOf(req), entries, requestKey(req))
    if (rejected > 0) {
      const body: BatchPartialResponse = {
        status: 'error',
        error: `${rejected} of ${index} entries rejected (indices count entries across streams in order); the other ${entries.length} were accepted`,
        accepted: entries.length,
        rejected,
        errors,
      }
      return reply.code(400).send(body)
    }
    return reply.code(204).send()
  }
  app.post('/loki/api/v1/push', push)
  app.post('/api/prom/push', push)
}
