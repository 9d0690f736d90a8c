// The official SDK's floor per request: the telemetry one instrumented HTTP
// request produces at 100 % sampling — a SERVER span with the stable HTTP
// attributes, one api.request log record, one http.server.request.duration
// point — made with the SDK packages the preload bundles, batch processors
// and a metric reader attached, every batch serialised by the official OTLP
// protobuf serialisers.
// No HTTP, no context manager, no sending, no instrumentation: any
// distribution built on the official SDK pays at least this on the service's
// thread, so it bounds the ratio to bare a route can reach.
// Prints {kind:'floor', calls, recordNs, serializeNs, nsPerCall} (per request).
const { SpanKind, ROOT_CONTEXT, trace } = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { TracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { ProtobufTraceSerializer, ProtobufLogsSerializer } = require('@opentelemetry/otlp-transformer');

const calls = Number(process.env.EMIT_CALLS ?? 200000);
const batchSize = 128; // Filament's default export batch

let serializeNs = 0n;
let serializeInLoopNs = 0n; // the part that ran inside a timed batch of requests
let inLoop = false;
let exported = 0;
function serialisingExporter(serializer) {
  return {
    export(items, done) {
      const start = process.hrtime.bigint();
      const bytes = serializer.serializeRequest(items);
      const took = process.hrtime.bigint() - start;
      serializeNs += took;
      if (inLoop) serializeInLoopNs += took;
      if (bytes === undefined || bytes.length === 0) throw new Error('serialiser returned nothing');
      exported += items.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
}

const resource = resourceFromAttributes({ 'service.name': 'floor', 'telemetry.sdk.language': 'nodejs' });
const processorOptions = { maxExportBatchSize: batchSize, maxQueueSize: 4 * batchSize };
const tracer = new TracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor({ exporter: serialisingExporter(ProtobufTraceSerializer), ...processorOptions })],
}).getTracer('floor');
const logger = new LoggerProvider({
  resource,
  processors: [new BatchLogRecordProcessor({ exporter: serialisingExporter(ProtobufLogsSerializer), ...processorOptions })],
}).getLogger('floor');
// A reader, or the SDK keeps no storage and a record is nearly free; its
// export (once a minute by default) falls outside the window.
const metricReader = new PeriodicExportingMetricReader({
  exporter: { export: (_metrics, done) => done({ code: 0 }), shutdown: () => Promise.resolve(), forceFlush: () => Promise.resolve() },
  exportIntervalMillis: 600000,
});
const duration = new MeterProvider({ resource, readers: [metricReader] }).getMeter('floor')
  .createHistogram('http.server.request.duration', { unit: 's' });

function oneRequest(i) {
  const span = tracer.startSpan('POST', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'POST', 'url.scheme': 'http', 'url.path': '/v1/models/price',
      'server.address': '127.0.0.1', 'server.port': 8080, 'network.protocol.version': '1.1',
      'client.address': '127.0.0.1', 'user_agent.original': 'autocannon/8',
    },
  }, ROOT_CONTEXT);
  span.setAttribute('http.response.status_code', 200);
  span.setAttribute('http.route', '/v1/models/price');
  logger.emit({
    eventName: 'api.request', severityNumber: SeverityNumber.INFO, severityText: 'INFO',
    context: trace.setSpan(ROOT_CONTEXT, span),
    attributes: {
      'api.request.name': 'POST /v1/models/price', 'http.request.method': 'POST',
      'http.response.status_code': 200, 'http.route': '/v1/models/price', 'api.request.duration_ms': 0.25 + (i & 7),
    },
  });
  duration.record(0.00025, {
    'http.request.method': 'POST', 'url.scheme': 'http', 'http.response.status_code': 200, 'http.route': '/v1/models/price',
  });
  span.end();
}

// One export batch per turn of the event loop, so the processors (which
// export one batch at a time) keep up and nothing is dropped — checked below.
async function run(n) {
  let elapsed = 0n;
  for (let done = 0; done < n; done += batchSize) {
    inLoop = true;
    const start = process.hrtime.bigint();
    for (let i = 0; i < batchSize; i++) oneRequest(done + i);
    elapsed += process.hrtime.bigint() - start;
    inLoop = false;
    await new Promise((r) => setImmediate(r));
  }
  return elapsed;
}

async function main() {
  await run(20000 - (20000 % batchSize));
  await new Promise((r) => setTimeout(r, 100));
  serializeNs = 0n;
  serializeInLoopNs = 0n;
  exported = 0;
  const n = calls - (calls % batchSize);
  // Wherever the processors run the export (inside the batch that filled
  // them or on a later turn), serialising is counted once, apart from recording.
  const total = await run(n);
  await new Promise((r) => setTimeout(r, 100));
  if (exported !== 2 * n) throw new Error(`exported ${exported} of ${2 * n} spans and records: the loop outran the processors`);
  const recordNs = Number(total - serializeInLoopNs) / n;
  const serNs = Number(serializeNs) / n;
  process.stdout.write(`${JSON.stringify({ kind: 'floor', calls: n, recordNs, serializeNs: serNs, nsPerCall: recordNs + serNs })}\n`);
  await metricReader.shutdown();
}
main();
