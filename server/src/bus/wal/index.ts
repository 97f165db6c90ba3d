/** The write-ahead log that the embedded bus runs on (issue 12). */
export { WalBus, type WalOptions } from './transport.js'
export { WalLog, Delivery, type LogOptions } from './log.js'
export type { WalSync } from './writer.js'
export { DEFAULT_SEGMENT_BYTES } from './segment.js'
