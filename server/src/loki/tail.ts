/**
 * `WS /loki/api/v1/tail?query=...`: Loki's live tail on the existing live hub (live/hub.ts). Each
 * entry that matches is sent as Loki's frame `{"streams":[{"stream":{...},"values":[["<ns>","<line>"]]}],
 * "dropped_entries":null}`. The query is a stream selector with line and label filters (what the
 * entry alone can answer); it is matched by the same JS matcher as the `q` live tail (match.ts), with
 * `service_name`/`level` (and their aliases) readable as labels. A parser or formatting stage, or a
 * metric query, is a 400 before the upgrade. With `start`, the entries from `start` to the moment of
 * the upgrade (at most `limit`, default 100, oldest first) come first in one frame, as Loki sends its
 * history; an entry stored during that query may then come twice (live and in the history).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { tenantOf } from '../auth/index.js'
import { Errors } from '../errors.js'
import type { LiveHub } from '../live/hub.js'
import type { LogPipeline } from '../query/search/ir.js'
import type { Entry } from '../model/index.js'
import { matcher } from '../query/search/match.js'
import { LogqlError } from './logql.js'
import { get, nowNs, parseLimit, parseTime, type Form } from './params.js'
import type { Run } from './routes.js'
import { runLogs } from './run.js'
import { translate } from './translate-metric.js'

/** The entry's stream labels: attributes, the service and the level, as the query endpoints show them. */
export function entryLabels(e: Entry): Record<string, string> {
  return { ...e.attributes, service_name: e.service, level: e.level }
}

/** Canonical timestamp → Unix nanoseconds as text. */
export function entryNs(ts: string): string {
  const s = BigInt(Math.floor(Date.parse(ts.slice(0, 19) + 'Z') / 1000))
  return (s * 1_000_000_000n + BigInt(ts.slice(20, 29).padEnd(9, '0'))).toString()
}

function tailQuery(q: string | undefined): LogPipeline {
  if (q === undefined) throw new LogqlError('parse error : syntax error: unexpected $end (the query parameter is required)')
  const t = translate(q)
  if (t.kind !== 'log') throw new LogqlError('tail takes a log query (a stream selector and filters), not a metric query')
  const extra = t.log.stages[0]
  if (extra) throw new LogqlError(`tail supports stream selectors, line filters and label filters on stream labels; | ${extra.kind} is not supported there`)
  return t.log
}

export function tailRoute(app: FastifyInstance, hub: LiveHub, run: Run): void {
  const check = async (req: FastifyRequest) => {
    try {
      const f = req.query as Form
      tailQuery(get(f, 'query'))
      parseLimit(f)
      parseTime(f, 'start', 0n)
    } catch (err) {
      if (err instanceof LogqlError) throw new Errors.BAD_LOGQL(err.message)
      throw err
    }
    if (hub.full) throw new Errors.LIVE_FULL(hub.maxClients)
  }
  app.get('/loki/api/v1/tail', { websocket: true, preValidation: [check] }, (socket, req) => {
    const f = req.query as Form
    const log = tailQuery(get(f, 'query'))
    const match = matcher({ clauses: log.filter.clauses })
    const frame = (streams: unknown) => JSON.stringify({ streams, dropped_entries: null })
    const filter = {
      tenant: tenantOf(req),
      // Labels readable under Loki's names and ours; matched like the `q` live tail.
      match: (e: Entry) =>
        match({ ...e, attributes: { ...e.attributes, service_name: e.service, service: e.service, level: e.level, detected_level: e.level } }),
      encode: (e: Entry) => Buffer.from(frame([{ stream: entryLabels(e), values: [[entryNs(e.timestamp), e.message]] }])),
    }
    const now = nowNs()
    if (!hub.add(socket, filter)) {
      socket.close(1013, `live tail full: LIVE_MAX_CLIENTS (${hub.maxClients}) clients connected; try again later`)
      return
    }
    if (get(f, 'start') === undefined) return
    const start = parseTime(f, 'start', now)
    run('tail', req, (ctx) => runLogs(ctx, log, { start, end: now }, parseLimit(f), 'forward')).then(
      (r) => {
        if (r.streams.length && socket.readyState === socket.OPEN) socket.send(frame(r.streams))
      },
      (err: Error) => {
        if (socket.readyState === socket.OPEN) socket.close(1011, err.message.slice(0, 120))
      },
    )
  })
}
