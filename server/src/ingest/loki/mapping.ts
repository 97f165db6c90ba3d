/**
 * Loki stream entry -> entry: the one mapping of `POST /loki/api/v1/push` (table in README.md beside
 * this file). The line is the message, verbatim; stream labels and structured metadata give the
 * service, the level and the attributes.
 */
import { AttributeBag, normalize, parseLevelLenient, type Level, type Validated } from '../../model/index.js'

/** Label (or structured-metadata) names, first present wins. */
export const SERVICE_LABELS = ['service_name', 'service', 'app', 'application', 'job'] as const
export const LEVEL_LABELS = ['level', 'detected_level', 'severity', 'lvl', 'loglevel'] as const
const TRACE_KEYS = ['trace_id', 'traceid', 'traceID'] as const
const SPAN_KEYS = ['span_id', 'spanid', 'spanID'] as const

/** What Loki itself calls a stream without a service label. */
export const DEFAULT_SERVICE = 'unknown_service'

export function mapEntry(
  labels: Record<string, string>,
  metadata: Record<string, string> | undefined,
  timestamp: string | undefined,
  line: unknown,
  receivedAt: string,
): Validated {
  const used = new Set<string>()
  const find = (names: readonly string[]): string | undefined => {
    for (const n of names) {
      const v = labels[n] ?? metadata?.[n]
      if (v !== undefined && v !== '') {
        used.add(n)
        return v
      }
    }
    return undefined
  }
  const service = find(SERVICE_LABELS) ?? DEFAULT_SERVICE
  const rawLevel = find(LEVEL_LABELS)
  const level: Level = rawLevel !== undefined ? parseLevelLenient(rawLevel) : typeof line === 'string' ? levelFromLine(line) : 'info'
  const trace = find(TRACE_KEYS)
  const span = find(SPAN_KEYS)

  const attrs = new AttributeBag()
  for (const k in labels) if (!used.has(k)) attrs.add(k, labels[k])
  if (metadata) for (const k in metadata) if (!used.has(k)) attrs.add(k, metadata[k])
  return normalize({ level, message: line, service, timestamp, attributes: attrs.map, trace_id: trace, span_id: span }, receivedAt)
}

const JSON_LEVEL = /"(?:level|severity|lvl|loglevel)"\s*:\s*(?:"([A-Za-z]{1,16})"|(\d{1,2}))/
const LOGFMT_LEVEL = /(?:^|\s)(?:level|lvl|severity)=("?)([A-Za-z]{1,16})\1(?:\s|$)/

/**
 * Without a level label, the level is read from the line as Loki's `detected_level` does for JSON
 * (`"level":"warn"`, pino's `"level":40`) and logfmt (`level=warn`) lines; otherwise `info`.
 */
export function levelFromLine(line: string): Level {
  const head = line.length > 2048 ? line.slice(0, 2048) : line
  if (head.startsWith('{')) {
    const m = JSON_LEVEL.exec(head)
    if (m) {
      if (m[1] !== undefined) return parseLevelLenient(m[1])
      const n = Number(m[2])
      return n >= 60 ? 'fatal' : n >= 50 ? 'error' : n >= 40 ? 'warn' : n >= 30 ? 'info' : n >= 10 ? 'debug' : 'info'
    }
    return 'info'
  }
  const m = LOGFMT_LEVEL.exec(head)
  return m?.[2] !== undefined ? parseLevelLenient(m[2]) : 'info'
}
