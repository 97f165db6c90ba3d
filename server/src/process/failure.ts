/**
 * What to do with a batch whose insert failed.
 *
 * Seam for dead letters (ARCHITECTURE "The bus in roles"): a deterministic insert error (the batch can
 * never be stored as it is, e.g. a value the store rejects) will send the batch to the dead-letter
 * table instead of retrying it for ever. Not built yet: today every error is retryable, so a store
 * outage never loses accepted entries.
 */
export type InsertFailure = 'retryable'

export function classifyInsertError(_err: unknown): InsertFailure {
  return 'retryable'
}
