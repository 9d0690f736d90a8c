#!/usr/bin/env node
/**
 * Cost of the app's own log line with bridging as INSTRUCTIONS per `logger.info` call, counted by
 * valgrind's callgrind over the measured calls of bench/servers/logcall.cjs — the load-independent
 * counterpart of `ONLY=logs make bench`'s CPU time per call (bench/run.ts, logBench), which on a shared
 * 2-core machine moves by tens of per cent run to run (docs/benchmarks.md, "Logs bridging: a fair
 * comparison").
 *
 *   node bench/log-instructions.mjs                      # pino, winston, bunyan × bare, filament, filament128, upstream
 *   LOGGERS=winston VARIANTS=bare,upstream node bench/log-instructions.mjs
 *
 * Method, as bench/instructions.mjs: the process runs under `valgrind --tool=callgrind
 * --instr-atstart=no` on the Node that runs this script; logcall.cjs makes WARMUP calls un-instrumented
 * (GO_ON_STDIN=1), flushes, prints WARM; then `callgrind_control -i on`, N calls (100 per event-loop turn
 * inside an active span) and the final flush — so the export of every bridged record is counted —
 * then `callgrind_control -d`. All threads are counted. N is a multiple of 100 and of both export batch
 * sizes (512 Filament and upstream, 128 filament128), so each window serialises whole batches; the
 * batch and metric timers are set to 60 s so that, ~50× slower under valgrind, batches still leave
 * when full as they do natively. Upstream's winston instrumentation bridges through Filament's
 * @opentelemetry/winston-transport 0.35, as in make bench (bench/run.ts, logPreloadArgs). One window
 * per process; WINDOWS processes per variant, interleaved, the median reported.
 *
 * Env: LOGGERS (pino,winston,bunyan) VARIANTS (bare,filament,filament128,upstream) N (12800)
 * WARMUP (20000) WINDOWS (1).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVERS = path.join(ROOT, 'bench', 'servers');
const list = (name, dflt) => (process.env[name] ?? dflt).split(',').map((s) => s.trim()).filter(Boolean);
const num = (name, dflt) => (Number.isFinite(Number(process.env[name])) && Number(process.env[name]) > 0 ? Number(process.env[name]) : dflt);
const LOGGERS = list('LOGGERS', 'pino,winston,bunyan');
const VARIANTS = list('VARIANTS', 'bare,filament,filament128,upstream');
const N = num('N', 12800);
const WARMUP = num('WARMUP', 20000);
const WINDOWS = num('WINDOWS', 1);

function preloadArgs(variant) {
  switch (variant) {
    case 'bare': return [];
    case 'filament':
    case 'filament128': return ['--require', path.join(ROOT, 'dist', 'preload.js')];
    case 'upstream': return ['--require', '@opentelemetry/auto-instrumentations-node/register'];
    default: throw new Error(`unknown variant ${variant}`);
  }
}

function env(variant, kind, sinkUrl) {
  const e = {
    PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production',
    LOG_KIND: kind, EMIT_CALLS: String(N), WARMUP_CALLS: String(WARMUP), GO_ON_STDIN: '1',
  };
  if (variant === 'bare') return e;
  return {
    ...e,
    OTEL_SERVICE_NAME: 'bench', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_LOGS_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'otlp', OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_BLRP_MAX_QUEUE_SIZE: String(N + WARMUP + 50000),
    OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BLRP_SCHEDULE_DELAY: '60000', OTEL_METRIC_EXPORT_INTERVAL: '60000',
    ...(variant === 'filament128' ? { OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '128' } : {}),
  };
}

/** The discarding OTLP sink, in this process (not measured). */
function startSink() {
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => { res.writeHead(200, { 'content-type': 'application/x-protobuf' }); res.end(''); });
  });
  server.keepAliveTimeout = 120000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

function callgrindControl(pid, ...args) {
  const res = spawnSync('callgrind_control', [...args, String(pid)], { encoding: 'utf8', timeout: 120000 });
  if (res.status !== 0) throw new Error(`callgrind_control ${args.join(' ')}: ${res.stderr || res.stdout}`);
}

