/**
 * Decodes OTLP/HTTP protobuf export requests (the SDK's default protocol, `http/protobuf`) into the
 * same plain shape as their OTLP/JSON encoding, so the in-test receiver reads both one way.
 *
 * No installed package ships the OTLP .proto files or a decoder for requests (@opentelemetry/otlp-transformer
 * only serialises them), so this is the subset of opentelemetry-proto v1.x (opentelemetry/proto/{common,
 * resource,logs,trace,metrics}/v1 and the collector/{logs,trace,metrics}/v1 services) that the SDK writes, as a
 * protobufjs JSON descriptor with upstream's field numbers. Fields left out are skipped by the decoder.
 */
import * as protobuf from 'protobufjs';

const f = (type: string, id: number, rule?: 'repeated'): { type: string; id: number; rule?: string } =>
  rule === undefined ? { type, id } : { type, id, rule };

const KV = 'KeyValue';
const ATTRS = (id: number) => f(KV, id, 'repeated');

const ROOT = protobuf.Root.fromJSON({
  nested: {
    // common/v1/common.proto and resource/v1/resource.proto
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: f('string', 1), boolValue: f('bool', 2), intValue: f('int64', 3), doubleValue: f('double', 4),
        arrayValue: f('ArrayValue', 5), kvlistValue: f('KeyValueList', 6), bytesValue: f('bytes', 7),
      },
    },
    ArrayValue: { fields: { values: f('AnyValue', 1, 'repeated') } },
    KeyValueList: { fields: { values: f(KV, 1, 'repeated') } },
    KeyValue: { fields: { key: f('string', 1), value: f('AnyValue', 2) } },
    InstrumentationScope: { fields: { name: f('string', 1), version: f('string', 2), attributes: ATTRS(3), droppedAttributesCount: f('uint32', 4) } },
    Resource: { fields: { attributes: ATTRS(1), droppedAttributesCount: f('uint32', 2) } },

    // logs/v1/logs.proto
    ExportLogsServiceRequest: { fields: { resourceLogs: f('ResourceLogs', 1, 'repeated') } },
    ResourceLogs: { fields: { resource: f('Resource', 1), scopeLogs: f('ScopeLogs', 2, 'repeated'), schemaUrl: f('string', 3) } },
    ScopeLogs: { fields: { scope: f('InstrumentationScope', 1), logRecords: f('LogRecord', 2, 'repeated'), schemaUrl: f('string', 3) } },
    LogRecord: {
      fields: {
        timeUnixNano: f('fixed64', 1), observedTimeUnixNano: f('fixed64', 11), severityNumber: f('int32', 2),
        severityText: f('string', 3), body: f('AnyValue', 5), attributes: ATTRS(6), droppedAttributesCount: f('uint32', 7),
        flags: f('fixed32', 8), traceId: f('bytes', 9), spanId: f('bytes', 10), eventName: f('string', 12),
      },
    },

    // trace/v1/trace.proto
    ExportTraceServiceRequest: { fields: { resourceSpans: f('ResourceSpans', 1, 'repeated') } },
    ResourceSpans: { fields: { resource: f('Resource', 1), scopeSpans: f('ScopeSpans', 2, 'repeated'), schemaUrl: f('string', 3) } },
    ScopeSpans: { fields: { scope: f('InstrumentationScope', 1), spans: f('Span', 2, 'repeated'), schemaUrl: f('string', 3) } },
    Span: {
      fields: {
        traceId: f('bytes', 1), spanId: f('bytes', 2), traceState: f('string', 3), parentSpanId: f('bytes', 4),
        flags: f('fixed32', 16), name: f('string', 5), kind: f('int32', 6), startTimeUnixNano: f('fixed64', 7),
        endTimeUnixNano: f('fixed64', 8), attributes: ATTRS(9), droppedAttributesCount: f('uint32', 10),
        events: f('SpanEvent', 11, 'repeated'), droppedEventsCount: f('uint32', 12), links: f('SpanLink', 13, 'repeated'),
        droppedLinksCount: f('uint32', 14), status: f('Status', 15),
      },
    },
    SpanEvent: { fields: { timeUnixNano: f('fixed64', 1), name: f('string', 2), attributes: ATTRS(3), droppedAttributesCount: f('uint32', 4) } },
    SpanLink: {
      fields: {
        traceId: f('bytes', 1), spanId: f('bytes', 2), traceState: f('string', 3), attributes: ATTRS(4),
        droppedAttributesCount: f('uint32', 5), flags: f('fixed32', 6),
      },
    },
    Status: { fields: { message: f('string', 2), code: f('int32', 3) } },

    // metrics/v1/metrics.proto
    ExportMetricsServiceRequest: { fields: { resourceMetrics: f('ResourceMetrics', 1, 'repeated') } },
    ResourceMetrics: { fields: { resource: f('Resource', 1), scopeMetrics: f('ScopeMetrics', 2, 'repeated'), schemaUrl: f('string', 3) } },
    ScopeMetrics: { fields: { scope: f('InstrumentationScope', 1), metrics: f('Metric', 2, 'repeated'), schemaUrl: f('string', 3) } },
    Metric: {
      oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram'] } },
      fields: {
        name: f('string', 1), description: f('string', 2), unit: f('string', 3), gauge: f('Gauge', 5), sum: f('Sum', 7),
        histogram: f('Histogram', 9), exponentialHistogram: f('ExponentialHistogram', 10),
      },
    },
    Gauge: { fields: { dataPoints: f('NumberDataPoint', 1, 'repeated') } },
    Sum: { fields: { dataPoints: f('NumberDataPoint', 1, 'repeated'), aggregationTemporality: f('int32', 2), isMonotonic: f('bool', 3) } },
    Histogram: { fields: { dataPoints: f('HistogramDataPoint', 1, 'repeated'), aggregationTemporality: f('int32', 2) } },
    ExponentialHistogram: { fields: { dataPoints: f('ExponentialHistogramDataPoint', 1, 'repeated'), aggregationTemporality: f('int32', 2) } },
    NumberDataPoint: {
      oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
      fields: {
        attributes: ATTRS(7), startTimeUnixNano: f('fixed64', 2), timeUnixNano: f('fixed64', 3), asDouble: f('double', 4),
        asInt: f('sfixed64', 6), flags: f('uint32', 8),
      },
    },
    HistogramDataPoint: {
      fields: {
        attributes: ATTRS(9), startTimeUnixNano: f('fixed64', 2), timeUnixNano: f('fixed64', 3), count: f('fixed64', 4),
        sum: f('double', 5), bucketCounts: f('fixed64', 6, 'repeated'), explicitBounds: f('double', 7, 'repeated'),
        flags: f('uint32', 10), min: f('double', 11), max: f('double', 12),
      },
    },
    ExponentialHistogramDataPoint: {
      fields: {
        attributes: ATTRS(1), startTimeUnixNano: f('fixed64', 2), timeUnixNano: f('fixed64', 3), count: f('fixed64', 4),
        sum: f('double', 5), scale: f('sint32', 6), zeroCount: f('fixed64', 7), positive: f('Buckets', 8), negative: f('Buckets', 9),
        flags: f('uint32', 10), min: f('double', 12), max: f('double', 13), zeroThreshold: f('double', 14),
      },
    },
    Buckets: { fields: { offset: f('sint32', 1), bucketCounts: f('uint64', 2, 'repeated') } },
  },
});

