/**
 * journald (SPEC §3): `POST /journal/upload` takes what `systemd-journal-upload --url=http://host:8080/journal`
 * sends — the journal export format, chunked, possibly never-ending with `--follow` — as
 * systemd-journal-remote (and VictoriaLogs) do. The body is read as it arrives and handed to the bus
 * in batches (at most MAX_BATCH_ENTRIES / MAX_BATCH_BYTES, and whenever the sender pauses), so an
 * upload of any length takes bounded memory and its entries are live while it goes on. The answer
 * comes when the body ends: 202 when every entry was taken, 400 naming the rejected ones otherwise
 * (the valid ones are taken), 429 / 503 when the bus refused (what was taken before stays taken).
 */
import { createGunzip } from 'node:zlib'
import type { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { BatchAcceptedResponse, BatchPartialResponse } from '@oglogstream/shared'
import { tenantOf } from '../../auth/index.js'
import { Errors } from '../../errors.js'
import { LIMITS, entryBytes, nowTimestamp, type Entry } from '../../model/index.js'
import type { IngestContext } from '../context.js'
import { ExportReader, type JournalEntry } from './export.js'
import { mapJournalEntry } from './mapping.js'

const PROTOCOL = 'journald'
const MAX_REPORTED_ERRORS = 100
export const JOURNAL_CONTENT_TYPE = 'application/vnd.fdo.journal'
/** What one journal entry may hold while it is read (journald's own limit for an entry is 768 MiB). */
export const JOURNAL_LIMITS = {
  /** MESSAGE is refused past LIMITS.MESSAGE_BYTES, other values are clipped to LIMITS.ATTRIBUTE_VALUE_BYTES: one byte more tells. */
  maxValueBytes: LIMITS.MESSAGE_BYTES + 1,
  maxFields: 256,
  maxEntryBytes: 256 * 1024,
}

export async function journaldRoutes(app: FastifyInstance, { ingestor, config }: IngestContext): Promise<void> {
  // The body is the stream itself: no body limit applies to it, the reader's limits do.
  app.addContentTypeParser(JOURNAL_CONTENT_TYPE, (_req, payload, done) => done(null, payload))

  app.post('/journal/upload', async (req, reply) => {
    if (req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() !== JOURNAL_CONTENT_TYPE) {
      ingestor.reject(PROTOCOL, 'unsupported_media_type')
      throw new Errors.UNSUPPORTED_MEDIA_TYPE(req.headers['content-type'] ?? '', JOURNAL_CONTENT_TYPE)
    }
    const enc = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim()
    if (enc !== 'identity' && enc !== 'gzip' && enc !== 'x-gzip') throw new Errors.UNSUPPORTED_ENCODING(enc)
    let body = req.body as Readable
    if (enc !== 'identity') body = body.pipe(createGunzip())

    const tenant = tenantOf(req)
    const reader = new ExportReader(JOURNAL_LIMITS)
    let pending: Entry[] = []
    let pendingBytes = 0
    let accepted = 0
    let index = 0
    let rejected = 0
    const errors: { index: number; error: string }[] = []
    // Batches wait for the bus while the next ones are read (the group commit joins them), up to
    // MAX_BATCH_BYTES unacknowledged: a slow bus slows the reading of the body, not the memory.
    const inflight = new Set<Promise<void>>()
    let inflightBytes = 0
    let failure: unknown
    const flush = () => {
      if (pending.length === 0) return
      const batch = pending
      const bytes = pendingBytes
      pending = []
      pendingBytes = 0
      inflightBytes += bytes
      const p: Promise<void> = ingestor
        .accept(PROTOCOL, tenant, batch)
        .then(
          () => void (accepted += batch.length),
          (err: unknown) => void (failure ??= err),
        )
        .finally(() => {
          inflight.delete(p)
          inflightBytes -= bytes
        })
      inflight.add(p)
    }
    let receivedAt = nowTimestamp()
    const onEntry = (e: JournalEntry) => {
      const v = mapJournalEntry(e, receivedAt)
      if (v.ok) {
        pending.push(v.entry)
        pendingBytes += entryBytes(v.entry)
      } else {
        rejected++
        ingestor.reject(PROTOCOL, v.reason)
        if (errors.length < MAX_REPORTED_ERRORS) errors.push({ index, error: v.error })
      }
      index++
    }
    for await (const chunk of body) {
      if (failure) break
      receivedAt = nowTimestamp()
      ingestor.decode(PROTOCOL, () => reader.push(chunk as Buffer, onEntry))
      // A batch is full, or the sender has nothing more right now (a --follow upload waiting for new entries).
      if (pending.length >= config.maxBatchEntries || pendingBytes >= config.maxBatchBytes || body.readableLength === 0) flush()
      while (inflightBytes > config.maxBatchBytes && failure === undefined) await Promise.race(inflight)
    }
    if (failure === undefined) {
      ingestor.decode(PROTOCOL, () => reader.end(onEntry))
      flush()
    }
    await Promise.all(inflight)
    if (failure !== undefined) throw failure
    if (rejected > 0) {
      const res: BatchPartialResponse = {
        status: 'error',
        error: `${rejected} of ${index} journal entries rejected; the other ${accepted} were accepted`,
        accepted,
        rejected,
        errors,
      }
      return reply.code(400).send(res)
    }
    const res: BatchAcceptedResponse = { status: 'accepted', accepted }
    return reply.code(202).send(res)
  })
}
