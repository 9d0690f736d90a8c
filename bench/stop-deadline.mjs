// How long after FILAMENT_SHUTDOWN_TIMEOUT_MS a stopping process is gone, for each way an app ends
// and a collector that refuses connections or accepts and never answers (a black hole).
// The trigger is SIGTERM (servers) or the app's READY line (scripts); the figure is exit time − deadline.
// Each app emits 200 events and a span; nothing is exported before the stop. docs/stopping.md quotes it.
//   node bench/stop-deadline.mjs [deadlineMs=5000] [runs=3]     (after npm run build)
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const deadline = Number(process.argv[2] ?? 5000);
const runs = Number(process.argv[3] ?? 3);

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const sockets = new Set();
const blackHole = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
const blackHolePort = await listen(blackHole);
const probe = net.createServer();
const refusedPort = await listen(probe);
await new Promise((r) => probe.close(r));

const apps = {
  'SIGTERM, no handler of the app': { file: 'test/fixtures/http-express.cjs', args: [], signal: true, ready: 'LISTENING' },
  'SIGTERM, app handler (server.close())': { file: 'test/fixtures/stop-modes.cjs', args: ['own-handler'], signal: true, ready: 'LISTENING' },
  'await shutdown()': { file: 'test/fixtures/stop-modes.cjs', args: ['await-shutdown'], signal: false, ready: 'READY' },
  'script that just ends': { file: 'test/fixtures/stop-modes.cjs', args: ['script'], signal: false, ready: 'READY' },
};

function once(app, port) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', 'filament-otel/preload', path.join(ROOT, app.file), ...app.args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        FILAMENT_SHUTDOWN_TIMEOUT_MS: String(deadline), OTEL_BLRP_SCHEDULE_DELAY: '60000', OTEL_BSP_SCHEDULE_DELAY: '60000',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    let started;
    child.stdout.on('data', async (d) => {
      out += d;
      if (started !== undefined || !out.includes(app.ready)) return;
      if (app.signal) {
        const m = /LISTENING (\d+)/.exec(out);
        if (app.file.endsWith('http-express.cjs')) await fetch(`http://127.0.0.1:${m[1]}/burst/200`, { method: 'POST' }).then((r) => r.text());
        started = Date.now();
        child.kill('SIGTERM');
      } else {
        started = Date.now();
      }
    });
    child.on('exit', () => resolve(Date.now() - started));
  });
}

console.log(`deadline ${deadline} ms, ${runs} runs each: exit time after the trigger, minus the deadline (max)`);
for (const [name, app] of Object.entries(apps)) {
  for (const [collector, port] of [['refused', refusedPort], ['black hole', blackHolePort]]) {
    const times = [];
    for (let i = 0; i < runs; i++) times.push(await once(app, port));
    console.log(`${name.padEnd(40)} ${collector.padEnd(10)} exits ${times.join(', ')} ms → max ${Math.max(...times) - deadline} ms after the deadline`);
  }
}
for (const s of sockets) s.destroy();
blackHole.close();