const REQUEST_TYPES: Record<string, protobuf.Type> = {
  '/v1/logs': ROOT.lookupType('ExportLogsServiceRequest'),
  '/v1/traces': ROOT.lookupType('ExportTraceServiceRequest'),
  '/v1/metrics': ROOT.lookupType('ExportMetricsServiceRequest'),
};

/** OTLP/JSON writes trace and span ids as hex and other bytes as base64 (OTLP spec, "JSON Protobuf Encoding"). */
const HEX_IDS = new Set(['traceId', 'spanId', 'parentSpanId']);

function jsonShape(value: unknown, key = ''): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString(HEX_IDS.has(key) ? 'hex' : 'base64');
  if (Array.isArray(value)) return value.map((v) => jsonShape(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonShape(v, k)]));
  }
  return value;
}

/** The export request `body` posted to `urlPath` (…/v1/logs, …/v1/traces or …/v1/metrics), shaped as OTLP/JSON. */
export function decodeOtlpProtobuf(urlPath: string, body: Uint8Array): Record<string, unknown> {
  const signal = Object.keys(REQUEST_TYPES).find((p) => urlPath.endsWith(p));
  if (signal === undefined) throw new Error(`no OTLP signal at ${urlPath}`);
  const type = REQUEST_TYPES[signal] as protobuf.Type;
  // 64-bit integers as decimal strings, as OTLP/JSON writes them; unset fields left out, as in JSON.
  return jsonShape(type.toObject(type.decode(body), { longs: String, defaults: false })) as Record<string, unknown>;
}
