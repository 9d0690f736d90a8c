// Cost of one event call: Filament's orderStatusChanged (run under the
// preload, exporting to the discard sink) vs pino's logger.info with a
// similar payload (written to /dev/null). Prints {kind, calls, nsPerCall}.
const kind = process.env.EMIT_KIND ?? 'filament';
const calls = Number(process.env.EMIT_CALLS ?? 200000);

let emit;
if (kind === 'pino') {
  const pino = require('pino');
  const logger = pino(pino.destination({ dest: '/dev/null', sync: false }));
  emit = (i) => logger.info({ event: 'order.status_changed', customerId: 'C-100', orderNumber: `ORD-${i}`, status: 'paid', previousStatus: 'priced' }, 'order status changed');
} else {
  const { orderStatusChanged } = require('filament-otel');
  emit = (i) => orderStatusChanged({ customerId: 'C-100', orderNumber: `ORD-${i}`, status: 'paid', previousStatus: 'priced' });
}

// Warm up the JIT, then measure in batches that let the exporter run between them,
// as in a service where events are spread over requests.
async function main() {
  for (let i = 0; i < 20000; i++) emit(i);
  await new Promise((r) => setTimeout(r, 200));
  const batch = 1000;
  let ns = 0n;
  for (let done = 0; done < calls; done += batch) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) emit(done + i);
    ns += process.hrtime.bigint() - start;
    await new Promise((r) => setImmediate(r));
  }
  process.stdout.write(`${JSON.stringify({ kind, calls, nsPerCall: Number(ns) / calls })}\n`);
}
main();
