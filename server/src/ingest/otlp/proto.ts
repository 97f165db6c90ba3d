/**
 * The OTLP/HTTP logs messages we decode and encode, as protobufjs descriptors of
 * opentelemetry/proto/collector/logs/v1/logs_service.proto and logs/v1/logs.proto (field numbers
 * are the wire contract; the names are the lowerCamelCase ones OTLP/JSON uses, so both encodings
 * reach mapping.ts with the same field names).
 */
import protobuf from 'protobufjs'
import { EntryError } from '../../model/index.js'

const root = protobuf.Root.fromJSON(
  lenientStrings({
    nested: {
      otlp: {
        nested: {
          ExportLogsServiceRequest: { fields: { resourceLogs: { rule: 'repeated', type: 'ResourceLogs', id: 1 } } },
          ExportLogsServiceResponse: { fields: { partialSuccess: { type: 'ExportLogsPartialSuccess', id: 1 } } },
          ExportLogsPartialSuccess: { fields: { rejectedLogRecords: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
          ResourceLogs: {
            fields: {
              resource: { type: 'Resource', id: 1 },
              scopeLogs: { rule: 'repeated', type: 'ScopeLogs', id: 2 },
              schemaUrl: { type: 'string', id: 3 },
            },
          },
          Resource: {
            fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 }, droppedAttributesCount: { type: 'uint32', id: 2 } },
          },
          ScopeLogs: {
            fields: {
              scope: { type: 'InstrumentationScope', id: 1 },
              logRecords: { rule: 'repeated', type: 'LogRecord', id: 2 },
              schemaUrl: { type: 'string', id: 3 },
            },
          },
          InstrumentationScope: {
            fields: {
              name: { type: 'string', id: 1 },
              version: { type: 'string', id: 2 },
              attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
              droppedAttributesCount: { type: 'uint32', id: 4 },
            },
          },
          LogRecord: {
            fields: {
              timeUnixNano: { type: 'fixed64', id: 1 },
              observedTimeUnixNano: { type: 'fixed64', id: 11 },
              severityNumber: { type: 'int32', id: 2 },
              severityText: { type: 'string', id: 3 },
              body: { type: 'AnyValue', id: 5 },
              attributes: { rule: 'repeated', type: 'KeyValue', id: 6 },
              droppedAttributesCount: { type: 'uint32', id: 7 },
              flags: { type: 'fixed32', id: 8 },
              traceId: { type: 'bytes', id: 9 },
              spanId: { type: 'bytes', id: 10 },
              eventName: { type: 'string', id: 12 },
            },
          },
          AnyValue: {
            oneofs: {
              value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] },
            },
            fields: {
              stringValue: { type: 'string', id: 1 },
              boolValue: { type: 'bool', id: 2 },
              intValue: { type: 'int64', id: 3 },
              doubleValue: { type: 'double', id: 4 },
              arrayValue: { type: 'ArrayValue', id: 5 },
              kvlistValue: { type: 'KeyValueList', id: 6 },
              bytesValue: { type: 'bytes', id: 7 },
            },
          },
          ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
          KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
          KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
          // google.rpc.Status, the body of an OTLP error response
          Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } },
        },
      },
    },
  }),
)

const Request = root.lookupType('otlp.ExportLogsServiceRequest')
const Response = root.lookupType('otlp.ExportLogsServiceResponse')
const Status = root.lookupType('otlp.Status')

/** Decodes a protobuf ExportLogsServiceRequest; throws EntryError('malformed_request'). */
export function decodeRequest(body: Uint8Array): unknown {
  try {
    return Request.decode(body)
  } catch (err) {
    throw new EntryError('malformed_request', `malformed protobuf ExportLogsServiceRequest: ${(err as Error).message}`)
  }
}

export function encodeResponse(rejected: number, errorMessage: string): Buffer {
  const msg = rejected > 0 ? { partialSuccess: { rejectedLogRecords: rejected, errorMessage } } : {}
  return Buffer.from(Response.encode(Response.fromObject(msg)).finish())
}

export function encodeStatus(code: number, message: string): Buffer {
  return Buffer.from(Status.encode(Status.fromObject({ code, message })).finish())
}

/** For tests and the benchmark: encodes a request given in the OTLP/JSON shape (ids as bytes). */
export function encodeRequest(req: object): Buffer {
  return Buffer.from(Request.encode(Request.fromObject(req)).finish())
}

/**
 * protobufjs checks UTF-8 in proto3 strings and throws on the first bad byte, which would refuse a
 * whole batch for one binary line; decoding as proto2 (no check) replaces bad bytes instead, as the
 * shippers' Go decoders do not check either.
 */
function lenientStrings(json: { nested: Record<string, { nested: Record<string, object> }> }) {
  for (const ns of Object.values(json.nested)) for (const type of Object.values(ns.nested)) Object.assign(type, { edition: 'proto2' })
  return json
}
