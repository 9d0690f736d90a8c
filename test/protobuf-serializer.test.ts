// Filament's OTLP protobuf serialisers (src/export/protobuf/) write the official serialiser's
// bytes exactly: whole export requests of spans and log records made by the SDK with every kind of
// string, hand-made records with every kind of value and every optional field, requests whose
// lengths need every varint size, and one request after another through the reused buffer.
import assert from 'node:assert/strict';
import { SeverityNumber, SpanKind, ROOT_CONTEXT, TraceFlags, trace, createTraceState } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer as OfficialLogs, ProtobufTraceSerializer as OfficialTrace } from '@opentelemetry/otlp-transformer';
import { ProtobufLogsSerializer, ProtobufTraceSerializer, SERIALISE_SLICE } from '../src/export/protobuf';
import { ProtobufOutput } from '../src/export/protobuf/output';

/** Strings of every kind the serialiser meets: ASCII, multi-byte, astral, lone surrogates, long, built at run time. */
function strings(): string[] {
  const route = '/v1/models/price';
  const out = [
    '', 'a', 'http.request.method', 'POST', `POST ${route}`, route.slice(3), '127.0.0.1', '\u007f', '\u0080', 'café',
    'Grüße aus Köln', '漢字テキスト', 'emoji 😀 done', '\ud83d', 'lone high \ud83d then ascii', 'lone low \ude00 x',
    '\ude00\ud83d', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(16384), `${'ascii '.repeat(300)}é`,
    JSON.stringify({ orderNumber: 'ORD-1', email: '[MASKED]', note: 'Überweisung' }),
    String.fromCharCode(0, 1, 9, 10, 13, 31, 32, 126),
    // Around the length where the writer switches from its loop to Node's encoder, and where a
    // non-ASCII string's byte length needs a longer varint than its character count.
    'a'.repeat(14), 'a'.repeat(15), 'a'.repeat(16), 'a'.repeat(17), `${'a'.repeat(14)}é`, `${'a'.repeat(15)}é`,
    `${'a'.repeat(14)}\ud83d`, `${'b'.repeat(40)}\ud83d`, `${'b'.repeat(40)}\ude00${'c'.repeat(3)}`, `é${'d'.repeat(30)}`,
    'é'.repeat(64), 'é'.repeat(100), '漢'.repeat(50), `${'a'.repeat(120)}é`, '😀'.repeat(40), 'é'.repeat(8200),
  ];
  // A concatenation and a slice: other internal string representations of the same text.
  const parts = ['model3d', '.', 'priced'];
  out.push(parts.join(''), parts[0] + parts[1] + parts[2], `${'x'.repeat(40)}${route}`.slice(20));
  return out;
}

/** Spans and log records made by the SDK carrying every string of strings() as names, keys, values and bodies. */
function telemetry(): { spans: ReadableSpan[]; logs: ReadableLogRecord[] } {
  const resource = resourceFromAttributes({ 'service.name': 'protobuf-serializer', 'host.name': 'hôte-1', note: 'x'.repeat(300) });
  const spanExporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })] });
  const tracer = provider.getTracer('scope-ä', '1.0.0');
  const other = provider.getTracer('second', undefined, { schemaUrl: 'https://opentelemetry.io/schemas/1.40.0' });
  const logExporter = new InMemoryLogRecordExporter();
  const loggers = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  const logger = loggers.getLogger('filament-otel', '0.1.0');
  const all = strings();
  all.forEach((s, i) => {
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true,
      traceState: createTraceState('vendor=value,other=x'),
    });
    const span = (i % 3 === 0 ? other : tracer).startSpan(s === '' ? 'empty' : s, {
      kind: (i % 5) as SpanKind,
      attributes: { key: s, [`k-${s.slice(0, 20)}`]: i, list: [s, 'b'], n: -i, big: 2 ** 40 + i, ratio: i / 7, ok: i % 2 === 0 },
      links: i % 4 === 0 ? [{ context: { traceId: 'ABCDEF0123456789abcdef0123456789', spanId: '0123456789ABCDEF', traceFlags: 0 }, attributes: { s } }] : [],
    }, i % 2 === 0 ? remote : ROOT_CONTEXT);
    span.addEvent(`event ${s.slice(0, 10)}`, { 'exception.message': s });
    if (i % 3 === 0) span.addEvent('second', [1, 500_000_000]);
    span.setStatus(i % 2 === 0 ? { code: 2, message: s } : { code: 1 });
    span.end();
    (i % 3 === 0 ? loggers.getLogger('other', undefined, { schemaUrl: 'https://example.test/schema' }) : logger).emit({
      eventName: i % 2 === 0 ? 'queue.message' : undefined,
      severityNumber: i % 4 === 0 ? undefined : SeverityNumber.INFO, severityText: i % 4 === 0 ? undefined : 'INFO',
      attributes: { 'messaging.destination.name': s, [s.slice(0, 30) || 'empty']: s, n: i, ok: true, nested: { inner: s } },
      body: i % 2 === 0 ? s : { text: s, list: [s, 1] },
      context: i % 2 === 0 ? remote : ROOT_CONTEXT,
    });
  });
  return { spans: spanExporter.getFinishedSpans(), logs: logExporter.getFinishedLogRecords() };
}

