// Heap held by the log-record queue per queued event, and the cost of emitting one:
// the figures behind DEFAULT_LOG_QUEUE_SIZE (docs/benchmarks.md, "queue"). Run:
//   OTEL_BLRP_MAX_EXPORT_BATCH_SIZE=8192 OTEL_BLRP_SCHEDULE_DELAY=600000 OTEL_TRACES_EXPORTER=none \
//   OTEL_METRICS_EXPORTER=none node --expose-gc --require filament-otel/preload bench/queue-memory.cjs 8192
const { orderStatusChanged } = require('filament-otel');
const n = Number(process.argv[2]);
global.gc(); const before = process.memoryUsage().heapUsed;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) orderStatusChanged({ customerId: 'C-1', orderNumber: `ORD-${i}`, status: 'paid', previousStatus: 'priced' });
const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
global.gc(); const after = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ n, bytesPerQueuedEvent: Math.round((after - before) / n), usPerEvent: us.toFixed(2) }));
process.exit(0);
