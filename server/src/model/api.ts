import type { LogEntry } from '@oglogstream/shared'
import type { Entry } from './entry.js'
import { toApi } from './time.js'

/** One entry as the API returns it (`/api/logs`, `/api/export`, `WS /ws/live`): the shared `LogEntry`. */
export type ApiEntry = LogEntry

/** An entry as the API shows it: canonical timestamp to RFC 3339, empty optional fields left out. */
export function toApiEntry(e: Entry): ApiEntry {
  const out: ApiEntry = e.id
    ? { id: e.id, timestamp: toApi(e.timestamp), level: e.level, service: e.service, message: e.message }
    : { timestamp: toApi(e.timestamp), level: e.level, service: e.service, message: e.message }
  if (Object.keys(e.attributes).length) out.attributes = e.attributes
  if (e.trace_id) out.trace_id = e.trace_id
  if (e.span_id) out.span_id = e.span_id
  if (e.pattern_id) out.pattern_id = e.pattern_id
  return out
}
