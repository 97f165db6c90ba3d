/**
 * Shared by the protocol suites: the built server with its syslog listeners on free ports, polling
 * GET /api/logs until entries are queryable, reading /metrics, and a recording proxy that shows what
 * a client library really put on the wire (content type and encoding).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startServer, waitFor, type RunningServer } from '../helpers/server.ts'

export interface ProtocolServer extends RunningServer {
  syslogTcp: number
  syslogUdp: number
}

export async function startProtocolServer(env: Record<string, string> = {}, dataDir?: string): Promise<ProtocolServer> {
  const srv = await startServer({
    env: { RATE_LIMIT_MAX: '0', SYSLOG_TCP_PORT: '0', SYSLOG_UDP_PORT: '0', ...env },
    ...(dataDir ? { dataDir } : {}),
  })
  const m = /"tcp":(\d+),"udp":(\d+)[^\n]*"msg":"syslog listening"/.exec(srv.output())
  if (!m) throw new Error(`no syslog listening line in:\n${srv.output()}`)
  return Object.assign(srv, { syslogTcp: Number(m[1]), syslogUdp: Number(m[2]) })
}

export interface ApiEntry {
  timestamp: string
  level: string
  service: string
  message: string
  attributes?: Record<string, string>
  trace_id?: string
  span_id?: string
}

/** Entries of `service` (all time), polled until there are at least `n`. */
export async function logsOf(srv: RunningServer, service: string, n: number, timeoutMs = 30_000): Promise<ApiEntry[]> {
  const url = `${srv.url}/api/logs?service=${encodeURIComponent(service)}&from=1970-01-01T00:00:00Z&limit=1000&order=asc`
  return waitFor(
    async () => {
      const res = await fetch(url)
      if (!res.ok) throw new Error(`GET /api/logs ${res.status}: ${await res.text()}`)
      const rows = (await res.json()) as ApiEntry[]
      return rows.length >= n ? rows : undefined
    },
    timeoutMs,
    100,
  )
}

/** `oglogstream_entries_rejected_total{protocol,reason}` (0 when absent). */
export async function rejected(srv: RunningServer, protocol: string, reason: string): Promise<number> {
  const text = await (await fetch(`${srv.url}/metrics`)).text()
  const re = new RegExp(`^oglogstream_entries_rejected_total\\{[^}]*protocol="${protocol}"[^}]*reason="${reason}"[^}]*\\} (\\d+)`, 'm')
  const alt = new RegExp(`^oglogstream_entries_rejected_total\\{[^}]*reason="${reason}"[^}]*protocol="${protocol}"[^}]*\\} (\\d+)`, 'm')
  const m = re.exec(text) ?? alt.exec(text)
  return m ? Number(m[1]) : 0
}

/** `oglogstream_entries_accepted_total{protocol}` (0 when absent). */
export async function accepted(srv: RunningServer, protocol: string): Promise<number> {
  const text = await (await fetch(`${srv.url}/metrics`)).text()
  const m = new RegExp(`^oglogstream_entries_accepted_total\\{protocol="${protocol}"\\} (\\d+)`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}

export interface Seen {
  method: string
  path: string
  headers: IncomingHttpHeaders
  status: number
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'expect', 'upgrade'])

/** An HTTP proxy in front of `target` that records each request's headers and the answer's status. */
export async function recordingProxy(target: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = []
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !HOP_BY_HOP.has(k)) headers[k] = v
    try {
      const body = ['GET', 'HEAD'].includes(req.method ?? '') ? undefined : Buffer.concat(chunks)
      const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers, body })
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, status: upstream.status })
      const out = Buffer.from(await upstream.arrayBuffer())
      const resHeaders: Record<string, string> = {}
      upstream.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') resHeaders[k] = v
      })
      res.writeHead(upstream.status, resHeaders).end(out)
    } catch (err) {
      res.writeHead(502).end(String(err))
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/** Epoch ms rounded to the second, recent enough to be in any default time range. */
export function recentSecond(offsetMs = 0): Date {
  return new Date(Math.floor((Date.now() - 60_000 + offsetMs) / 1000) * 1000)
}
