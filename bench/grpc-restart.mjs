// How soon the preload's gRPC exporters find a collector back after an outage: an OTLP/gRPC stand-in
// (@grpc/grpc-js) is stopped (port closed) for OUT seconds while an app emits 10 events/s, then
// started again on the same port; the figure is the time from its return to the first log export
// it accepts. docs/events.md ("Delivery") quotes it.
//   node bench/grpc-restart.mjs [outSeconds=30]     (after npm run build)
import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = Number(process.argv[2] ?? 30);
const bytes = (b) => b;
const service = (pkg, name) => ({
  Export: {
    path: `/opentelemetry.proto.collector.${pkg}.v1.${name}/Export`, requestStream: false, responseStream: false,
    requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes,
  },
});
let back;
let firstAfterReturn;
function serve(port) {
  const server = new grpc.Server();
  for (const [pkg, name] of [['logs', 'LogsService'], ['trace', 'TraceService'], ['metrics', 'MetricsService']]) {
    server.addService(service(pkg, name), {
      Export: (_call, callback) => {
        if (back !== undefined && firstAfterReturn === undefined && pkg === 'logs') firstAfterReturn = Date.now() - back;
        callback(null, Buffer.alloc(0));
      },
    });
  }
  return new Promise((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(),
    (error, bound) => (error ? reject(error) : resolve([server, bound]))));
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let [server, port] = await serve(0);
const app = spawn(process.execPath, ['--require', 'filament-otel/preload', '-e',
  "const { orderStatusChanged } = require('filament-otel'); let i = 0;"
  + " setInterval(() => orderStatusChanged({ customerId: 'C-1', orderNumber: `ORD-${i++}`, status: 'paid', previousStatus: 'priced' }), 100);"], {
  cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BLRP_SCHEDULE_DELAY: '200' },
});
await sleep(3000);
server.forceShutdown();
await sleep(out * 1000);
[server] = await serve(port);
back = Date.now();
while (firstAfterReturn === undefined && Date.now() - back < 70_000) await sleep(50);
process.stdout.write(`away ${out} s: first log export accepted ${firstAfterReturn ?? 'never'} ms after the return\n`);
app.kill('SIGKILL');
server.forceShutdown();