/** One process: warm-up, then N calls and the flush counted; resolves to instructions per call. */
async function measure(kind, variant, sinkUrl, dir) {
  const out = path.join(dir, `cg.${kind}.${variant}`);
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}.%p`, process.execPath,
    ...preloadArgs(variant), path.join(SERVERS, 'logcall.cjs')], { cwd: ROOT, env: env(variant, kind, sinkUrl), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const waitFor = (re) => new Promise((resolve, reject) => {
    const check = () => { if (re.test(stdout)) { child.stdout.off('data', onData); resolve(); } };
    const onData = (d) => { stdout += d; check(); };
    child.stdout.on('data', onData);
    exited.then((code) => reject(new Error(`${kind} ${variant} exited ${code}\n${stderr.slice(-2000)}`)));
    check();
  });
  await waitFor(/WARM\n/);
  callgrindControl(child.pid, '-i', 'on');
  child.stdin.write('go\n');
  await waitFor(/\{"kind".*\}\n/);
  const before = new Set(fs.readdirSync(dir));
  callgrindControl(child.pid, '-d');
  let ir;
  for (let i = 0; i < 600 && ir === undefined; i++) {
    for (const f of fs.readdirSync(dir).filter((x) => !before.has(x) && x.startsWith(`cg.${kind}.${variant}`))) {
      const m = /^totals:\s*(\d+)/m.exec(fs.readFileSync(path.join(dir, f), 'utf8'));
      if (m) ir = Number(m[1]);
    }
    if (ir === undefined) await new Promise((r) => setTimeout(r, 200));
  }
  if (ir === undefined) throw new Error('callgrind dump not found');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
  await exited;
  clearTimeout(timer);
  return ir / N;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

async function main() {
  if (spawnSync('valgrind', ['--version']).status !== 0) throw new Error('valgrind is not installed (apt-get install valgrind)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-log-instructions-'));
  const sink = await startSink();
  process.stderr.write(`log-instructions: Node ${process.version}, N=${N}, WARMUP=${WARMUP}, WINDOWS=${WINDOWS}\n`);
  const rows = Object.fromEntries(LOGGERS.map((k) => [k, Object.fromEntries(VARIANTS.map((v) => [v, []]))]));
  try {
    for (let w = 0; w < WINDOWS; w++) {
      for (const kind of LOGGERS) {
        const order = VARIANTS.slice(w % VARIANTS.length).concat(VARIANTS.slice(0, w % VARIANTS.length));
        for (const variant of order) {
          const perCall = await measure(kind, variant, sink.url, dir);
          rows[kind][variant].push(perCall);
          process.stderr.write(`log-instructions: ${kind} ${variant} window ${w + 1}/${WINDOWS}: ${Math.round(perCall)} per call\n`);
        }
      }
    }
  } finally {
    sink.server.close();
    sink.server.closeAllConnections();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const k = (x) => `${(x / 1000).toFixed(1)} k`;
  const out = [`| logger (instructions per call, median of ${WINDOWS}) | ${VARIANTS.join(' | ')} | ${VARIANTS.filter((v) => v !== 'bare' && v !== 'upstream').map((v) => `${v} / upstream added`).join(' | ')} |`,
    `|---|${VARIANTS.map(() => '---:').join('|')}|${VARIANTS.filter((v) => v !== 'bare' && v !== 'upstream').map(() => '---:').join('|')}|`];
  for (const kind of LOGGERS) {
    const m = Object.fromEntries(VARIANTS.map((v) => [v, median(rows[kind][v])]));
    const bare = m.bare;
    const cells = VARIANTS.map((v) => (v === 'bare' || bare === undefined ? k(m[v]) : `${k(m[v])} (+${k(m[v] - bare)})`));
    const ratios = VARIANTS.filter((v) => v !== 'bare' && v !== 'upstream')
      .map((v) => (bare !== undefined && m.upstream !== undefined ? ((m[v] - bare) / (m.upstream - bare)).toFixed(2) : '—'));
    out.push(`| ${kind} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
