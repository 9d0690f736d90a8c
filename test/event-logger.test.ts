// Filament's event logger (src/logs/eventLogger.ts) hands its records to the processors without
// the SDK's Logger: what a processor and an exporter read must be what sdk-logs' own Logger gives
// them for the same input — attributes (undefined left out, non-primitive values copied, empty keys
// refused, the count and length limits applied), droppedAttributesCount, times, the span context
// only when valid — and the export request's bytes the official serialiser's for the SDK's records.
import assert from 'node:assert/strict';
import {
  context as api, ROOT_CONTEXT, SeverityNumber, TraceFlags, trace, type Attributes, type LogRecord,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor,
  type LogRecordProcessor, type ReadableLogRecord, type ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer as OfficialLogs } from '@opentelemetry/otlp-transformer';
import { EventLogger, type RecordLimits } from '../src/logs';
import { ProtobufLogsSerializer } from '../src/export/protobuf';

const resource = resourceFromAttributes({ 'service.name': 'event-logger' });
const sampled = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED,
});
const invalid = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });

/** Every kind of input: primitives, undefined, values the SDK copies or refuses, an empty key. */
function records(): LogRecord[] {
  const nested: Attributes = { list: ['a', 'b', 3], map: { inner: 'x', deeper: { n: 1 } } };
  return [
    {
      eventName: 'queue.message', severityNumber: SeverityNumber.INFO, severityText: 'INFO',
      attributes: {
        'messaging.system': 'rabbitmq', 'messaging.operation.type': 'send', 'messaging.destination.name': 'orders',
        'messaging.rabbitmq.destination.routing_key': undefined, 'messaging.message.body.size': 42,
        'filament.content.truncated': true, 'filament.content.masked': undefined, ratio: 0.5, nan: Number.NaN,
      },
      body: '{"orderNumber":"ORD-1"}', context: sampled, timestamp: 1_765_000_000_123, observedTimestamp: 1_765_000_000_456,
    },
    {
      eventName: 'api.request', severityNumber: SeverityNumber.ERROR, severityText: 'ERROR',
      attributes: { ...nested, '': 'empty key', fn: (() => 1) as unknown as string, sym: Symbol('s') as unknown as string, nil: null as unknown as string, big: 'x'.repeat(300) },
      context: invalid, timestamp: [1_765_000_001, 250_000_000], observedTimestamp: new Date(1_765_000_002_000),
    },
    { eventName: 'order.status_changed', severityNumber: SeverityNumber.WARN, context: ROOT_CONTEXT, timestamp: 1_765_000_003_000, observedTimestamp: 1_765_000_003_000 },
    { body: { nested: ['body', 1] }, attributes: {}, context: sampled, timestamp: 1_765_000_004_000, observedTimestamp: 1_765_000_004_001 },
    {
      eventName: 'many', context: sampled, timestamp: 1_765_000_005_000, observedTimestamp: 1_765_000_005_000,
      attributes: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i % 3 === 0 ? `v${i}`.repeat(40) : i % 3 === 1 ? ['a', `b${i}`] : i])),
    },
  ];
}

/** A processor that writes to the record during onEmit (allowed) and keeps it to write after (ignored). */
class WritingProcessor implements LogRecordProcessor {
  kept: ReadWriteLogRecord[] = [];
  onEmit(record: ReadWriteLogRecord): void {
    record.setAttribute('added.in.onEmit', 'yes').setAttributes({ 'added.too': 2, dropped: undefined });
    this.kept.push(record);
  }
  forceFlush(): Promise<void> { return Promise.resolve(); }
  shutdown(): Promise<void> { return Promise.resolve(); }
}

/** What the SDK's Logger and the event logger each hand their processors, for the same records and limits. */
function emitBoth(limits: RecordLimits, input: LogRecord[] = records()): { sdk: ReadableLogRecord[]; ours: ReadableLogRecord[]; writers: WritingProcessor[] } {
  const sdkExporter = new InMemoryLogRecordExporter();
  const oursExporter = new InMemoryLogRecordExporter();
  const writers = [new WritingProcessor(), new WritingProcessor()];
  const sdkProcessors = [writers[0] as LogRecordProcessor, new SimpleLogRecordProcessor({ exporter: sdkExporter })];
  const oursProcessors = [writers[1] as LogRecordProcessor, new SimpleLogRecordProcessor({ exporter: oursExporter })];
  const provider = new LoggerProvider({ resource, processors: sdkProcessors, logRecordLimits: limits });
  const sdkLogger = provider.getLogger('filament-otel', '9.9.9');
  const eventLogger = new EventLogger(oursProcessors, resource, limits, 'filament-otel', '9.9.9');
  for (const record of input) {
    sdkLogger.emit(record);
    eventLogger.emit(record);
  }
  return { sdk: sdkExporter.getFinishedLogRecords(), ours: oursExporter.getFinishedLogRecords(), writers };
}

