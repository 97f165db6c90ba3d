/**
 * The dashboard's built files (web/dist) at `/`, and index.html for the dashboard's other pages,
 * so that links into the single-page app (`/live?level=error`) work.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { Errors } from '../errors.js'

/** web/dist of the repository, from the source tree (server/src/http) or the bundle (server/dist). */
export function defaultWebDir(): string {
  const candidates = ['../../../web/dist', '../../web/dist'].map((p) => fileURLToPath(new URL(p, import.meta.url)))
  return candidates.find((d) => existsSync(`${d}/index.html`)) ?? (candidates[0] as string)
}

export async function webRoutes(app: FastifyInstance, { dir }: { dir: string }): Promise<void> {
  if (!existsSync(`${dir}/index.html`)) {
    app.log.warn({ dir }, 'dashboard not built; run `make build` to serve it at /')
    app.get('/', async () => {
      throw new Errors.DASHBOARD_NOT_BUILT(dir)
    })
    return
  }
  await app.register(fastifyStatic, { root: dir, prefix: '/', wildcard: false, index: ['index.html'], maxAge: 0 })
  // The single-page app's own paths get index.html. Not a not-found handler: the root context
  // already has one (http/errors.ts), and Fastify allows one per prefix.
  for (const path of DASHBOARD_PATHS) {
    app.get(path, async (_req, reply) => reply.header('Cache-Control', 'no-cache').sendFile('index.html'))
  }
}

/** Pages of the dashboard (web/src/App.vue) besides `/`, so that links into them work. */
export const DASHBOARD_PATHS = ['/live', '/stats', '/alerts'] as const
