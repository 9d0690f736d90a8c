// The serialiser's ASCII string path (src/patches/protobufStrings.ts) produces the
// official serialiser's bytes exactly: strings one by one, and whole OTLP
// export requests of spans, log records and metrics with every kind of string.
import assert from 'node:assert/strict';
import { SeverityNumber, SpanKind, ROOT_CONTEXT } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { installProtobufStrings, serializerInternals, SUPPORTED, uninstallProtobufStrings } from '../src/patches/protobufStrings';

/** The installed serialiser's internals; the patch's shape check is the first test. */
function internals(): NonNullable<ReturnType<typeof serializerInternals>> {
  const found = serializerInternals();
  assert.ok(found !== null, 'the installed @opentelemetry/otlp-transformer is not a version src/patches/protobufStrings.ts supports');
  return found;
}

/** Strings of every kind the serialiser meets: ASCII, multi-byte, astral, lone surrogates, long, built at run time. */
function strings(): string[] {
  const route = '/v1/models/price';
  const out = [
    '', 'a', 'http.request.method', 'POST', `POST ${route}`, route.slice(3), '127.0.0.1', '\u007f', '\u0080', 'café',
    'Grüße aus Köln', '漢字テキスト', 'emoji 😀 done', '\ud83d', 'lone high \ud83d then ascii', 'lone low \ude00 x',
    '\ude00\ud83d', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(16384), `${'ascii '.repeat(300)}é`,
    JSON.stringify({ orderNumber: 'ORD-1', email: '[MASKED]', note: 'Überweisung' }),
    String.fromCharCode(0, 1, 9, 10, 13, 31, 32, 126),
    // Around the length where the replacement switches from its loop to Node's encoder.
    'a'.repeat(14), 'a'.repeat(15), 'a'.repeat(16), 'a'.repeat(17), `${'a'.repeat(14)}é`, `${'a'.repeat(15)}é`,
    `${'a'.repeat(14)}\ud83d`, `${'b'.repeat(40)}\ud83d`, `${'b'.repeat(40)}\ude00${'c'.repeat(3)}`, `é${'d'.repeat(30)}`,
  ];
  // A concatenation and a slice: other internal string representations of the same text.
  const parts = ['model3d', '.', 'priced'];
  out.push(parts.join(''), parts[0] + parts[1] + parts[2], `${'x'.repeat(40)}${route}`.slice(20));
  return out;
}

/** `s` written after a prefix into a writer of `capacity` bytes (a small one grows while writing, a large one has room). */
function writeOne(s: string, capacity: number): { bytes: Buffer; estimate: number } {
  const { ProtobufWriter, ProtobufSizeEstimator } = internals();
  const writer = new ProtobufWriter(capacity);
  writer.writeString('prefix');
  writer.writeString(s);
  const estimator = new ProtobufSizeEstimator();
  estimator.writeString(s);
  return { bytes: Buffer.from(writer.finish()).subarray(7), estimate: estimator.pos };
}

/** Spans, log records and metrics carrying every string of strings() as names, keys, values and bodies. */
async function telemetry(): Promise<{ spans: unknown[]; logs: unknown[]; metrics: unknown[] }> {
  const resource = resourceFromAttributes({ 'service.name': 'protobuf-strings', 'host.name': 'hôte-1', note: 'x'.repeat(300) });
  const spanExporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })] }).getTracer('scope-ä', '1.0.0');
  const logExporter = new InMemoryLogRecordExporter();
  const logger = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] }).getLogger('filament-otel', '0.1.0');
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meter = new MeterProvider({ resource, readers: [reader] }).getMeter('meter-ü');
  const counter = meter.createCounter('messaging.client.sent.messages');
  const all = strings();
  all.forEach((s, i) => {
    const span = tracer.startSpan(s === '' ? 'empty' : s, { kind: SpanKind.SERVER, attributes: { key: s, [`k-${s.slice(0, 20)}`]: i, list: [s, 'b'] } }, ROOT_CONTEXT);
    span.addEvent(`event ${s.slice(0, 10)}`, { 'exception.message': s });
    span.setStatus({ code: 2, message: s });
    span.end();
    logger.emit({
      eventName: 'queue.message', severityNumber: SeverityNumber.INFO, severityText: 'INFO',
      attributes: { 'messaging.destination.name': s, [s.slice(0, 30) || 'empty']: s, n: i, ok: true, nested: { inner: s } },
      body: i % 2 === 0 ? s : { text: s, list: [s, 1] },
    });
    counter.add(1, { 'messaging.destination.name': s });
  });
  await reader.forceFlush();
  return {
    spans: spanExporter.getFinishedSpans(),
    logs: logExporter.getFinishedLogRecords(),
    metrics: metricExporter.getMetrics(),
  };
}

