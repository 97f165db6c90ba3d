import type { DeadLetterReason } from '../errors.js'

/**
 * What the process role reports, as the interfaces it needs (the process-wide registry provides
 * them; a test can pass its own).
 */
export interface ProcessMetrics {
  /** Entries accepted and not yet stored. */
  readonly queueDepth: { set(entries: number): void }
  readonly insertLatency: { observe(seconds: number): void }
  readonly batchSize: { observe(entries: number): void }
  readonly stored: { inc(entries?: number): void }
  readonly insertErrors: { inc(): void }
  /** Entries sent to the dead-letter table, by reason (errors.ts DEAD_LETTER_REASONS). */
  readonly deadLettered: { inc(labels: { reason: DeadLetterReason }, entries: number): void }
}