/** A log record as the SDK hands it over, with `overrides`. */
function record(overrides: Partial<ReadableLogRecord>, template: ReadableLogRecord): ReadableLogRecord {
  // The SDK's record keeps its fields behind getters: read each one.
  const {
    hrTime, hrTimeObserved, spanContext, severityText, severityNumber, body, eventName, resource, instrumentationScope,
    attributes, droppedAttributesCount,
  } = template;
  return {
    hrTime, hrTimeObserved, spanContext, severityText, severityNumber, body, eventName, resource, instrumentationScope,
    attributes, droppedAttributesCount, ...overrides,
  };
}

function same(ours: Uint8Array, official: Uint8Array, what: string): void {
  assert.ok(Buffer.from(ours).equals(Buffer.from(official)), `${what}: ${ours.length} bytes, the official serialiser's ${official.length}`);
}

function logs(records: ReadableLogRecord[], what: string): void {
  same(ProtobufLogsSerializer.serializeRequest(records) as Uint8Array, OfficialLogs.serializeRequest(records) as Uint8Array, what);
}

function spans(list: ReadableSpan[], what: string): void {
  same(ProtobufTraceSerializer.serializeRequest(list) as Uint8Array, OfficialTrace.serializeRequest(list) as Uint8Array, what);
}

describe('protobuf serialiser: the official serialiser\'s bytes, written once', () => {
  const t = telemetry();

  it('serialises SDK-made trace and log export requests with every kind of string as the official serialiser does', () => {
    assert.equal(t.spans.length, strings().length);
    assert.equal(t.logs.length, strings().length);
    spans(t.spans, 'trace request');
    logs(t.logs, 'log request');
    const bytes = Buffer.from(ProtobufLogsSerializer.serializeRequest(t.logs) as Uint8Array);
    assert.ok(bytes.includes(Buffer.from('Grüße aus Köln')), 'the non-ASCII text is in the log request');
    // Each record alone: lengths from one byte up.
    t.spans.forEach((s, i) => spans([s], `span ${i}`));
    t.logs.forEach((r, i) => logs([r], `log record ${i}`));
    spans([], 'no spans');
    logs([], 'no log records');
  });

  it('writes every kind of value, and what has no OTLP type, as the official serialiser does', () => {
    const template = t.logs[1] as ReadableLogRecord;
    const values: unknown[] = [
      0, 1, -1, 127, 128, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32), 2 ** 53 - 1, -(2 ** 53), 2 ** 62, -(2 ** 63), 2 ** 63, 2 ** 64,
      0.5, -0.25, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, -0, 1e21,
      true, false, null, undefined, '', 'x', new Uint8Array([0, 1, 255]), new Uint8Array(0), new Uint8Array(300).fill(7),
      [], [null, undefined, 1, 'a', [2, [3]], { k: 'v' }], { a: { b: { c: [1, 'é'] } }, empty: {} },
      10n, Symbol('s'), () => 1,
    ];
    values.forEach((value, i) => {
      logs([record({ body: value as never, attributes: { v: value as never } }, template)], `value ${i} (${String(typeof value)})`);
    });
    logs([record({ attributes: Object.fromEntries(values.map((v, i) => [`k${i}`, v])) as never }, template)], 'all values as attributes');
    // Inherited properties are not attributes.
    const inherited = Object.create({ inherited: 'no' }) as Record<string, unknown>;
    inherited.own = 'yes';
    logs([record({ attributes: inherited as never, body: inherited as never }, template)], 'inherited properties');
  });

  it('writes every optional log field present and absent, and times across the range, as the official serialiser does', () => {
    const template = t.logs[1] as ReadableLogRecord;
    const variants: Partial<ReadableLogRecord>[] = [
      { severityNumber: SeverityNumber.UNSPECIFIED }, { severityNumber: SeverityNumber.FATAL4, severityText: 'FATAL' },
      { body: undefined }, { eventName: '' }, { eventName: 'order.status_changed' }, { droppedAttributesCount: 300 },
      { spanContext: undefined }, { spanContext: { traceId: '', spanId: '', traceFlags: 0 } },
      { spanContext: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 255 } },
      { hrTime: [0, 0], hrTimeObserved: [1, 999_999_999] }, { hrTime: [4294967295, 999_999_999], hrTimeObserved: [65535, 1] },
      { hrTime: [65536, 0], hrTimeObserved: [1_800_000_000, 123_456_789] },
    ];
    variants.forEach((v, i) => logs([record(v, template)], `log variant ${i}`));
    for (let i = 0; i < 2000; i++) {
      const seconds = Math.floor(Math.random() * 4294967296);
      const nanos = Math.floor(Math.random() * 1e9);
      const out = new ProtobufOutput();
      out.hrTime([seconds, nanos]);
      const expected = Buffer.alloc(8);
      expected.writeBigUInt64LE((BigInt(seconds) * 1_000_000_000n + BigInt(nanos)) & 0xffffffffffffffffn);
      assert.ok(out.finish().every((b, j) => b === expected[j]), `hrTime [${seconds}, ${nanos}]`);
    }
  });

  it('groups by resource and scope, with schema URLs, in the order first met, as the official serialiser does', () => {
    const [a, b, c] = t.logs as [ReadableLogRecord, ReadableLogRecord, ReadableLogRecord];
    const other = resourceFromAttributes({ 'service.name': 'other' }, { schemaUrl: 'https://opentelemetry.io/schemas/1.38.0' });
    const scoped = { name: 'scoped', version: '2', schemaUrl: 'https://s', attributes: { 'scope.attr': 'x', n: 3 }, droppedAttributesCount: 2 };
    logs([a, record({ resource: other }, b), c, record({ resource: other, instrumentationScope: scoped }, a), record({ resource: other }, c)], 'two resources');
    const [s1, s2] = t.spans as [ReadableSpan, ReadableSpan];
    spans([s2, { ...s1, resource: other, spanContext: s1.spanContext, instrumentationScope: scoped } as ReadableSpan, s1], 'two resources of spans');
  });

  it('writes requests whose records and groups need every length size, one after another through the reused buffer', () => {
    const template = t.logs[1] as ReadableLogRecord;
    // Records of 100 B to 3 MB: lengths of one to four bytes, groups past the reserved three.
    const sizes = [0, 100, 20_000, 300_000, 3_000_000];
    const results = sizes.map((n) => {
      const body = 'é'.repeat(n);
      const list = [record({ body }, template), record({ attributes: { big: 'x'.repeat(n) } }, template)];
      const ours = ProtobufLogsSerializer.serializeRequest(list) as Uint8Array;
      same(ours, OfficialLogs.serializeRequest(list) as Uint8Array, `records of ${n} characters`);
      return { ours, copy: Buffer.from(ours) };
    });
    // A later request does not write into the bytes an earlier one returned (an exporter retries them).
    results.forEach(({ ours, copy }, i) => assert.ok(Buffer.from(ours).equals(copy), `request ${i} unchanged by the later ones`));
    // Many small records: a group past 16 KiB while each record stays small.
    logs(Array.from({ length: 2000 }, (_, i) => record({ body: `record ${i}` }, template)), '2000 records');
    spans(Array.from({ length: 600 }, (_, i) => t.spans[i % t.spans.length] as ReadableSpan), '600 spans');
  });

  it('writes a batch larger than a slice ahead, a slice at a time with turns of the event loop between, into the same bytes', async () => {
    const template = t.logs[1] as ReadableLogRecord;
    const other = resourceFromAttributes({ 'service.name': 'other' });
    // Two resources and several scopes, so that slices end inside groups and groups inside slices.
    const records = Array.from({ length: 3 * SERIALISE_SLICE + 45 }, (_, i) => (i % 50 === 0
      ? record({ resource: other, body: `record ${i}` }, template) : record({ body: `record ${i}` }, t.logs[i % t.logs.length] as ReadableLogRecord)));
    const list = Array.from({ length: 600 }, (_, i) => t.spans[i % t.spans.length] as ReadableSpan);
    assert.equal(ProtobufLogsSerializer.serializeAhead(records.slice(0, SERIALISE_SLICE)), undefined, 'a slice or less is written at once');
    for (const [serializer, items, official, what] of [
      [ProtobufLogsSerializer, records, OfficialLogs, 'log records'],
      [ProtobufTraceSerializer, list, OfficialTrace, 'spans'],
    ] as const) {
      // Turns of the event loop while the batch is written: one per slice after the first. Written at
      // once, the promise would settle before any.
      let turns = 0;
      let writing = true;
      const turn = (): void => {
        turns++;
        if (writing) setImmediate(turn);
      };
      setImmediate(turn);
      const written = (serializer.serializeAhead as (batch: typeof items) => Promise<void> | undefined)(items);
      assert.ok(written !== undefined, what);
      // Meanwhile another request is written at once, through the shared buffer: neither disturbs the other.
      same(serializer.serializeRequest([items[0]] as never) as Uint8Array, official.serializeRequest([items[0]] as never) as Uint8Array, `${what}: one alone`);
      await written;
      writing = false;
      const slices = Math.ceil(items.length / SERIALISE_SLICE);
      assert.ok(turns >= slices - 1, `${what}: ${turns} turns of the event loop for ${slices} slices`);
      const expected = official.serializeRequest(items as never) as Uint8Array;
      same(serializer.serializeRequest(items as never) as Uint8Array, expected, `${what} written ahead`);
      // The bytes written ahead are given once: a second request for the same batch is written at once, the same.
      same(serializer.serializeRequest(items as never) as Uint8Array, expected, `${what} written again`);
    }
  });
});
