/**
 * `GET /api/export`: every matching entry, streamed page by page with the cursor so that memory
 * stays bounded whatever the size of the result (the embedded client buffers a whole result).
 */
import { queries, type Conditions } from '../store/index.js'

const PAGE = 5_000
const CSV_COLUMNS = ['timestamp', 'level', 'service', 'message', 'trace_id', 'span_id', 'attributes', 'pattern_id'] as const

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}

export async function* exportStream(
  ctx: queries.QueryContext,
  filter: Conditions,
  order: 'asc' | 'desc',
  format: 'ndjson' | 'csv',
): AsyncGenerator<string> {
  if (format === 'csv') yield CSV_COLUMNS.join(',') + '\n'
  let cursor: queries.Cursor | undefined
  for (;;) {
    const page = await queries.listLogs(ctx, filter, { limit: PAGE, order, cursor })
    let chunk = ''
    for (const e of page.entries) {
      if (format === 'ndjson') chunk += JSON.stringify(e) + '\n'
      else {
        chunk +=
          [e.timestamp, e.level, e.service, e.message, e.trace_id ?? '', e.span_id ?? '', e.attributes ? JSON.stringify(e.attributes) : '', e.pattern_id ?? '']
            .map(csvField)
            .join(',') + '\n'
      }
    }
    if (chunk) yield chunk
    if (!page.next) return
    cursor = page.next
  }
}
