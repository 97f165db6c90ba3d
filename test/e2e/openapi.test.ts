// GET /api/openapi.json: a valid OpenAPI 3 document (checked by @apidevtools/swagger-parser) in
// which every route the all-in-one process registers is documented (a summary and a tag), and
// GET /api/docs, the readable page of it that the dashboard links to. Over a real listen() too,
// since behind the proxies it is a query-role path.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { createApp, type App } from '../../server/src/app.ts'
import { loadConfig } from '../../server/src/config.ts'
import { registeredRoutes } from '../../server/src/http/openapi/index.ts'
import { ROOT, startServer, type RunningServer } from '../helpers/server.ts'

interface Operation {
  summary?: string
  tags?: string[]
  responses?: Record<string, unknown>
  security?: unknown[]
  parameters?: { name: string; in: string }[]
  requestBody?: { content: Record<string, unknown> }
}
type Doc = { openapi: string; info: { title: string }; paths: Record<string, Record<string, Operation>> }

const dir = mkdtempSync(join(tmpdir(), 'ogls-openapi-'))
let app: App
let doc: Doc

before(async () => {
  app = await createApp(loadConfig('all', { DATA_DIR: dir, RATE_LIMIT_MAX: '0', LOG_LEVEL: 'silent' }))
  await app.server.ready()
  const r = await app.server.inject({ method: 'GET', url: '/api/openapi.json' })
  assert.equal(r.statusCode, 200)
  assert.match(String(r.headers['content-type']), /application\/json/)
  doc = JSON.parse(r.body) as Doc
})
after(async () => {
  await app.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Every (method, path) the server registered (an onRoute hook of the OpenAPI plugin); HEAD twins left out. */
function routes(): { method: string; path: string }[] {
  return registeredRoutes(app.server)
    .filter((r) => r.method !== 'HEAD')
    .map((r) => ({ method: r.method, path: r.url }))
}
/** Fastify's `/a/:b/*` as OpenAPI's `/a/{b}/{*}`. */
const openapiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}')

test('the document is valid OpenAPI 3 (swagger-parser)', async () => {
  assert.equal(doc.openapi, '3.0.3')
  assert.equal(doc.info.title, 'OgLogStream')
  const api = await SwaggerParser.validate(structuredClone(doc) as never)
  assert.ok(api)
})

test('every registered route is documented: summary, tag, responses', () => {
  const all = routes()
  assert.ok(all.length > 60, `found ${all.length} routes`)
  const missing: string[] = []
  for (const { method, path } of all) {
    // The built dashboard's files are served as they are, and CORS preflights answer any path: not the API.
    if (path.startsWith('/assets/') || path === '/index.html' || (method === 'OPTIONS' && path === '*')) continue
    // Fastify serves a prefix's `/` route (GET /es/) at the bare prefix too.
    const op = (doc.paths[openapiPath(path)] ?? doc.paths[`${openapiPath(path)}/`])?.[method.toLowerCase()]
    if (!op?.summary || !op.tags?.length || !op.responses || Object.keys(op.responses).length === 0) missing.push(`${method} ${path}`)
  }
  assert.deepEqual(missing, [])
})

test('ingestion, query, live, alerting and Loki endpoints are there with what a client needs', () => {
  const tags = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((o) => o.tags ?? [])))
  for (const t of ['ingest', 'query', 'live', 'alerting', 'loki', 'operations']) assert.ok(tags.has(t), t)
  const logs = doc.paths['/api/logs']?.get
  assert.deepEqual(
    logs?.parameters
      ?.filter((p) => p.in === 'query')
      .map((p) => p.name)
      .sort(),
    ['cursor', 'from', 'level', 'limit', 'offset', 'order', 'q', 'service', 'to'],
  )
  assert.ok(logs?.security && logs.security.length === 3, 'bearer, X-API-Key or basic')
  assert.deepEqual(Object.keys(doc.paths['/logs']?.post?.requestBody?.content ?? {}).sort(), ['application/json', 'application/x-ndjson'])
  assert.ok(doc.paths['/journal/upload']?.post?.requestBody?.content['application/vnd.fdo.journal'])
  assert.ok(doc.paths['/ws/live']?.get?.responses?.['101'], 'the WebSocket upgrade')
  assert.ok(doc.paths['/loki/api/v1/query_range']?.get && doc.paths['/loki/api/v1/query_range']?.post)
  assert.ok(doc.paths['/api/rules/{namespace}/{name}']?.put)
  assert.equal(doc.paths['/health']?.get?.security, undefined, 'health needs no key')
})

test('GET /api/docs renders the document as a page, every path on it, escaped, no script', async () => {
  const r = await app.server.inject({ method: 'GET', url: '/api/docs' })
  assert.equal(r.statusCode, 200)
  assert.match(String(r.headers['content-type']), /text\/html/)
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'/)
  assert.doesNotMatch(r.body, /<script/i)
  for (const path of Object.keys(doc.paths))
    assert.ok(r.body.includes(`<code>${path.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</code>`), path)
  assert.match(r.body, /href="\/api\/openapi.json"/)
  // The dashboard links to it.
  assert.match(readFileSync(join(ROOT, 'web/src/App.vue'), 'utf8'), /href="\/api\/docs"/)
})

let srv: RunningServer | undefined
test('a running server answers both over HTTP', async () => {
  srv = await startServer()
  try {
    const json = (await (await fetch(`${srv.url}/api/openapi.json`)).json()) as Doc
    assert.deepEqual(Object.keys(json.paths).sort(), Object.keys(doc.paths).sort())
    const page = await fetch(`${srv.url}/api/docs`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<h1>OgLogStream API/)
  } finally {
    await srv.stop()
    srv.cleanup()
  }
})
