// The queue path's own work without a broker, for an A/B of a build's AMQP hooks:
// `node bench/queue-hooks.cjs <dist dir> <iterations>` runs Filament's onPublish + onReceive (of
// that build's tsc output: <dist>/amqp/messages.js) on a real SDK in this process — the two
// queue.message records built, masked and queued, the two counter points, the batch processor's
// export every 128 records through the official protobuf serialiser (to nowhere), a metric
// collection every 5000 — with the bench's JSON message (bench/servers/queue-steps.cjs's).
// Prints: iterations, bytes serialised (equal between builds that export records of the same
// sizes), V8 heap bytes allocated and CPU µs (user + system) per iteration over the second half.
// The allocation is load-independent (the same to 2 % between runs); the CPU is not. No spans are
// exported and no broker frames built: this is what Filament adds beyond the two amqplib spans.
// (Instructions by callgrind as the difference of two run lengths were tried and dropped: ±100 k
// per iteration between runs of one build, from when major GCs and tier-ups fall.)
const path = require('node:path');
const DIST = path.resolve(process.argv[2]);
const ITER = Number(process.argv[3]);

const api = require('@opentelemetry/api');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');
const { ProtobufLogsSerializer } = require('@opentelemetry/otlp-transformer');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
let bytes = 0;
const exporter = { export(records, done) { bytes += ProtobufLogsSerializer.serializeRequest(records).length; done({ code: 0 }); }, shutdown: async () => {} };
const lp = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 128, maxQueueSize: 8192, scheduledDelayMillis: 600000 })] });
api.logs.setGlobalLoggerProvider(lp);
class R extends MetricReader { onForceFlush() { return Promise.resolve(); } onShutdown() { return Promise.resolve(); } }
const reader = new R();
api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
const { readConfig } = require(path.join(DIST, 'config.js'));
const { installRuntime } = require(path.join(DIST, 'events', 'runtime.js'));
const { onPublish, onReceive } = require(path.join(DIST, 'amqp', 'messages.js'));
const { config } = readConfig({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'x' });
const rt = installRuntime(config);
const content = Buffer.from(JSON.stringify({ orderNumber: 'ORD-BENCH-1', customerId: 'C-1', model: 'cube-10mm.stl', material: 'PLA' }));
const tracer = new (require('@opentelemetry/sdk-trace').TracerProvider)().getTracer('t');
const span = tracer.startSpan('publish');
const consumer = tracer.startSpan('consume');
const consumerCtx = api.trace.setSpan(api.context.active(), consumer);
const v8 = require('node:v8');
(async () => {
let heap0 = 0;
let cpu0;
const half = Math.floor(ITER / 2);
for (let i = 0; i < ITER; i++) {
  if (i === half) { heap0 = v8.getHeapStatistics().total_allocated_bytes; cpu0 = process.cpuUsage(); }
  if (i % 32 === 31) await new Promise(setImmediate); // the batch's export completes (a promise)
  const options = { contentType: 'application/json', headers: {} };
  onPublish(rt, span, { exchange: '', routingKey: 'q', content, options });
  const msg = { content, fields: { routingKey: 'q' }, properties: { ...options } };
  api.context.with(consumerCtx, () => onReceive(rt, 'q', msg));
  if (i % 5000 === 4999) await reader.collect();
}
const cpu = process.cpuUsage(cpu0);
const n = ITER - half;
process.stdout.write(`${ITER} ${bytes} ${Math.round((v8.getHeapStatistics().total_allocated_bytes - heap0) / n)} ${((cpu.user + cpu.system) / n).toFixed(2)}\n`);
process.exit(0);
})();
