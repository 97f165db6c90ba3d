/**
 * `oglogstream query '<q>'` — the terminal client of the query API (SPEC §8), like `logcli` and
 * `vlogscli` with our syntax: GET /api/query, printed as a table, JSON, NDJSON or CSV; `--follow`
 * streams new entries over /ws/live. A bad query exits non-zero with the server's message.
 */
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

const USAGE = `usage: oglogstream query '<q>' [--from now-1h] [--to now] [--limit N] [--url http://localhost:8080]
                         [--api-key KEY] [--output table|json|ndjson|csv] [--follow]`

const OUTPUTS = ['table', 'json', 'ndjson', 'csv'] as const
type Output = (typeof OUTPUTS)[number]

interface Table {
  columns: string[]
  rows: unknown[][]
}

const ENTRY_COLUMNS = ['timestamp', 'level', 'service', 'message']

function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

function csvCell(v: unknown): string {
  const s = cell(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The rows as text in the chosen format; `header` is false for the lines of --follow after the first. */
export function render(t: Table, output: Output, header = true): string {
  const objects = () => t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i] ?? null])))
  switch (output) {
    case 'json':
      return JSON.stringify(objects(), null, 2) + '\n'
    case 'ndjson':
      return objects()
        .map((o) => JSON.stringify(o) + '\n')
        .join('')
    case 'csv':
      return [...(header ? [t.columns] : []), ...t.rows].map((r) => r.map(csvCell).join(',') + '\n').join('')
    case 'table': {
      const text = t.rows.map((r) => r.map((v) => cell(v).replace(/[\r\n\t]+/g, ' ')))
      const widths = t.columns.map((c, i) => Math.min(80, Math.max(c.length, ...text.map((r) => (r[i] ?? '').length))))
      const line = (r: string[]) =>
        r
          .map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd() + '\n'
      return (header ? line(t.columns) : '') + text.map(line).join('')
    }
  }
}

/** Entries (a plain filter, or the live tail) as a table of their main fields and attributes. */
function entriesTable(entries: Record<string, unknown>[]): Table {
  return { columns: [...ENTRY_COLUMNS, 'attributes'], rows: entries.map((e) => [...ENTRY_COLUMNS.map((c) => e[c]), e.attributes ?? null]) }
}

async function fail(res: Response): Promise<never> {
  const text = await res.text()
  let message = text
  try {
    message = (JSON.parse(text) as { error?: string }).error ?? text
  } catch {
    /* not JSON */
  }
  console.error(`oglogstream query: ${res.status}: ${message}`)
  process.exit(1)
}

export async function queryMain(argv: string[]): Promise<void> {
  let args
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string', default: 'now-1h' },
        to: { type: 'string', default: 'now' },
        limit: { type: 'string' },
        url: { type: 'string', default: 'http://localhost:8080' },
        'api-key': { type: 'string' },
        output: { type: 'string', short: 'o', default: 'table' },
        follow: { type: 'boolean', short: 'f', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (err) {
    console.error(`oglogstream query: ${(err as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  const { values: o, positionals } = args
  if (o.help) {
    console.log(USAGE)
    return
  }
  const output = o.output as Output
  if (!OUTPUTS.includes(output)) {
    console.error(`oglogstream query: --output must be one of ${OUTPUTS.join(', ')}, not '${o.output}'`)
    process.exit(2)
  }
  if (positionals.length > 1) {
    console.error(`oglogstream query: one query expected (quote it), got ${positionals.length} arguments\n${USAGE}`)
    process.exit(2)
  }
  const q = positionals[0] ?? ''
  const base = o.url.replace(/\/+$/, '')
  const headers: Record<string, string> = o['api-key'] ? { authorization: `Bearer ${o['api-key']}` } : {}
  if (o.follow) return follow(base, q, headers, output)

  const params = new URLSearchParams({ q, from: o.from, to: o.to, ...(o.limit ? { limit: o.limit } : {}) })
  let res: Response
  try {
    res = await fetch(`${base}/api/query?${params}`, { headers })
  } catch (err) {
    console.error(`oglogstream query: cannot reach ${base}: ${(err as Error).cause ?? (err as Error).message}`)
    process.exit(1)
  }
  if (!res.ok) await fail(res)
  const body = (await res.json()) as Record<string, unknown>[] | { columns: { name: string }[]; rows: unknown[][]; truncated: boolean }
  if (Array.isArray(body)) {
    process.stdout.write(render(entriesTable(body), output))
    if (res.headers.get('x-next-cursor'))
      console.error(`oglogstream query: more entries than --limit (${body.length}); narrow the query or raise --limit`)
    return
  }
  process.stdout.write(render({ columns: body.columns.map((c) => c.name), rows: body.rows }, output))
  if (body.truncated)
    console.error(`oglogstream query: truncated at ${body.rows.length} rows; narrow the query or raise --limit (at most 10000)`)
}

/** Streams new entries matching `q` until interrupted. */
function follow(base: string, q: string, headers: Record<string, string>, output: Output): Promise<void> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/live?${new URLSearchParams(q ? { q } : {})}`, { headers })
  let first = true
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => void fail(new Response(text, { status: res.statusCode ?? 500 })))
    })
    ws.on('error', (err) => {
      console.error(`oglogstream query: cannot follow ${base}: ${err.message}`)
      process.exit(1)
    })
    ws.on('message', (data) => {
      const e = JSON.parse(String(data)) as Record<string, unknown>
      if (e.status === 'error') {
        console.error(`oglogstream query: ${String(e.error)}`)
        process.exit(1)
      }
      const t = entriesTable([e])
      process.stdout.write(
        output === 'json'
          ? JSON.stringify(Object.fromEntries(t.columns.map((c, i) => [c, t.rows[0]?.[i] ?? null]))) + '\n'
          : render(t, output, first),
      )
      first = false
    })
    ws.on('close', () => resolve())
    process.once('SIGINT', () => ws.close())
    process.once('SIGTERM', () => ws.close())
  })
}
