// The bus's public API: the role interfaces, their errors, and the transport that provides them.
export {
  BusFullError,
  BusUnavailableError,
  EntryTooLargeError,
  MessageTooLargeError,
  type BatchLedger,
  type BusStatus,
  type LedgerBatch,
  type Lease,
  type LiveFeed,
  type Publisher,
  type PublishRequest,
  type WorkMessage,
  type WorkQueue,
} from './bus.js'
export { MemoryBus } from './memory.js'
export { openTransport, type Transport, type TransportOptions } from './transport.js'
