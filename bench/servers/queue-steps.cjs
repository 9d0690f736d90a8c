// Publish + consume round trips through real RabbitMQ in steps the caller
// drives, for bench/instructions.mjs: WINDOW messages in flight, each consumed
// message acked and (while a step lasts) replaced by a new one — the loop of
// queue.cjs, counted in round trips instead of seconds.
// Protocol (stdout / stdin, one line each): prints READY; each line `run N`
// on stdin runs N round trips and prints `DONE N` once they are consumed
// (the in-flight window drained), after a line `HEAP <bytes>`: the bytes the
// process's V8 heap has allocated since it started (bench/queue-cpu.mjs reads
// the difference over a step; `-` where V8 does not count them: Node 26's
// heap statistics have total_allocated_bytes, 24's and 22's do not); `exit`
// closes the connection and ends.
const amqp = require('amqplib');
const v8 = require('node:v8');
const readline = require('node:readline');

async function main() {
  const window = Number(process.env.WINDOW ?? 20);
  const conn = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', { noDelay: true });
  const ch = await conn.createChannel();
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  const payload = Buffer.from(JSON.stringify({ orderNumber: 'ORD-BENCH-1', customerId: 'C-1', model: 'cube-10mm.stl', material: 'PLA' }));
  let toSend = 0;
  let outstanding = 0;
  let onDrained = () => undefined;
  const send = () => {
    toSend--;
    outstanding++;
    ch.sendToQueue(queue, payload, { contentType: 'application/json' });
  };
  await ch.consume(queue, (msg) => {
    ch.ack(msg);
    outstanding--;
    if (toSend > 0) send();
    else if (outstanding === 0) onDrained();
  });
  const run = (n) => new Promise((resolve) => {
    onDrained = resolve;
    toSend = n;
    for (let i = 0; i < Math.min(window, n); i++) send();
  });
  process.stdout.write('READY\n');
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [command, arg] = line.trim().split(/\s+/);
    if (command === 'run') {
      const n = Number(arg);
      await run(n);
      process.stdout.write(`HEAP ${v8.getHeapStatistics().total_allocated_bytes ?? '-'}\nDONE ${n}\n`);
    } else if (command === 'exit') {
      break;
    }
  }
  await conn.close();
}
main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
