// Placeholder while the JetStream bus is written (issue 3); replaced by the real implementation.
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Metrics } from '../http/metrics.js'
import type { Bus } from './bus.js'

export const NatsBus = {
  async connect(_config: Config, _log: Logger, _metrics: Metrics): Promise<Bus> {
    throw new Error('the NATS JetStream bus is not available in this build')
  },
}
