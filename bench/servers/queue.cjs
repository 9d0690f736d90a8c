// Publish + consume round trips through real RabbitMQ, in two phases of one process:
// - saturation: WINDOW (20) messages in flight, each consumed message acked and replaced,
//   BENCH_WARMUP_SECONDS (1) unmeasured, then BENCH_SECONDS (5) measured — the round trips a
//   second the process can do;
// - fixed rate (BENCH_RATE > 0 messages/s): published on a 10 ms tick, consumed and acked,
//   BENCH_FIXED_WARMUP_SECONDS (3) unmeasured, then BENCH_FIXED_SECONDS (5) measured — the CPU a
//   round trip costs where every variant has headroom, so it does not depend on how much of the
//   shared cores RabbitMQ and the other processes take (docs/benchmarks.md, Method).
// Prints one JSON line {roundTrips, seconds, cpuUs, systemUs, mainUs, majorGcs, fixedRoundTrips, fixedSeconds,
// fixedCpuUs, fixedSystemUs, fixedMainUs, fixedMajorGcs}: round trips consumed in each measured window and the
// process's CPU over it (all threads, user + system, process.cpuUsage()), its system part, the
// main thread's alone (process.threadCpuUsage(): the rest is V8's helper threads and libuv's), and the
// major garbage collections (mark-compact) that ended in it: a window that ends before a variant's
// first one does not see the marking it has deferred (docs/benchmarks.md, "The queue's garbage collections").
const amqp = require('amqplib');
const { constants: perfConstants, PerformanceObserver } = require('node:perf_hooks');

let majorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
}).observe({ entryTypes: ['gc'] });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The main thread's CPU µs so far (process.threadCpuUsage: Node 22.19+ and 23.9+; NaN before). */
const threadCpu = () => {
  if (typeof process.threadCpuUsage !== 'function') return NaN;
  const t = process.threadCpuUsage();
  return t.user + t.system;
};

async function main() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
  const rate = Number(process.env.BENCH_RATE ?? 0);
  const fixedWarmup = Number(process.env.BENCH_FIXED_WARMUP_SECONDS ?? 3);
  const fixedSeconds = Number(process.env.BENCH_FIXED_SECONDS ?? 5);
  const window = Number(process.env.WINDOW ?? 20);
  // noDelay: without it Nagle's algorithm and delayed ACKs cap the loop at ~40 ms per round trip.
  const conn = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', { noDelay: true });
  const ch = await conn.createChannel();
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  const payload = Buffer.from(JSON.stringify({ orderNumber: 'ORD-BENCH-1', customerId: 'C-1', model: 'cube-10mm.stl', material: 'PLA' }));
  let consumed = 0;
  let outstanding = 0;
  let refill = false;
  let onDrained = () => undefined;
  const send = () => {
    outstanding++;
    ch.sendToQueue(queue, payload, { contentType: 'application/json' });
  };
  await ch.consume(queue, (msg) => {
    ch.ack(msg);
    consumed++;
    outstanding--;
    if (refill) send();
    else if (outstanding === 0) onDrained();
  });
  /** Round trips consumed and the process's CPU (µs) over `ms` from now. */
  const measured = async (ms) => {
    const before = consumed;
    const gcsBefore = majorGcs;
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const mainStart = threadCpu();
    await sleep(ms);
    const cpu = process.cpuUsage(cpuStart);
    const main = threadCpu();
    return {
      roundTrips: consumed - before, seconds: Number(process.hrtime.bigint() - start) / 1e9,
      cpuUs: cpu.user + cpu.system, systemUs: cpu.system, mainUs: main - mainStart, majorGcs: majorGcs - gcsBefore,
    };
  };

  refill = true;
  for (let i = 0; i < window; i++) send();
  await sleep(warmup * 1000);
  const saturated = await measured(seconds * 1000);
  refill = false;
  const drained = new Promise((r) => { onDrained = r; });
  if (outstanding > 0) await drained;

  let fixed = { roundTrips: 0, seconds: 0, cpuUs: 0, systemUs: 0, mainUs: 0, majorGcs: 0 };
  if (rate > 0) {
    const started = Date.now();
    let sent = 0;
    const tick = setInterval(() => {
      const due = Math.floor(((Date.now() - started) * rate) / 1000);
      for (; sent < due; sent++) send();
    }, 10);
    await sleep(fixedWarmup * 1000);
    fixed = await measured(fixedSeconds * 1000);
    clearInterval(tick);
  }
  process.stdout.write(`${JSON.stringify({
    ...saturated,
    fixedRoundTrips: fixed.roundTrips, fixedSeconds: fixed.seconds, fixedCpuUs: fixed.cpuUs,
    fixedSystemUs: fixed.systemUs, fixedMainUs: fixed.mainUs, fixedMajorGcs: fixed.majorGcs,
  })}\n`);
  await sleep(200);
  await conn.close();
}
main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
