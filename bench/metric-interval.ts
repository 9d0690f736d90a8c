/**
 * The cost of the preload's metric export interval (docs/benchmarks.md,
 * "Metric export interval"): one service (test/fixtures/http-express.cjs)
 * under steady light traffic, its metrics exported over OTLP/HTTP protobuf to
 * a local sink that counts and discards, once per interval setting. Figures:
 * the service's CPU time per minute (utime + stime from /proc) and the bytes
 * and requests of metric exports per minute. Intervals alternate per round.
 *   npx tsx bench/metric-interval.ts     (SECONDS=60 ROUNDS=2 INTERVALS=5000,10000,60000 RATE=20)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.SECONDS ?? 60);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const RATE = Number(process.env.RATE ?? 20);
const INTERVALS = (process.env.INTERVALS ?? '5000,10000,60000').split(',').map(Number);
const TICKS = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function runOnce(intervalMs: number): Promise<{ cpuPerMin: number; bytesPerMin: number; exportsPerMin: number }> {
  let bytes = 0;
  let exports = 0;
  const sink = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => { if (req.url === '/v1/metrics') bytes += c.length; });
    req.on('end', () => { if (req.url === '/v1/metrics') exports++; res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(); });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const sinkPort = (sink.address() as { port: number }).port;
  const child = spawn(process.execPath, ['--require', path.join(ROOT, 'dist', 'preload.js'), path.join(ROOT, 'test', 'fixtures', 'http-express.cjs')], {
    env: {
      PATH: process.env.PATH, OTEL_SERVICE_NAME: 'bench-interval', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
      OTEL_METRIC_EXPORT_INTERVAL: String(intervalMs), OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /LISTENING (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
  });
  // Warm-up, then measure over SECONDS of steady traffic on a few routes.
  const routes = ['/orders/A-1', '/orders/B-2', '/unavailable', '/health'];
  let i = 0;
  const tick = setInterval(() => {
    void fetch(`http://127.0.0.1:${port}${routes[i++ % routes.length]}`).then((r) => r.arrayBuffer()).catch(() => undefined);
  }, 1000 / RATE);
  await new Promise((r) => setTimeout(r, 3000));
  const cpu0 = cpuSeconds(child.pid as number);
  const [b0, e0] = [bytes, exports];
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu1 = cpuSeconds(child.pid as number);
  const [b1, e1] = [bytes, exports];
  clearInterval(tick);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  sink.close();
  const perMin = 60 / SECONDS;
  return { cpuPerMin: (cpu1 - cpu0) * perMin, bytesPerMin: (b1 - b0) * perMin, exportsPerMin: (e1 - e0) * perMin };
}

async function main(): Promise<void> {
  const results = new Map<number, { cpuPerMin: number; bytesPerMin: number; exportsPerMin: number }[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? INTERVALS : [...INTERVALS].reverse();
    for (const ms of order) {
      const r = await runOnce(ms);
      results.set(ms, [...(results.get(ms) ?? []), r]);
      process.stderr.write(`round ${round + 1} interval ${ms} ms: ${JSON.stringify(r)}\n`);
    }
  }
  const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] as number : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2; };
  console.log(`| OTEL_METRIC_EXPORT_INTERVAL | service CPU per minute | metric export bytes per minute | exports per minute |`);
  console.log(`|---|---|---|---|`);
  for (const ms of INTERVALS) {
    const rs = results.get(ms) ?? [];
    console.log(`| ${ms} ms | ${median(rs.map((r) => r.cpuPerMin)).toFixed(2)} s | ${Math.round(median(rs.map((r) => r.bytesPerMin)))} | ${median(rs.map((r) => r.exportsPerMin)).toFixed(1)} |`);
  }
  console.log(`\n(${RATE} requests/s on 4 routes, ${SECONDS} s per run, median of ${ROUNDS} rounds; node ${process.version}, ${new Date().toISOString().slice(0, 10)})`);
}

void main();
