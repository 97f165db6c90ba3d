/**
 * `GET /api/docs`: the OpenAPI document as one readable HTML page, rendered here from the document
 * (no script, no third-party viewer): each tag's operations with their parameters, request bodies
 * and responses. Everything from the document is escaped.
 */

interface Schema {
  type?: string
  description?: string
  properties?: Record<string, Schema>
  items?: Schema
  required?: string[]
  enum?: unknown[]
  format?: string
  additionalProperties?: Schema | boolean
}
interface Operation {
  tags?: string[]
  summary?: string
  description?: string
  parameters?: { name: string; in: string; description?: string; schema?: Schema; required?: boolean }[]
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>
  security?: unknown[]
}
export interface Document {
  info: { title: string; version: string; description?: string }
  tags?: { name: string; description?: string }[]
  paths: Record<string, Record<string, Operation>>
}

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A schema as a compact outline: `{ name: string — description, ... }`. */
function outline(s: Schema | undefined, depth = 0): string {
  if (!s) return ''
  if (depth > 4) return esc(s.type ?? 'object')
  if (s.type === 'array') return `array of ${outline(s.items, depth + 1)}`
  if (s.properties) {
    const rows = Object.entries(s.properties).map(
      ([k, v]) =>
        `<li><code>${esc(k)}</code>${s.required?.includes(k) ? ' <em>required</em>' : ''}: ${outline(v, depth + 1)}${v.description && !v.properties ? ` — ${esc(v.description)}` : ''}</li>`,
    )
    return `object<ul>${rows.join('')}</ul>`
  }
  const t = esc(s.type ?? 'any') + (s.format ? ` (${esc(s.format)})` : '') + (s.enum ? ` ${esc(s.enum.join(' | '))}` : '')
  return t
}

function operation(path: string, method: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${esc(p.schema?.type ?? '')}</td><td>${esc(p.description ?? p.schema?.description ?? '')}</td></tr>`,
    )
    .join('')
  const body = op.requestBody?.content
    ? Object.entries(op.requestBody.content)
        .map(([type, c]) => `<div><code>${esc(type)}</code>: ${outline(c.schema)}</div>`)
        .join('')
    : ''
  const responses = Object.entries(op.responses ?? {})
    .map(([code, r]) => {
      const schema = r.content ? Object.values(r.content)[0]?.schema : undefined
      return `<li><strong>${esc(code)}</strong> ${esc(r.description ?? '')}${schema && code !== 'default' ? `: ${outline(schema)}` : ''}</li>`
    })
    .join('')
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-')
  return `<section class="op" id="${esc(id)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> ${esc(op.summary ?? '')}${op.security ? ' <span class="key">key</span>' : ''}</h3>
${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params ? `<table><tr><th>parameter</th><th>in</th><th>type</th><th>meaning</th></tr>${params}</table>` : ''}
${body ? `<h4>Body</h4>${body}` : ''}
${responses ? `<h4>Responses</h4><ul>${responses}</ul>` : ''}
</section>`
}

export function renderDocsPage(doc: Document): string {
  const byTag = new Map<string, string[]>()
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'other'
      const list = byTag.get(tag) ?? []
      list.push(operation(path, method, op))
      byTag.set(tag, list)
    }
  }
  const tags = [...(doc.tags ?? []).map((t) => t.name), ...[...byTag.keys()].filter((t) => !(doc.tags ?? []).some((x) => x.name === t))]
  const sections = tags
    .filter((t) => byTag.has(t))
    .map(
      (t) =>
        `<h2 id="tag-${esc(t)}">${esc(t)}</h2><p>${esc(doc.tags?.find((x) => x.name === t)?.description ?? '')}</p>${(byTag.get(t) ?? []).join('\n')}`,
    )
  const nav = tags
    .filter((t) => byTag.has(t))
    .map((t) => `<a href="#tag-${esc(t)}">${esc(t)}</a>`)
    .join(' · ')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:0 auto;padding:1rem 1.5rem;color:#1f2937}
code{font:13px ui-monospace,monospace;background:#f3f4f6;padding:0 .25rem;border-radius:3px}
h2{border-bottom:1px solid #e5e7eb;margin-top:2rem;text-transform:capitalize}
.op{border:1px solid #e5e7eb;border-radius:6px;padding:.25rem 1rem;margin:.75rem 0}
.op h3{font-size:1rem;margin:.5rem 0}
.m{display:inline-block;min-width:4.5rem;text-align:center;color:#fff;border-radius:4px;font-size:12px;padding:.1rem .3rem}
.get{background:#2563eb}.post{background:#16a34a}.put{background:#d97706}.delete{background:#dc2626}
.key{font-size:12px;color:#6b7280;border:1px solid #d1d5db;border-radius:4px;padding:0 .3rem}
table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #e5e7eb;padding:.2rem .5rem;text-align:left;vertical-align:top}
ul ul{margin:0}
</style></head>
<body>
<h1>${esc(doc.info.title)} API <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3). Routes marked <span class="key">key</span> need an API key of their scope when keys are configured: <code>Authorization: Bearer &lt;key&gt;</code>, <code>X-API-Key</code> or HTTP Basic with the key as the password. <a href="/">Back to the dashboard</a>.</p>
<nav>${nav}</nav>
${sections.join('\n')}
</body></html>
`
}
