/**
 * The ingest role: every protocol's routes, each in its own folder, all handing entries to the
 * same Ingestor (group commit -> bus).
 */
import type { FastifyInstance } from 'fastify'
import type { IngestContext } from './context.js'
import { elasticRoutes } from './elastic/routes.js'
import { journaldRoutes } from './journald/routes.js'
import { jsonRoutes } from './json/routes.js'
import { lokiRoutes } from './loki/routes.js'
import { otlpRoutes } from './otlp/routes.js'

export { GroupCommit } from './commit.js'
export { Ingestor } from './ingestor.js'
export { TenantQuotas } from './quota.js'
export { IngestMetrics } from './metrics.js'
export type { IngestContext } from './context.js'
export { SyslogServer } from './syslog/server.js'

export async function ingestRoutes(app: FastifyInstance, ctx: IngestContext): Promise<void> {
  app.addHook('onRequest', ctx.auth)
  await app.register(jsonRoutes, ctx)
  // Protocols of log shippers (SPEC §3), each mapped onto the same entry in its folder's mapping.ts.
  await app.register(elasticRoutes, { ...ctx, prefix: '/es' })
  await app.register(lokiRoutes, ctx)
  await app.register(otlpRoutes, ctx)
  await app.register(journaldRoutes, ctx)
}
