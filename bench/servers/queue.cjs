// Publish + consume round trips through real RabbitMQ for BENCH_SECONDS,
// WINDOW messages in flight. Prints one JSON line {roundTrips, seconds, cpuUs} (CPU of the
// whole process over the measured window).
const amqp = require('amqplib');

async function main() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const window = Number(process.env.WINDOW ?? 20);
  // noDelay: without it Nagle's algorithm and delayed ACKs cap the loop at ~40 ms per round trip.
  const conn = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', { noDelay: true });
  const ch = await conn.createChannel();
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  const payload = Buffer.from(JSON.stringify({ orderNumber: 'ORD-BENCH-1', customerId: 'C-1', model: 'cube-10mm.stl', material: 'PLA' }));
  let done = 0;
  let measuring = false;
  let stopAt = 0;
  let resolveEnd;
  const ended = new Promise((r) => { resolveEnd = r; });
  const send = () => ch.sendToQueue(queue, payload, { contentType: 'application/json' });
  await ch.consume(queue, (msg) => {
    ch.ack(msg);
    if (measuring) done++;
    if (Date.now() < stopAt) send();
    else resolveEnd();
  });
  // One second of warm-up, then the measured window; the loop keeps running throughout.
  stopAt = Date.now() + 1000 + seconds * 1000;
  for (let i = 0; i < window; i++) send();
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  await ended;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart); // the whole process, all threads: user + system µs
  measuring = false;
  process.stdout.write(`${JSON.stringify({ roundTrips: done, seconds: elapsed, cpuUs: cpu.user + cpu.system })}\n`);
  await new Promise((r) => setTimeout(r, 200));
  await conn.close();
}
main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
