/**
 * Syslog message parsers: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`) and RFC 3164,
 * the BSD format (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`) with the variations real senders use
 * (an RFC 3339 timestamp, a year, no hostname, no PRI). Pure functions: no exception on any input.
 */

export interface SyslogMessage {
  format: 'rfc5424' | 'rfc3164'
  facility: number
  severity: number
  /** RFC 3339 text as sent (5424), or the canonical form (3164); undefined when there is none. */
  timestamp?: string
  hostname?: string
  appName?: string
  procId?: string
  msgId?: string
  /** Structured data: SD-ID -> param name -> value (5424). */
  structuredData?: Record<string, Record<string, string>>
  message: string
}

export type ParseResult = { ok: true; msg: SyslogMessage } | { ok: false; error: string }

/** RFC 3164 §4.3.3: a message without PRI is taken as user.notice. */
const DEFAULT_PRI = 13

export function parseSyslog(input: string): ParseResult {
  let s = input
  if (s.charCodeAt(s.length - 1) === 10) s = s.slice(0, -1)
  if (s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1)
  let pri = DEFAULT_PRI
  let rest = s
  if (s.startsWith('<')) {
    const m = /^<(\d{1,3})>/.exec(s)
    if (!m) return { ok: false, error: 'PRI must be <0> .. <191>' }
    pri = Number(m[1])
    if (pri > 191) return { ok: false, error: `PRI <${pri}> is out of range 0..191` }
    rest = s.slice(m[0].length)
  }
  const facility = pri >> 3
  const severity = pri & 7
  if (rest.startsWith('1 ')) return parse5424(rest.slice(2), facility, severity)
  return { ok: true, msg: parse3164(rest, facility, severity) }
}

const NIL = '-'

function parse5424(s: string, facility: number, severity: number): ParseResult {
  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID: five space-separated header fields
  const header: string[] = []
  let i = 0
  for (let f = 0; f < 5; f++) {
    const end = s.indexOf(' ', i)
    if (end === -1) {
      // the header may end the message when there is neither SD nor MSG (not allowed, but seen)
      if (f === 4 && i < s.length) {
        header.push(s.slice(i))
        i = s.length
        break
      }
      return { ok: false, error: 'RFC 5424 header is incomplete (TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA)' }
    }
    header.push(s.slice(i, end))
    i = end + 1
  }
  const [ts, host, app, proc, msgid] = header as [string, string, string, string, string]
  let sd: Record<string, Record<string, string>> | undefined
  if (i < s.length) {
    if (s[i] === '-') i++
    else if (s[i] === '[') {
      const r = parseStructuredData(s, i)
      if (typeof r === 'string') return { ok: false, error: r }
      sd = r.sd
      i = r.end
    } else return { ok: false, error: "RFC 5424 STRUCTURED-DATA must be '-' or start with '['" }
    if (i < s.length && s[i] !== ' ') return { ok: false, error: 'RFC 5424 STRUCTURED-DATA must be followed by a space' }
    i++
  }
  let message = i < s.length ? s.slice(i) : ''
  if (message.charCodeAt(0) === 0xfeff) message = message.slice(1) // the UTF-8 BOM of RFC 5424 §6.4
  const msg: SyslogMessage = { format: 'rfc5424', facility, severity, message }
  if (ts !== NIL) msg.timestamp = ts
  if (host !== NIL && host !== '') msg.hostname = host
  if (app !== NIL && app !== '') msg.appName = app
  if (proc !== NIL && proc !== '') msg.procId = proc
  if (msgid !== NIL && msgid !== '') msg.msgId = msgid
  if (sd) msg.structuredData = sd
  return { ok: true, msg }
}

