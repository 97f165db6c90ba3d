/**
 * The ingest role: every protocol's routes, each in its own folder, all handing entries to the
 * same Ingestor (group commit -> bus).
 */
import type { FastifyInstance } from 'fastify'
import { requireKey } from '../http/server.js'
import type { IngestContext } from './context.js'
import { jsonRoutes } from './json/routes.js'

export { GroupCommit } from './commit.js'
export { Ingestor } from './ingestor.js'
export type { IngestContext } from './context.js'

export async function ingestRoutes(app: FastifyInstance, ctx: IngestContext): Promise<void> {
  app.addHook('onRequest', requireKey(ctx.config.apiKeysIngest, 'ingest'))
  await app.register(jsonRoutes, ctx)
}
