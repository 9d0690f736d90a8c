// Cost of one logger.info call of the app's own logger (LOG_KIND = pino, winston
// or bunyan, writing JSON lines to /dev/null), inside an active span as in a
// request handler. Run bare (no bridging), under Filament's preload or under
// upstream's register (both bridge each line to an OTel log record and export it
// to the discard sink). CPU is the process's user + system time over the calls
// and the final flush, so the export of the bridged records is paid for too.
// Run it with OTEL_BLRP_MAX_QUEUE_SIZE above EMIT_CALLS: a record dropped from a full
// queue would cost nothing and flatter the variant. Batches of 100 calls per
// event-loop turn. WARMUP_CALLS (20000) calls first, unmeasured. Prints {kind, calls, cpuNsPerCall, wallNsPerCall}.
// GO_ON_STDIN=1 (bench/log-instructions.mjs): after the warm-up prints WARM and waits for a line on
// stdin before the measured calls, so that callgrind can be switched on around them alone.
const fs = require('node:fs');
const { trace, logs } = require('@opentelemetry/api');

const kind = process.env.LOG_KIND ?? 'pino';
const calls = Number(process.env.EMIT_CALLS ?? 200000);
const warmupCalls = Number(process.env.WARMUP_CALLS ?? 20000);

let info;
if (kind === 'pino') {
  const pino = require('pino');
  const logger = pino(pino.destination({ dest: '/dev/null', sync: true }));
  info = (i) => logger.info({ orderNumber: `ORD-${i}`, customerId: 'C-100', status: 'paid' }, 'order status changed');
} else if (kind === 'winston') {
  const winston = require('winston');
  const logger = winston.createLogger({
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream: fs.createWriteStream('/dev/null') })],
  });
  info = (i) => logger.info('order status changed', { orderNumber: `ORD-${i}`, customerId: 'C-100', status: 'paid' });
} else if (kind === 'bunyan') {
  const bunyan = require('bunyan');
  const logger = bunyan.createLogger({ name: 'bench', streams: [{ stream: fs.createWriteStream('/dev/null') }] });
  info = (i) => logger.info({ orderNumber: `ORD-${i}`, customerId: 'C-100', status: 'paid' }, 'order status changed');
} else {
  throw new Error(`unknown LOG_KIND ${kind}`);
}

const tracer = trace.getTracer('bench');
const batch = 100;
function run(from) {
  tracer.startActiveSpan('request', (span) => {
    for (let i = 0; i < batch; i++) info(from + i);
    span.end();
  });
}
const tick = () => new Promise((r) => setImmediate(r));
/**
 * Every bridged record exported (no-op bare). Through @opentelemetry/api's `logs`: SDK 3 registers its
 * provider there (api 1.10); the separate @opentelemetry/api-logs 0.2xx global is set by Filament but
 * not by upstream's register, so flushing through it left upstream's last records outside the window.
 */
const flush = () => Promise.resolve(logs.getLoggerProvider().forceFlush?.());

async function main() {
  for (let done = 0; done < warmupCalls; done += batch) { run(done); await tick(); }
  await flush();
  await new Promise((r) => setTimeout(r, 200));
  if (process.env.GO_ON_STDIN === '1') {
    process.stdout.write('WARM\n');
    await new Promise((r) => process.stdin.once('data', r));
    process.stdin.destroy();
  }
  const cpu0 = process.cpuUsage();
  let wall = 0n;
  for (let done = 0; done < calls; done += batch) {
    const start = process.hrtime.bigint();
    run(done);
    wall += process.hrtime.bigint() - start;
    await tick();
  }
  await flush();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({
    kind, calls, cpuNsPerCall: ((cpu.user + cpu.system) * 1000) / calls, wallNsPerCall: Number(wall) / calls,
  })}\n`);
}
main();