/** The fields an exporter reads. */
function readable(r: ReadableLogRecord): Record<string, unknown> {
  return {
    hrTime: r.hrTime, hrTimeObserved: r.hrTimeObserved, spanContext: r.spanContext, severityText: r.severityText,
    severityNumber: r.severityNumber, body: r.body, eventName: r.eventName, attributes: r.attributes,
    droppedAttributesCount: r.droppedAttributesCount, resource: r.resource.attributes,
    scope: { name: r.instrumentationScope.name, version: r.instrumentationScope.version, schemaUrl: r.instrumentationScope.schemaUrl },
  };
}

describe('Filament event logger (src/logs/eventLogger.ts)', () => {
  const quiet = { attributeCountLimit: 128, attributeValueLengthLimit: Infinity };

  it('gives processors and exporters what the SDK Logger gives them, with default limits', () => {
    const { sdk, ours } = emitBoth(quiet);
    assert.equal(ours.length, sdk.length);
    assert.equal(ours.length, records().length);
    for (let i = 0; i < sdk.length; i++) assert.deepEqual(readable(ours[i] as ReadableLogRecord), readable(sdk[i] as ReadableLogRecord), `record ${i}`);
    // Spot checks, so that a shared mistake of both cannot pass.
    const first = ours[0] as ReadableLogRecord;
    assert.deepEqual(Object.keys(first.attributes), [
      'messaging.system', 'messaging.operation.type', 'messaging.destination.name', 'messaging.message.body.size',
      'filament.content.truncated', 'ratio', 'nan', 'added.in.onEmit', 'added.too',
    ]);
    assert.equal(first.spanContext?.spanId, 'b7ad6b7169203331');
    assert.deepEqual(first.hrTime, [1_765_000_000, 123_000_000]);
    assert.equal((ours[1] as ReadableLogRecord).spanContext, undefined);
    assert.equal(Object.hasOwn((ours[1] as ReadableLogRecord).attributes, ''), false);
    assert.equal(Object.hasOwn((ours[1] as ReadableLogRecord).attributes, 'fn'), false);
  });

  it('applies the count and length limits as the SDK does, and counts what it drops', () => {
    const limits = { attributeCountLimit: 5, attributeValueLengthLimit: 7 };
    const { sdk, ours } = emitBoth(limits);
    for (let i = 0; i < sdk.length; i++) assert.deepEqual(readable(ours[i] as ReadableLogRecord), readable(sdk[i] as ReadableLogRecord), `record ${i}`);
    const many = ours[4] as ReadableLogRecord;
    assert.equal(Object.keys(many.attributes).length, 5);
    assert.equal(many.attributes.k0, 'v0v0v0v');
    assert.ok(many.droppedAttributesCount > 0);
  });

  it('stamps a record without times with the same millisecond for both, as the SDK does', () => {
    const before = Date.now();
    const { ours } = emitBoth(quiet, [{ eventName: 'now', context: ROOT_CONTEXT }]);
    const r = ours[0] as ReadableLogRecord;
    const ms = r.hrTime[0] * 1000 + r.hrTime[1] / 1e6;
    assert.ok(ms >= before && ms <= Date.now(), `${ms} within the emit`);
    assert.equal(r.hrTime[1] % 1_000_000, 0, 'millisecond precision');
    assert.deepEqual(r.hrTimeObserved, r.hrTime);
  });

  it('takes the active context when the record names none', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    const installed = api.setGlobalContextManager(manager);
    try {
      const { ours } = api.with(sampled, () => emitBoth(quiet, [{ eventName: 'active' }]));
      assert.equal((ours[0] as ReadableLogRecord).spanContext?.traceId, '0af7651916cd43dd8448eb211c80319c');
    } finally {
      if (installed) api.disable();
      else manager.disable();
    }
  });

  it('refuses writes once the processors have returned', () => {
    const { writers } = emitBoth(quiet);
    const kept = (writers[1] as WritingProcessor).kept[0] as ReadWriteLogRecord;
    kept.setAttribute('late', 1).setBody('late').setEventName('late').setSeverityNumber(SeverityNumber.FATAL).setSeverityText('FATAL');
    assert.equal(Object.hasOwn(kept.attributes, 'late'), false);
    assert.equal(kept.eventName, 'queue.message');
    assert.equal(kept.severityText, 'INFO');
    assert.equal(kept.body, '{"orderNumber":"ORD-1"}');
  });

  it('serialises to the bytes the official serialiser writes for the SDK records', () => {
    const { sdk, ours } = emitBoth(quiet);
    const official = OfficialLogs.serializeRequest(sdk) as Uint8Array;
    const own = ProtobufLogsSerializer.serializeRequest(ours) as Uint8Array;
    assert.ok(official.length > 200);
    assert.deepEqual(Buffer.from(own), Buffer.from(official));
  });
});
