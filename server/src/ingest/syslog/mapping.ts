/**
 * Syslog message -> entry: the one mapping of the syslog listeners (table in README.md beside this
 * file). APP-NAME (5424) or TAG (3164) is the service; the severity gives the level; the header
 * fields and structured data become attributes.
 */
import { AttributeBag, normalize, type Level, type Validated } from '../../model/index.js'
import { FACILITIES, parseSyslog, type SyslogMessage } from './parse.js'

/** When a message names neither an app nor a host. */
export const DEFAULT_SERVICE = 'syslog'

/**
 * Severity 0 emerg, 1 alert, 2 crit -> fatal; 3 err -> error; 4 warning -> warn; 5 notice and
 * 6 info -> info; 7 debug -> debug.
 */
export const SEVERITY_LEVELS: readonly Level[] = ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug']

/** Parses and maps one frame's text; never throws. */
export function mapFrame(text: string, receivedAt: string): Validated {
  const p = parseSyslog(text)
  if (!p.ok) return { ok: false, reason: 'malformed_frame', error: p.error }
  return mapMessage(p.msg, receivedAt)
}

export function mapMessage(m: SyslogMessage, receivedAt: string): Validated {
  const attrs = new AttributeBag()
  if (m.hostname) attrs.set('hostname', m.hostname)
  attrs.set('facility', FACILITIES[m.facility] ?? String(m.facility))
  if (m.procId) attrs.set('procid', m.procId)
  if (m.msgId) attrs.set('msgid', m.msgId)
  if (m.structuredData) {
    for (const id in m.structuredData) {
      const params = m.structuredData[id] as Record<string, string>
      for (const name in params) attrs.set(`${id}.${name}`, params[name] as string)
    }
  }
  return normalize(
    {
      level: SEVERITY_LEVELS[m.severity] ?? 'info',
      message: m.message,
      service: m.appName ?? m.hostname ?? DEFAULT_SERVICE,
      timestamp: m.timestamp,
      attributes: attrs.map,
    },
    receivedAt,
  )
}
