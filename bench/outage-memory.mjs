// Memory (RSS) of a service under the built preload while its collector is away, at 1000 events/s
// (each event: one order record and one span; test/fixtures/steady-load.cjs):
//   outage      a healthy OTLP/JSON sink for 10 s, gone for 60 s (connection refused), back on the same
//               port for 30 s — with the default queues and with queues sized for 60 s (65536)
//   black hole  a collector that accepts connections and never reads them, for 180 s (default queues)
//   healthy     the same load into a healthy sink for 180 s: the baseline
// All four run at once. Samples VmRSS (/proc/<pid>/status), open fds and sockets to the collector
// (/proc/<pid>/fd + /proc/net/tcp) every 5 s; docs/benchmarks.md quotes the figures.
//   node bench/outage-memory.mjs [outageSeconds=60] [blackHoleSeconds=180]     (after npm run build)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../scripts/lib/procs.cjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outageS = Number(process.argv[2] ?? 60);
const blackHoleS = Number(process.argv[3] ?? 180);
const RATE = 1000;
const listen = (server, port = 0) => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server.address().port)));

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}
function fdsAndSockets(pid, port) {
  const inodes = new Set();
  const fds = fs.readdirSync(`/proc/${pid}/fd`);
  for (const fd of fds) {
    try { const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`)); if (m) inodes.add(m[1]); } catch { /* closed */ }
  }
  let sockets = 0;
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const c = line.trim().split(/\s+/);
    if (c.length > 9 && inodes.has(c[9]) && Number.parseInt(c[2].split(':')[1], 16) === port) sockets++;
  }
  return { fds: fds.length, sockets };
}

/** A healthy OTLP/JSON sink counting distinct order numbers and span seqs delivered. */
function sink() {
  const orders = new Set();
  const spans = new Set();
  const sink = { orders, spans, maxSeq: -1 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        for (const rl of body.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) {
          const n = r.attributes?.find((a) => a.key === 'order.number');
          if (n) {
            orders.add(n.value.stringValue);
            sink.maxSeq = Math.max(sink.maxSeq, Number(n.value.stringValue.slice('ORD-'.length)));
          }
        }
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) {
          const n = s.attributes?.find((a) => a.key === 'load.seq');
          if (n) {
            spans.add(n.value.intValue);
            sink.maxSeq = Math.max(sink.maxSeq, Number(n.value.intValue));
          }
        }
      } catch { /* not ours */ }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  sink.server = server;
  return sink;
}

function startApp(endpoint, seconds, env = {}) {
  const child = spawn(process.execPath, ['--require', 'filament-otel/preload', 'test/fixtures/steady-load.cjs'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH, OTEL_SERVICE_NAME: 'outage-bench', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_METRICS_EXPORTER: 'none',
      EVENTS: String(RATE * seconds), TICK_MS: '10', PER_TICK: String(RATE / 100), ...env,
    },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.resume();
  return { child, stderr: () => stderr };
}

/** Samples every 5 s until exactly `seconds` have passed (the phases keep wall-clock time on a busy machine). */
async function sample(label, app, port, seconds, series) {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(Math.min(5000, end - Date.now()));
    const { fds, sockets } = fdsAndSockets(app.child.pid, port);
    series.push({ label, rss: rssMiB(app.child.pid), fds, sockets });
  }
}

async function outageRun(name, env) {
  const s = sink();
  const port = await listen(s.server);
  const app = startApp(`http://127.0.0.1:${port}`, 10 + outageS + 10, env);
  const series = [];
  await sample('healthy', app, port, 10, series);
  s.server.closeAllConnections();
  await new Promise((r) => s.server.close(r));
  const awayFrom = Date.now();
  await sample('away', app, port, outageS, series);
  await listen(s.server, port);
  const awayMs = Date.now() - awayFrom;
  await sample('back', app, port, 30, series);
  app.child.kill('SIGTERM');
  await new Promise((r) => app.child.on('exit', r));
  // What the app emitted before its stop (its timer runs slower than 1000/s on a busy machine):
  // the highest sequence number delivered (record or span), the flush at the stop having had 30 s of a healthy sink.
  const emitted = s.maxSeq + 1;
  return { name: `${name} (away ${(awayMs / 1000).toFixed(1)} s)`, series, emitted, orders: s.orders.size, spans: s.spans.size, stderr: app.stderr().trim() };
}

async function healthyRun() {
  const s = sink();
  const port = await listen(s.server);
  const app = startApp(`http://127.0.0.1:${port}`, blackHoleS);
  const series = [];
  await sample('healthy', app, port, blackHoleS, series);
  app.child.kill('SIGTERM');
  await new Promise((r) => app.child.on('exit', r));
  s.server.close();
  return { name: `healthy ${blackHoleS} s (baseline)`, series, stderr: app.stderr().trim() };
}

async function blackHoleRun() {
  const held = new Set();
  const hole = net.createServer({ pauseOnConnect: true }, (sock) => { held.add(sock); sock.on('error', () => {}); });
  const port = await listen(hole);
  const app = startApp(`http://127.0.0.1:${port}`, blackHoleS);
  const series = [];
  await sample('black hole', app, port, blackHoleS, series);
  app.child.kill('SIGTERM');
  await new Promise((r) => app.child.on('exit', r));
  for (const s of held) s.destroy();
  hole.close();
  return { name: `black hole ${blackHoleS} s`, series, stderr: app.stderr().trim() };
}

const results = await Promise.all([
  outageRun(`outage ${outageS} s, default queues`, {}),
  outageRun(`outage ${outageS} s, queues 65536`, { OTEL_BLRP_MAX_QUEUE_SIZE: '65536', OTEL_BSP_MAX_QUEUE_SIZE: '65536' }),
  blackHoleRun(),
  healthyRun(),
]);
console.log(`node ${process.version}, ${RATE} events/s (a record and a span each), samples every 5 s`);
for (const r of results) {
  console.log(`\n## ${r.name}`);
  console.log(`RSS MiB: ${r.series.map((s) => `${s.rss}${s.label === 'healthy' || s.label === 'black hole' ? '' : s.label === 'away' ? '*' : '+'}`).join(' ')}   (* away, + back)`);
  console.log(`max RSS ${Math.max(...r.series.map((s) => s.rss))} MiB; fds ${r.series[0].fds} → max ${Math.max(...r.series.map((s) => s.fds))}; sockets to the collector max ${Math.max(...r.series.map((s) => s.sockets))}`);
  if (r.emitted !== undefined) console.log(`emitted ${r.emitted} in ${10 + outageS + 30} s (${Math.round(r.emitted / (10 + outageS + 30))}/s); delivered: ${r.orders} records, ${r.spans} spans`);
  console.log(`stderr:\n${r.stderr}`);
}
