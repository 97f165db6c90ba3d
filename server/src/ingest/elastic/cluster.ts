/**
 * The calls Elasticsearch clients and shippers make before they send a `_bulk`: the version
 * handshake (`GET /`), licence and health probes, and template / ILM / pipeline set-up. Only as
 * much is answered as makes them proceed; nothing of it changes how entries are stored.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'

const CLUSTER = 'oglogstream'
const CLUSTER_UUID = randomUUID()
const NODE_ID = randomUUID().replaceAll('-', '').slice(0, 22)

/**
 * Clients of the 9.x line announce `compatible-with=9` and are answered as a 9.x cluster; every
 * other client (Filebeat, Logstash, Vector, Fluent Bit, rsyslog, 8.x clients) sees 8.x, the line they
 * all accept.
 */
export function esVersion(req: FastifyRequest): string {
  const h = `${req.headers.accept ?? ''} ${req.headers['content-type'] ?? ''}`
  return /compatible-with=9/.test(h) ? '9.0.0' : '8.17.0'
}

function info(req: FastifyRequest) {
  return {
    name: CLUSTER,
    cluster_name: CLUSTER,
    cluster_uuid: CLUSTER_UUID,
    version: {
      number: esVersion(req),
      build_flavor: 'default',
      build_type: 'docker',
      build_hash: '0000000000000000000000000000000000000000',
      build_date: '2025-01-01T00:00:00.000Z',
      build_snapshot: false,
      lucene_version: '9.12.0',
      minimum_wire_compatibility_version: '7.17.0',
      minimum_index_compatibility_version: '7.0.0',
    },
    tagline: 'You Know, for Search',
  }
}

const acknowledged = { acknowledged: true }

export async function clusterRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', async (req) => info(req)) // Fastify answers HEAD from the GET route

  app.get('/_license', async () => ({
    license: {
      status: 'active',
      uid: CLUSTER_UUID,
      type: 'basic',
      issue_date: '2025-01-01T00:00:00.000Z',
      issue_date_in_millis: 1735689600000,
      max_nodes: 1000,
      issued_to: CLUSTER,
      issuer: 'elasticsearch',
      start_date_in_millis: -1,
    },
  }))
  app.get('/_xpack', async () => ({
    build: {},
    license: { uid: CLUSTER_UUID, type: 'basic', mode: 'basic', status: 'active' },
    features: {},
  }))

  const health = async () => ({
    cluster_name: CLUSTER,
    status: 'green',
    timed_out: false,
    number_of_nodes: 1,
    number_of_data_nodes: 1,
    active_primary_shards: 1,
    active_shards: 1,
    relocating_shards: 0,
    initializing_shards: 0,
    unassigned_shards: 0,
  })
  app.get('/_cluster/health', health)
  app.get('/_cluster/health/*', health)
  // rsyslog omelasticsearch probes `_cat/health` before its first bulk.
  app.get('/_cat/health', async (_req, reply) => {
    reply.type('text/plain; charset=utf-8')
    return `${Math.floor(Date.now() / 1000)} 00:00:00 ${CLUSTER} green 1 1 1 1 0 0 0 0 - 100.0%\n`
  })

  const nodes = async (req: FastifyRequest) => {
    const host = req.host
    return {
      _nodes: { total: 1, successful: 1, failed: 0 },
      cluster_name: CLUSTER,
      nodes: {
        [NODE_ID]: {
          name: CLUSTER,
          host: req.hostname,
          ip: req.socket.localAddress ?? '127.0.0.1',
          version: esVersion(req),
          roles: ['data', 'ingest', 'master'],
          http: { bound_address: [host], publish_address: host, max_content_length_in_bytes: 104857600 },
        },
      },
    }
  }
  app.get('/_nodes', nodes)
  app.get('/_nodes/*', nodes)

  // Template, ILM and pipeline set-up (Filebeat, Logstash, Vector): every name exists, every
  // change is acknowledged, so shippers go on to `_bulk`. Our schema is fixed; see README.md.
  const found: Record<string, (name: string) => unknown> = {
    _index_template: (name) => ({
      index_templates: [{ name, index_template: { index_patterns: [`${name}*`], template: {}, composed_of: [] } }],
    }),
    _component_template: (name) => ({ component_templates: [{ name, component_template: { template: {} } }] }),
    _template: (name) => ({ [name]: { order: 0, index_patterns: [`${name}*`], settings: {}, mappings: {}, aliases: {} } }),
    '_ilm/policy': (name) => ({ [name]: { version: 1, modified_date: '2025-01-01T00:00:00.000Z', policy: { phases: {} } } }),
    '_ingest/pipeline': (name) => ({ [name]: { description: '', processors: [] } }),
  }
  for (const [path, body] of Object.entries(found)) {
    app.get(`/${path}/:name`, async (req) => body((req.params as { name: string }).name))
    app.route({ method: ['PUT', 'POST', 'DELETE'], url: `/${path}/:name`, handler: async () => acknowledged })
  }
  app.get('/_ilm/policy', async () => ({}))
  app.get('/_data_stream/:name', async (req) => ({
    data_streams: [{ name: (req.params as { name: string }).name, timestamp_field: { name: '@timestamp' }, status: 'GREEN', indices: [] }],
  }))
  app.put('/_data_stream/:name', async () => acknowledged)
}
