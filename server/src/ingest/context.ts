import type { AuthHook } from '../auth/keys.js'
import type { IngestOptions } from '../config.js'
import type { Ingestor } from './ingestor.js'

/** What each protocol's Fastify plugin is given: the ingestor to hand entries to, and the ingest options. */
export interface IngestContext {
  ingestor: Ingestor
  config: IngestOptions
  /** Checks the API key of the ingest scope (auth/keys.ts), composed in app.ts. */
  auth: AuthHook
}