function serialiseAll(t: { spans: unknown[]; logs: unknown[]; metrics: unknown[] }): Buffer[] {
  return [
    Buffer.from(ProtobufTraceSerializer.serializeRequest(t.spans as never) as Uint8Array),
    Buffer.from(ProtobufLogsSerializer.serializeRequest(t.logs as never) as Uint8Array),
    ...t.metrics.map((m) => Buffer.from(ProtobufMetricsSerializer.serializeRequest(m as never) as Uint8Array)),
  ];
}

describe('protobuf strings: the ASCII path writes the official serialiser\'s bytes', () => {
  afterEach(() => uninstallProtobufStrings());

  it('installs on the pinned otlp-transformer, once (fails when the upstream version or shape changes)', () => {
    const { ProtobufWriter, version } = internals();
    assert.match(version, SUPPORTED);
    const before = ProtobufWriter.prototype.writeString;
    assert.equal(installProtobufStrings(), true);
    const installed = ProtobufWriter.prototype.writeString;
    assert.notEqual(installed, before);
    assert.equal(installProtobufStrings(), true);
    assert.equal(ProtobufWriter.prototype.writeString, installed, 'not wrapped twice');
    uninstallProtobufStrings();
    assert.equal(ProtobufWriter.prototype.writeString, before);
  });

  it('encodes every string as the SDK does, and estimates exactly the bytes the writer then needs', () => {
    const all = strings();
    // Growing from 4 bytes; room for one byte per character only (the prefix's 7 bytes, the length,
    // the characters), where an encoder cut short by the room must not pass for ASCII; plenty of room.
    const capacities = [(): number => 4, (s: string): number => 7 + (s.length < 128 ? 1 : 2) + s.length, (): number => 1 << 17];
    const expected = capacities.map((capacity) => all.map((s) => writeOne(s, capacity(s))));
    installProtobufStrings();
    capacities.forEach((capacity, c) => all.forEach((s, i) => {
      const got = writeOne(s, capacity(s));
      const want = expected[c]?.[i] as { bytes: Buffer; estimate: number };
      assert.deepEqual(got.bytes, want.bytes, `bytes of ${JSON.stringify(s.slice(0, 40))}`);
      // The estimate only sizes the writer's buffer (the output is the same whatever it is); the
      // replacement's is exact (the SDK's counts a lone surrogate as 4 bytes, writes 3).
      assert.equal(got.estimate, got.bytes.length, `estimate of ${JSON.stringify(s.slice(0, 40))}`);
      if (!/[\ud800-\udfff]/.test(s)) assert.equal(got.estimate, want.estimate);
    }));
  });

  it('serialises whole trace, log and metric export requests byte for byte as the SDK does', async () => {
    const t = await telemetry();
    assert.equal(t.spans.length, strings().length);
    assert.equal(t.logs.length, strings().length);
    assert.equal(t.metrics.length, 1);
    const expected = serialiseAll(t);
    installProtobufStrings();
    const got = serialiseAll(t);
    assert.equal(got.length, expected.length);
    got.forEach((bytes, i) => assert.ok(bytes.equals(expected[i] as Buffer), `request ${i} differs`));
    assert.ok((expected[1] as Buffer).includes(Buffer.from('Grüße aus Köln')), 'the non-ASCII text is in the log request');
  });
});
