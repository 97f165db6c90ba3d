// The write-ahead log that the embedded transport runs on (issue 12).
export { WalBus, type WalOptions } from './transport.js'
export type { WalSync } from './writer.js'
