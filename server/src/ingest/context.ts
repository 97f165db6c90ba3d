import type { Config } from '../config.js'
import type { Metrics } from '../http/metrics.js'
import type { Ingestor } from './ingestor.js'

/** What each protocol's Fastify plugin is given: the ingestor to hand entries to, and the config. */
export interface IngestContext {
  ingestor: Ingestor
  config: Config
  metrics: Metrics
}
