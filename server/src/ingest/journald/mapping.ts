/**
 * Journal entry -> entry: the one mapping of `POST /journal/upload` (table in README.md beside this
 * file). MESSAGE is the message, PRIORITY the level (as syslog's severity), SYSLOG_IDENTIFIER or
 * else _SYSTEMD_UNIT the service; the other fields become attributes under their journal names.
 */
import { AttributeBag, fromEpochNanos, normalize, type Validated } from '../../model/index.js'
import { SEVERITY_LEVELS } from '../syslog/mapping.js'
import type { JournalEntry } from './export.js'

/** Service fields, first present wins. */
export const SERVICE_FIELDS = ['SYSLOG_IDENTIFIER', '_SYSTEMD_UNIT', '_SYSTEMD_USER_UNIT', '_COMM'] as const
/** When an entry names none of them. */
export const DEFAULT_SERVICE = 'journald'
/** The time the program logged (sent by the client, journald keeps it) before the time journald received it. */
const TIME_FIELDS = ['_SOURCE_REALTIME_TIMESTAMP', '__REALTIME_TIMESTAMP'] as const
/** The entry's address in its journal file and journald's times: meaningless once stored here. */
const SKIPPED = new Set(['__CURSOR', '__REALTIME_TIMESTAMP', '__MONOTONIC_TIMESTAMP', '__SEQNUM', '__SEQNUM_ID', 'MESSAGE', 'PRIORITY'])

export function mapJournalEntry(e: JournalEntry, receivedAt: string): Validated {
  const values = new Map<string, string>()
  let message: string | undefined
  let messageTruncated = false
  for (const f of e.fields) {
    if (f.name === 'MESSAGE') {
      if (message === undefined) {
        message = f.value.toString('utf8')
        messageTruncated = f.truncated
      }
    } else if (!values.has(f.name)) values.set(f.name, f.value.toString('utf8'))
  }
  if (messageTruncated) return { ok: false, reason: 'message_too_long', error: 'MESSAGE is longer than 10240 bytes (10 KiB) of UTF-8' }

  const used = new Set<string>()
  const find = (names: readonly string[]): string | undefined => {
    for (const n of names) {
      const v = values.get(n)
      if (v !== undefined && v !== '') {
        used.add(n)
        return v
      }
    }
    return undefined
  }
  const service = find(SERVICE_FIELDS) ?? DEFAULT_SERVICE
  const priority = values.get('PRIORITY')
  const level = (priority !== undefined && /^[0-7]$/.test(priority) ? SEVERITY_LEVELS[Number(priority)] : undefined) ?? 'info'

  let timestamp: string | undefined
  const micros = find(TIME_FIELDS)
  if (micros !== undefined) {
    timestamp = /^\d{1,19}$/.test(micros) ? fromEpochNanos(BigInt(micros) * 1000n) : undefined
    if (timestamp === undefined)
      return {
        ok: false,
        reason: 'invalid_timestamp',
        error: `__REALTIME_TIMESTAMP '${micros.slice(0, 32)}' is not microseconds since the epoch between years 1970 and 2261`,
      }
  }

  const attrs = new AttributeBag()
  // SYSLOG_IDENTIFIER is not repeated when it is the service; the unit and the command are kept in
  // any case, so a filter on _SYSTEMD_UNIT finds every entry of a unit.
  for (const [name, value] of values) {
    if (SKIPPED.has(name) || (used.has(name) && (name === 'SYSLOG_IDENTIFIER' || name === '_SOURCE_REALTIME_TIMESTAMP'))) continue
    attrs.set(name, value)
  }
  return normalize({ level, message, service, timestamp, attributes: attrs.map }, receivedAt)
}