/** `[id name="value" ...][id2 ...]` from `start`; returns the data and the index after it, or an error. */
function parseStructuredData(s: string, start: number): { sd: Record<string, Record<string, string>>; end: number } | string {
  const sd: Record<string, Record<string, string>> = Object.create(null) as Record<string, Record<string, string>>
  let i = start
  while (s[i] === '[') {
    i++
    const idEnd = scanName(s, i)
    if (idEnd === i) return 'RFC 5424 SD-ID is empty'
    const id = s.slice(i, idEnd)
    i = idEnd
    const params: Record<string, string> = sd[id] ?? (Object.create(null) as Record<string, string>)
    sd[id] = params
    for (;;) {
      if (s[i] === ']') {
        i++
        break
      }
      if (s[i] !== ' ') return `RFC 5424 SD-ELEMENT [${id}: expected ' ' or ']'`
      i++
      const nameEnd = scanName(s, i)
      if (nameEnd === i) return `RFC 5424 SD-ELEMENT [${id}: empty PARAM-NAME`
      const name = s.slice(i, nameEnd)
      i = nameEnd
      if (s[i] !== '=' || s[i + 1] !== '"') return `RFC 5424 SD-PARAM ${name}: expected ="value"`
      i += 2
      let value = ''
      for (;;) {
        if (i >= s.length) return `RFC 5424 SD-PARAM ${name}: unterminated value`
        const c = s[i] as string
        if (c === '"') {
          i++
          break
        }
        // RFC 5424 §6.3.3: only \" \\ and \] are escapes; any other backslash is itself
        if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\' || s[i + 1] === ']')) {
          value += s[i + 1]
          i += 2
          continue
        }
        value += c
        i++
      }
      params[name] = value
    }
  }
  return { sd, end: i }
}

/** SD-NAME: printable US-ASCII except '=', ' ', ']', '"'. */
function scanName(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (c <= 32 || c >= 127 || c === 61 || c === 93 || c === 34) break
    i++
  }
  return i
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 }
const BSD_TIME = /^([A-Z][a-z]{2}) ([ \d]\d)(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? /
const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) /
// `tag:`, `tag[pid]:`, and `tag[pid]` without the colon (rsyslog's forward format of a 5424 message)
const TAG = /^([^\s[\]:]{1,64})(?:\[([^\]\s]{0,64})\]:?|:)(?: |$)/

/**
 * RFC 3164 has no year and no zone: the time is read in this process's local zone (UTC in our
 * images), in the current year, or the previous one when that would put it over a day ahead.
 */
function parse3164(s: string, facility: number, severity: number, now = new Date()): SyslogMessage {
  const msg: SyslogMessage = { format: 'rfc3164', facility, severity, message: s }
  let rest = s
  const iso = ISO_TIME.exec(rest)
  const bsd = iso ? null : BSD_TIME.exec(rest)
  if (iso) {
    msg.timestamp = iso[1]
    rest = rest.slice(iso[0].length)
  } else if (bsd) {
    const [, mon, day, year, hh, mm, ss, frac = ''] = bsd
    const month = MONTHS[mon as string]
    if (month !== undefined) {
      const y = year ? Number(year) : now.getFullYear()
      let d = new Date(y, month, Number(day), Number(hh), Number(mm), Number(ss))
      if (!year && d.getTime() - now.getTime() > 86_400_000) d = new Date(y - 1, month, Number(day), Number(hh), Number(mm), Number(ss))
      if (!Number.isNaN(d.getTime()) && d.getDate() === Number(day)) {
        msg.timestamp = `${d.toISOString().slice(0, 19)}.${(frac + '000000000').slice(0, 9)}Z`
        rest = rest.slice(bsd[0].length)
      }
    }
  }
  if (msg.timestamp !== undefined) {
    // HOSTNAME, unless the next word is already the TAG (local senders leave the hostname out)
    const sp = rest.indexOf(' ')
    const word = sp === -1 ? rest : rest.slice(0, sp)
    if (word !== '' && !TAG.test(word + ' ') && sp !== -1) {
      msg.hostname = word
      rest = rest.slice(sp + 1)
    }
  }
  const tag = TAG.exec(rest)
  if (tag) {
    msg.appName = tag[1]
    if (tag[2]) msg.procId = tag[2]
    rest = rest.slice(tag[0].length)
  }
  msg.message = rest
  return msg
}

export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const
