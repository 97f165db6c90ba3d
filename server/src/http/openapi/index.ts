/**
 * `GET /api/openapi.json` and `GET /api/docs`: the OpenAPI 3 document of the routes this process
 * serves, made by @fastify/swagger from every route as Fastify registers it (the Fastify way: its
 * onRoute hook sees each route with its schema). The routes validate with our own code (so that
 * errors keep the catalogue's codes), so their parameter, body and response schemas for the
 * document are in `operations.ts`, merged in by the swagger transform, which only shapes the
 * document and never validates or serializes a request.
 *
 * Must be registered before any route (app.ts does it right after creating the server).
 */
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import { operationDoc } from './operations.js'
import { renderDocsPage } from './page.js'

/** Every route registered on each server after registerOpenApi, hidden ones included (for the tests' completeness check). */
const registered = new WeakMap<FastifyInstance, { method: string; url: string }[]>()
export function registeredRoutes(app: FastifyInstance): readonly { method: string; url: string }[] {
  return registered.get(app) ?? []
}

export interface OpenApiOptions {
  version: string
}

/** Registers the document on `app` itself (not in a child context), so that it sees every route registered after. */
export async function registerOpenApi(app: FastifyInstance, { version }: OpenApiOptions): Promise<void> {
  const routes: { method: string; url: string }[] = []
  registered.set(app, routes)
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) routes.push({ method, url: r.url })
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'OgLogStream',
        version,
        description:
          'Log collection and analytics: HTTP and shipper ingestion, queries, live tail, alerting and the Loki API. Errors are `{"status":"error","error","code"}` with the codes of README "Errors". This document lists the routes of the roles this process runs.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key of the scope the route needs (API_KEYS_INGEST, API_KEYS_QUERY, API_KEYS_METRICS or API_KEYS_FILE)',
          },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          basic: { type: 'http', scheme: 'basic', description: 'Any user name, the key as the password (shippers)' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'ogls_session', description: "The dashboard's session (POST /api/session); from the server's own origin only" },
        },
      },
      tags: [
        { name: 'ingest', description: 'Ingestion: the seed contract and the shipper protocols (ingest role)' },
        { name: 'query', description: 'Queries, export, fields (query role)' },
        { name: 'live', description: 'Live tail over WebSocket (query role)' },
        { name: 'alerting', description: 'Alert rules and their state (query role)' },
        { name: 'loki', description: "Loki's query API for Grafana (query role)" },
        { name: 'elasticsearch', description: 'What Elasticsearch shippers probe before sending bulk requests (ingest role)' },
        { name: 'admin', description: 'Delete by query and the audit log (admin scope, query role)' },
        { name: 'operations', description: 'Health, metrics, this document' },
      ],
    },
    transform: ({ schema, url, route }) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      const doc = operationDoc(methods[0] as string, url)
      // The route's own schema wins over the table where both say something. @fastify/websocket
      // and @fastify/static hide their routes; those the table documents are shown.
      const merged: Record<string, unknown> = { ...doc, ...(schema as Record<string, unknown> | undefined) }
      if (doc.summary !== undefined) merged.hide = false
      return { schema: merged as typeof schema, url }
    },
  })

  app.get('/api/openapi.json', async () => app.swagger())
  app.get('/api/docs', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      // No script at all; its one inline stylesheet is the only thing it needs beyond the default policy.
      .header(
        'Content-Security-Policy',
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      )
      .send(renderDocsPage(app.swagger() as unknown as Document)),
  )
}

type Document = Parameters<typeof renderDocsPage>[0]
