// OTLP/HTTP logs (/v1/logs) through the OpenTelemetry JS SDK's own exporters (JSON and protobuf), against the built server.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { logsOf, recordingProxy, rejected, startProtocolServer, type ProtocolServer } from './helpers.ts'

let srv: ProtocolServer
before(async () => {
  srv = await startProtocolServer()
})
after(async () => {
  await srv?.stop()
  srv?.cleanup()
})

const TRACE_ID = '5b8efff798038103d269b633813fc60c'
const SPAN_ID = 'eee19b7ec3c1b174'

/** Records each export's result code (0 = SUCCESS), which the batch processor would swallow. */
function recording(exporter: LogRecordExporter): { exporter: LogRecordExporter; codes: number[] } {
  const codes: number[] = []
  return {
    codes,
    exporter: {
      export: (logs: ReadableLogRecord[], cb) =>
        exporter.export(logs, (r) => {
          codes.push(r.code)
          if (r.error) codes.push(-1)
          cb(r)
        }),
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    },
  }
}

async function emitThrough(exporter: LogRecordExporter, service: string, n: number) {
  const rec = recording(exporter)
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '3.0.0', 'deployment.environment': 'test' }),
    processors: [new BatchLogRecordProcessor({ exporter: rec.exporter, maxExportBatchSize: 100, scheduledDelayMillis: 50 })],
  })
  const logger = provider.getLogger('billing.module', '1.4.0')
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED })
  const base = Date.parse('2025-04-01T08:00:00.000Z')
  for (let i = 0; i < n; i++) {
    logger.emit({
      timestamp: new Date(base + i),
      severityNumber: i % 2 === 0 ? SeverityNumber.WARN : SeverityNumber.ERROR2,
      severityText: i % 2 === 0 ? 'WARN' : 'ERROR',
      body: i === 0 ? { structured: true, n: 1 } : `invoice ${i} failed`,
      attributes: { 'invoice.id': i, retry: i % 2 === 0, customer: { tier: 'gold' } },
      context: ctx,
    })
  }
  await provider.forceFlush()
  await provider.shutdown()
  return rec.codes
}

function checkStored(rows: Awaited<ReturnType<typeof logsOf>>, service: string) {
  const [first, second] = rows
  assert.ok(first && second)
  assert.equal(first.service, service)
  assert.equal(first.timestamp, '2025-04-01T08:00:00.000Z')
  assert.equal(first.level, 'warn')
  assert.equal(first.message, '{"structured":true,"n":1}')
  assert.equal(first.trace_id, TRACE_ID)
  assert.equal(first.span_id, SPAN_ID)
  assert.deepEqual(first.attributes, {
    'invoice.id': '0',
    retry: 'true',
    'customer.tier': 'gold',
    'otel.scope.name': 'billing.module',
    'otel.scope.version': '1.4.0',
    'service.version': '3.0.0',
    'deployment.environment': 'test',
  })
  assert.equal(second.message, 'invoice 1 failed')
  assert.equal(second.level, 'error')
  assert.equal(second.timestamp, '2025-04-01T08:00:00.001Z')
}

test('exporter-logs-otlp-http (JSON) round trip', async () => {
  const proxy = await recordingProxy(srv.url)
  try {
    const codes = await emitThrough(new JsonExporter({ url: `${proxy.url}/v1/logs` }), 'otel-json', 250)
    assert.ok(codes.length >= 3 && codes.every((c) => c === 0), `export results ${codes}`)
    assert.ok(proxy.seen.every((s) => s.headers['content-type'] === 'application/json' && s.status === 200))
    const rows = await logsOf(srv, 'otel-json', 250)
    assert.equal(rows.length, 250)
    checkStored(rows, 'otel-json')
  } finally {
    await proxy.close()
  }
})

test('exporter-logs-otlp-proto (protobuf, gzip) round trip', async () => {
  const proxy = await recordingProxy(srv.url)
  try {
    const codes = await emitThrough(
      new ProtoExporter({ url: `${proxy.url}/v1/logs`, compression: CompressionAlgorithm.GZIP }),
      'otel-proto',
      250,
    )
    assert.ok(codes.length >= 3 && codes.every((c) => c === 0), `export results ${codes}`)
    assert.ok(proxy.seen.length >= 3)
    for (const s of proxy.seen) {
      assert.equal(s.headers['content-type'], 'application/x-protobuf')
      assert.equal(s.headers['content-encoding'], 'gzip')
    }
    const rows = await logsOf(srv, 'otel-proto', 250)
    assert.equal(rows.length, 250)
    checkStored(rows, 'otel-proto')
  } finally {
    await proxy.close()
  }
})

const partialRequest = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otel-partial' } }] },
      scopeLogs: [
        {
          logRecords: [
            { timeUnixNano: '1735732800000000000', severityNumber: 9, body: { stringValue: 'fine' } },
            { timeUnixNano: '1735732800000000000', body: { stringValue: '' } },
            { timeUnixNano: '1735732800000000000', body: { stringValue: 'x'.repeat(20_000) } },
          ],
        },
      ],
    },
  ],
}

test('partial success: rejected records are counted in the response, the others stored', async () => {
  const r = await fetch(`${srv.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(partialRequest),
  })
  assert.equal(r.status, 200)
  const body = (await r.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } }
  assert.equal(Number(body.partialSuccess.rejectedLogRecords), 2)
  assert.match(body.partialSuccess.errorMessage, /empty.*10240 bytes|10240 bytes.*empty/)
  assert.equal((await logsOf(srv, 'otel-partial', 1))[0]?.message, 'fine')
  assert.ok((await rejected(srv, 'otlp', 'message_too_long')) >= 1)
})

test('protobuf answers are protobuf: ExportLogsServiceResponse and google.rpc.Status', async () => {
  // The SDK's exporters sent protobuf above; here a hand-made request with bad records, and the
  // answer read by the SDK's own response decoder.
  const { encodeRequest } = await import('../../server/src/ingest/otlp/proto.ts')
  const payload = encodeRequest(partialRequest)
  const r = await fetch(`${srv.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    body: gzipSync(payload),
  })
  assert.equal(r.status, 200)
  assert.equal(r.headers.get('content-type'), 'application/x-protobuf')
  const decoded = ProtobufLogsSerializer.deserializeResponse(new Uint8Array(await r.arrayBuffer()))
  assert.equal(Number(decoded.partialSuccess?.rejectedLogRecords), 2)
  assert.match(String(decoded.partialSuccess?.errorMessage), /message/)

  const bad = await fetch(`${srv.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: Buffer.from([0x0a, 0xff, 0xff, 0x01]),
  })
  assert.equal(bad.status, 400)
  assert.equal(bad.headers.get('content-type'), 'application/x-protobuf')
  const status = Buffer.from(await bad.arrayBuffer())
  assert.equal(status[0], 0x08) // field 1 (code), varint
  assert.equal(status[1], 3) // INVALID_ARGUMENT
  assert.match(status.toString('utf8'), /malformed protobuf/)
  assert.ok((await rejected(srv, 'otlp', 'malformed_request')) >= 1)

  const badJson = await fetch(`${srv.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"resourceLogs":',
  })
  assert.equal(badJson.status, 400)
  const st = (await badJson.json()) as { code: number; message: string }
  assert.equal(st.code, 3)
  assert.match(st.message, /JSON/)
})
