/**
 * `make bench`: the preload's cost against bare Node, upstream's register and
 * Elastic's distribution, measured side by side in ONE run.
 *
 * Method: every variant runs as its own child process; variants alternate
 * within each round (the order rotates between rounds) and figures are the
 * median over rounds, so drift of a shared machine hits all variants alike.
 * Telemetry goes to a local OTLP/HTTP sink that accepts and discards
 * (exporting is paid for; the collector is measured in its own section,
 * bench/collector.mjs). Servers are stopped by
 * pid with a kill deadline (a server under upstream's register ignores
 * SIGTERM).
 *
 *   QUICK=1       one short round of everything (proves the harness; < 2 min)
 *   ROUNDS, SECONDS, CONNECTIONS, STARTUP_RUNS, OUTAGE_SECONDS, FIXED_RATE override
 *   PROFILE=1     also writes a CPU profile of the Filament trivial-route server, and the
 *                 collector's time per processor (bench/collector.mjs)
 *   ONLY=logs     only the cost of the app's own logger calls with bridging (bench/results/logs.md)
 *   ONLY=queue    only the RabbitMQ round trips (bench/results/queue.md)
 *   QUEUE_RATE    the queue's fixed rate, round trips/s (2000)
 *   QUEUE_WARMUP_SECONDS, QUEUE_MEASURE_SECONDS  the warm-up at that rate (10) and the window measured after it (8)
 *
 * Writes docs/benchmarks.md (full runs on the newest LTS line), docs/benchmarks-node<major>.md
 * (full runs on another line) or bench/results/quick.md (QUICK).
 */
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const SERVERS = path.join(__dirname, 'servers');
const QUICK = process.env.QUICK === '1' || process.env.QUICK === 'true';
const num = (name: string, full: number, quick: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : QUICK ? quick : full;
};
const ROUNDS = num('ROUNDS', 5, 1);
const SECONDS = num('SECONDS', 10, 3);
const WARMUP_SECONDS = QUICK ? 1 : 3;
const CONNECTIONS = num('CONNECTIONS', 20, 20);
const STARTUP_RUNS = num('STARTUP_RUNS', 15, 3);
const OUTAGE_SECONDS = num('OUTAGE_SECONDS', 60, 8);
const EMIT_CALLS = num('EMIT_CALLS', 200000, 20000);
const PROFILE = process.env.PROFILE === '1';
/** Latency is also measured at this fixed rate, below every variant's ceiling (queueing at saturation hides it). */
const FIXED_RATE = num('FIXED_RATE', 2000, 2000);
/**
 * The queue's CPU per round trip is read at this fixed rate, after its saturation phase and a
 * warm-up at the rate: on Node 24 and 26 V8 tiers up for 10–20 s, and a short window measures
 * the JIT (docs/benchmarks.md, "Node lines").
 */
const QUEUE_RATE = num('QUEUE_RATE', 2000, 2000);
const QUEUE_SECONDS = QUICK ? 2 : 5;
const QUEUE_FIXED_WARMUP_SECONDS = num('QUEUE_WARMUP_SECONDS', 10, 1);
const QUEUE_FIXED_SECONDS = num('QUEUE_MEASURE_SECONDS', 8, 2);

type Variant = 'bare' | 'filament' | 'upstream' | 'edot';
const VARIANTS: Variant[] = ['bare', 'filament', 'upstream', 'edot'];
const LABEL: Record<Variant, string> = {
  bare: 'bare Node',
  filament: 'Filament',
  upstream: 'upstream register',
  edot: 'EDOT Node.js',
};

function preloadArgs(variant: Variant): string[] {
  switch (variant) {
    case 'bare': return [];
    case 'filament': return ['--require', path.join(ROOT, 'dist', 'preload.js')];
    case 'upstream': return ['--require', '@opentelemetry/auto-instrumentations-node/register'];
    case 'edot': return ['--require', '@elastic/opentelemetry-node'];
  }
}

let sinkUrl = '';

/** All six events on, 100 % sampling, everything exported to the discard sink. */
function variantEnv(variant: Variant, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...extra };
  if (variant !== 'bare') {
    Object.assign(env, {
      OTEL_SERVICE_NAME: 'bench',
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_TRACES_EXPORTER: 'otlp',
      ...extra,
    });
  }
  return env;
}

interface Server { child: ChildProcess; url: string; pid: number }

async function startServer(file: string, variant: Variant, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [...preloadArgs(variant), ...extraArgs, file], {
    cwd: ROOT, env: variantEnv(variant, { PORT: '0', ...env }), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${variant} ${file} did not start:\n${err}`)); }, 30000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${m[1]}`, pid: child.pid as number });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${variant} ${file} exited ${code}:\n${err}`)); });
  });
}

/** SIGTERM, then SIGKILL after the deadline (upstream's register never exits on SIGTERM). */
async function stopServer(s: Server, deadlineMs = 3000): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), deadlineMs);
  await exited;
  clearTimeout(timer);
}

interface Load {
  reqPerSec: number; p50: number; p99: number; errors: number; requests: number;
  fixedP50?: number; fixedP99?: number;
  /** Server-process CPU (all threads, user + system) per request during the fixed-rate phase, µs. */
  fixedCpuUs?: number;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds a process has used so far, all its threads, user + system (/proc/<pid>/stat utime + stime). */
function processCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state, field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function drive(url: string, seconds: number, opts: Partial<autocannon.Options> = {}): Promise<Load> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, ...opts });
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    requests: result.requests.total,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const rotate = <T>(xs: T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length] as T);
const log = (line: string): void => { process.stderr.write(`bench: ${line}\n`); };

// ---------------------------------------------------------------- HTTP
const MODEL = fs.readFileSync(path.join(ROOT, 'examples', 'models', 'cube-10mm.stl'));
const TARGETS = {
  trivial: { file: path.join(SERVERS, 'hello.cjs'), path: '/', opts: {} as Partial<autocannon.Options> },
  pricing: {
    file: path.join(SERVERS, 'pricing.cjs'),
    path: '/v1/models/price?customerId=C-100&material=PLA&filename=cube-10mm.stl',
    opts: { method: 'POST', body: MODEL, headers: { 'content-type': 'application/octet-stream' } } as Partial<autocannon.Options>,
  },
};
type Target = keyof typeof TARGETS;

async function httpBench(): Promise<Record<Target, Record<Variant, Load[]>>> {
  const results = {} as Record<Target, Record<Variant, Load[]>>;
  for (const target of Object.keys(TARGETS) as Target[]) {
    results[target] = { bare: [], filament: [], upstream: [], edot: [] };
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of Object.keys(TARGETS) as Target[]) {
      const t = TARGETS[target];
      for (const variant of rotate(VARIANTS, round)) {
        const server = await startServer(t.file, variant);
        await drive(server.url + t.path, WARMUP_SECONDS, t.opts);
        const load = await drive(server.url + t.path, SECONDS, t.opts);
        const cpuBefore = processCpuSeconds(server.pid);
        const fixed = await drive(server.url + t.path, SECONDS, { ...t.opts, overallRate: FIXED_RATE });
        load.fixedCpuUs = ((processCpuSeconds(server.pid) - cpuBefore) * 1e6) / fixed.requests;
        load.fixedP50 = fixed.p50;
        load.fixedP99 = fixed.p99;
        load.errors += fixed.errors;
        await stopServer(server);
        results[target][variant].push(load);
        log(`round ${round + 1}/${ROUNDS} ${target} ${variant}: ${Math.round(load.reqPerSec)} req/s, p99 ${load.p99} ms, at ${FIXED_RATE} req/s p99 ${fixed.p99} ms, CPU ${fmt(load.fixedCpuUs, 1)} µs/req${load.errors ? `, ${load.errors} errors` : ''}`);
      }
    }
  }
  return results;
}

// ---------------------------------------------------------------- queue
/** One queue process: round trips/s at saturation and CPU per round trip there and at QUEUE_RATE. */
interface QueueRun { perSecond: number; cpuUs: number; fixedCpuUs: number; fixedMainUs: number; fixedMajorGcs: number }
async function queueBench(): Promise<Record<'bare' | 'filament' | 'upstream', QueueRun[]>> {
  const out = { bare: [] as QueueRun[], filament: [] as QueueRun[], upstream: [] as QueueRun[] };
  const seconds = 1 + QUEUE_SECONDS + QUEUE_FIXED_WARMUP_SECONDS + QUEUE_FIXED_SECONDS;
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of rotate(['bare', 'filament', 'upstream'] as const, round)) {
      const res = spawnSync(process.execPath, [...preloadArgs(variant), path.join(SERVERS, 'queue.cjs')], {
        cwd: ROOT,
        env: variantEnv(variant, {
          BENCH_SECONDS: String(QUEUE_SECONDS), BENCH_RATE: String(QUEUE_RATE),
          BENCH_FIXED_WARMUP_SECONDS: String(QUEUE_FIXED_WARMUP_SECONDS), BENCH_FIXED_SECONDS: String(QUEUE_FIXED_SECONDS),
          AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
        }),
        encoding: 'utf8', timeout: (seconds + 30) * 1000, killSignal: 'SIGKILL',
      });
      const line = res.stdout.trim().split('\n').find((l) => l.startsWith('{'));
      if (!line) throw new Error(`queue bench ${variant} failed: ${res.stderr}`);
      const r = JSON.parse(line) as {
        roundTrips: number; seconds: number; cpuUs: number; fixedRoundTrips: number; fixedCpuUs: number; fixedMainUs: number | null;
        fixedMajorGcs: number;
      };
      const run = {
        perSecond: r.roundTrips / r.seconds, cpuUs: r.cpuUs / r.roundTrips,
        fixedCpuUs: r.fixedCpuUs / r.fixedRoundTrips, fixedMainUs: (r.fixedMainUs ?? NaN) / r.fixedRoundTrips,
        fixedMajorGcs: r.fixedMajorGcs,
      };
      out[variant].push(run);
      log(`round ${round + 1}/${ROUNDS} queue ${variant}: ${Math.round(run.perSecond)} round trips/s, CPU ${fmt(run.cpuUs, 1)} µs per round trip; at ${QUEUE_RATE}/s ${fmt(run.fixedCpuUs, 1)} µs (main thread ${fmt(run.fixedMainUs, 1)}, ${run.fixedMajorGcs} major GCs)`);
    }
  }
  return out;
}

/** The queue's table: throughput at saturation, CPU per round trip at the fixed rate (the figure to compare) and at saturation. */
function queueTable(queue: Record<'bare' | 'filament' | 'upstream', QueueRun[]>): string[] {
  const rows = [
    'One process publishing and consuming through real RabbitMQ: round trips per second at saturation (20 in flight, '
      + `${QUEUE_SECONDS} s after 1 s), then the process's CPU (all threads, user + system, \`process.cpuUsage()\`) per round trip `
      + `at a fixed ${QUEUE_RATE} round trips/s (${QUEUE_FIXED_SECONDS} s measured after ${QUEUE_FIXED_WARMUP_SECONDS} s at that rate): `
      + 'one publish and one consume, with its telemetry, and of that the main thread\'s (`process.threadCpuUsage()`; the rest is '
      + 'V8\'s helper threads — garbage collection, compilation — and libuv\'s), with the major garbage collections (mark-compact) '
      + 'that ended in the window. CPU at saturation is shown too; it moves with how much of the '
      + 'shared cores RabbitMQ takes, and its short window measures V8\'s tier-up on Node 24+.',
    '',
    `| variant | round trips/s | × bare | CPU µs per round trip at ${QUEUE_RATE}/s | added µs | × upstream's added | main thread µs | major GCs | CPU µs at saturation | added µs |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const med = (v: 'bare' | 'filament' | 'upstream', k: keyof QueueRun): number => median(queue[v].map((r) => r[k]));
  const upstreamAdded = med('upstream', 'fixedCpuUs') - med('bare', 'fixedCpuUs');
  for (const v of ['bare', 'filament', 'upstream'] as const) {
    const added = med(v, 'fixedCpuUs') - med('bare', 'fixedCpuUs');
    rows.push(`| ${LABEL[v]} | ${fmt(med(v, 'perSecond'))} | ${fmt(med(v, 'perSecond') / med('bare', 'perSecond'), 2)} | `
      + `${fmt(med(v, 'fixedCpuUs'), 1)} | ${v === 'bare' ? '' : fmt(added, 1)} | ${v === 'filament' ? `${fmt(added / upstreamAdded, 2)}×` : ''} | `
      + `${fmt(med(v, 'fixedMainUs'), 1)} | ${fmt(med(v, 'fixedMajorGcs'))} | ${fmt(med(v, 'cpuUs'), 1)} | ${v === 'bare' ? '' : fmt(med(v, 'cpuUs') - med('bare', 'cpuUs'), 1)} |`);
  }
  return rows;
}

const queueOnly = (): Promise<void> => onlyPart('queue', async () => [
  `### Queue: publish + consume round trips through RabbitMQ (Node ${process.version}, ${ROUNDS} round(s), medians)`, '',
  ...queueTable(await queueBench()),
]);

// ---------------------------------------------------------------- startup and memory
/** Start-up runs of Filament with FILAMENT_CODE_CACHE=off, beside the variants: what the code cache saves. */
const CODE_CACHE_OFF = 'filamentNoCodeCache';
type StartupSeries = Variant | typeof CODE_CACHE_OFF;

/**
 * Filament's code cache (src/codeCache.ts) as a service has it: written by one run that lives until
 * the cache is (its first export sent, two seconds at least), so the measured start-ups use it.
 */
function primeCodeCache(): void {
  const wait = "const s = () => globalThis[Symbol.for('filament-otel.codeCache.v1')]; const t0 = Date.now(); "
    + "(function poll() { if (s()?.written === true || s()?.outcome === 'used' || Date.now() - t0 > 40000) { process.stdout.write(String(s()?.outcome)); return; } setTimeout(poll, 100); })();";
  const res = spawnSync(process.execPath, [...preloadArgs('filament'), '-e', wait], { cwd: ROOT, env: variantEnv('filament'), encoding: 'utf8', timeout: 60000 });
  log(`start-up: Filament's code cache ${res.stdout.trim() === 'used' ? 'was already there' : `primed (${res.stdout.trim() || res.stderr.trim()})`}`);
}

function startupBench(): Record<StartupSeries, { ms: number[]; mainCpuMs: number[]; rssMiB: number[] }> {
  const out = {} as Record<StartupSeries, { ms: number[]; mainCpuMs: number[]; rssMiB: number[] }>;
  const series: StartupSeries[] = [...VARIANTS, CODE_CACHE_OFF];
  for (const v of series) out[v] = { ms: [], mainCpuMs: [], rssMiB: [] };
  primeCodeCache();
  // The main thread's CPU time (what the start-up waits for; unlike wall time it hardly moves with
  // a shared machine's load — docs/benchmarks.md, "Idle memory and start-up on SDK 3") and the
  // peak RSS of the whole process, read as it exits.
  const script = "process.on('exit', () => { const t = process.threadCpuUsage(); process.stdout.write(`${t.user + t.system} ${process.resourceUsage().maxRSS}`); })";
  for (let i = 0; i < STARTUP_RUNS; i++) {
    for (const variant of rotate(series, i)) {
      const start = process.hrtime.bigint();
      const preload = variant === CODE_CACHE_OFF ? 'filament' : variant;
      const env = variant === CODE_CACHE_OFF ? variantEnv('filament', { FILAMENT_CODE_CACHE: 'off' }) : variantEnv(variant);
      const res = spawnSync(process.execPath, [...preloadArgs(preload), '-e', script], {
        cwd: ROOT, env, encoding: 'utf8', timeout: 30000, killSignal: 'SIGKILL',
      });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      out[variant].ms.push(ms);
      const [, mainUs, maxRss] = /(\d+) (\d+)\s*$/.exec(res.stdout) ?? [];
      out[variant].mainCpuMs.push(Number(mainUs) / 1000);
      out[variant].rssMiB.push(Number(maxRss) / 1024);
    }
  }
  return out;
}

/** Time from spawn to the first 200 of the pricing route. */
async function firstResponseBench(): Promise<Record<Variant, number[]>> {
  const out = { bare: [], filament: [], upstream: [], edot: [] } as Record<Variant, number[]>;
  const runs = QUICK ? 1 : Math.max(3, ROUNDS);
  for (let i = 0; i < runs; i++) {
    for (const variant of rotate(VARIANTS, i)) {
      const start = process.hrtime.bigint();
      const server = await startServer(TARGETS.pricing.file, variant);
      const res = await fetch(server.url + TARGETS.pricing.path, {
        method: 'POST', body: MODEL, headers: { 'content-type': 'application/octet-stream' },
      });
      await res.arrayBuffer();
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      await stopServer(server);
      if (res.status !== 200) throw new Error(`${variant}: pricing answered ${res.status}`);
      out[variant].push(ms);
    }
  }
  return out;
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** RSS of the Filament pricing server under steady load while the OTLP endpoint refuses connections. */
async function outageBench(): Promise<{ samples: number[]; reqPerSec: number }> {
  const closedPort = await new Promise<number>((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const p = (srv.address() as net.AddressInfo).port; srv.close(() => resolve(p)); });
  });
  const server = await startServer(TARGETS.pricing.file, 'filament', [], { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}` });
  await drive(server.url + TARGETS.pricing.path, WARMUP_SECONDS, { ...TARGETS.pricing.opts, overallRate: 500 });
  const samples: number[] = [rssMiB(server.pid)];
  const every = Math.max(1, Math.round(OUTAGE_SECONDS / 12));
  const timer = setInterval(() => samples.push(rssMiB(server.pid)), every * 1000);
  const load = await drive(server.url + TARGETS.pricing.path, OUTAGE_SECONDS, { ...TARGETS.pricing.opts, overallRate: 500 });
  clearInterval(timer);
  samples.push(rssMiB(server.pid));
  await stopServer(server, 10000);
  return { samples, reqPerSec: load.reqPerSec };
}

// ---------------------------------------------------------------- emit cost
function emitBench(): { filament: number[]; pino: number[] } {
  const out = { filament: [] as number[], pino: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const kind of rotate(['filament', 'pino'] as const, i)) {
      const variant: Variant = kind === 'filament' ? 'filament' : 'bare';
      const res = spawnSync(process.execPath, [...preloadArgs(variant), path.join(SERVERS, 'emit.cjs')], {
        cwd: ROOT, env: variantEnv(variant, { EMIT_KIND: kind, EMIT_CALLS: String(EMIT_CALLS) }), encoding: 'utf8', timeout: 120000,
      });
      const line = res.stdout.trim().split('\n').find((l) => l.startsWith('{'));
      if (!line) throw new Error(`emit bench ${kind} failed: ${res.stderr}`);
      out[kind].push((JSON.parse(line) as { nsPerCall: number }).nsPerCall);
    }
  }
  return out;
}

// ---------------------------------------------------------------- the app's own log lines
const LOGGERS = ['pino', 'winston', 'bunyan'] as const;
type LoggerKind = (typeof LOGGERS)[number];
/** filament128: Filament with the export batch of 128 it used before 2026-12-08, to separate the batch-size trade-off from the bridging. */
const LOG_VARIANTS = ['bare', 'filament', 'filament128', 'upstream'] as const;
type LogVariant = (typeof LOG_VARIANTS)[number];
type LogRun = { cpuNsPerCall: number; wallNsPerCall: number };
/** Calls of the bridging check (logBridgeCheck), without warm-up: each must arrive as one log record. */
const CHECK_CALLS = 1000;

/**
 * The preload of a log-bench variant. Upstream's winston instrumentation requires the
 * @opentelemetry/winston-transport it finds, here Filament's dependency: 0.35 emits through
 * @opentelemetry/api as SDK 3 does (0.34 emitted through api-logs 0.2xx, where upstream's register
 * installs no provider, and upstream bridged no winston line — docs/benchmarks.md, "Logs bridging: a
 * fair comparison"). logBridgeCheck still proves every variant's records arrive before a ratio is printed.
 */
function logPreloadArgs(variant: LogVariant): string[] {
  return preloadArgs(variant === 'filament128' ? 'filament' : variant);
}

function logCallRun(kind: LoggerKind, variant: LogVariant, env: Record<string, string>): LogRun {
  const preload: Variant = variant === 'filament128' ? 'filament' : variant;
  const res = spawnSync(process.execPath, [...logPreloadArgs(variant), path.join(SERVERS, 'logcall.cjs')], {
    cwd: ROOT,
    env: variantEnv(preload, {
      LOG_KIND: kind, OTEL_BLRP_MAX_QUEUE_SIZE: String(EMIT_CALLS + 50000),
      ...(variant === 'filament128' ? { OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '128' } : {}),
      ...env,
    }),
    encoding: 'utf8', timeout: 300000,
  });
  const line = res.stdout.trim().split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`log bench ${kind} ${variant} failed: ${res.stderr}`);
  return JSON.parse(line) as LogRun;
}

/** Log records that reached the sink for each bridging variant's CHECK_CALLS lines (undefined: bare, which bridges nothing). */
type BridgeCheck = Record<LoggerKind, Partial<Record<LogVariant, number>>>;

/**
 * Before measuring: every bridging variant logs CHECK_CALLS lines to a sink that counts the log records
 * it receives (bench/servers/sink.cjs, COUNT_LOGS=1). A variant whose records do not all arrive does
 * less work than one that exports them, and its cost is marked as not comparable in the table.
 */
async function logBridgeCheck(): Promise<BridgeCheck> {
  const counter = await startServer(path.join(SERVERS, 'sink.cjs'), 'bare', [], { COUNT_LOGS: '1' });
  const total = async (): Promise<number> => {
    const counts = (await (await fetch(`${counter.url}/log-records`)).json()) as Record<string, number>;
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };
  const out = {} as BridgeCheck;
  try {
    for (const kind of LOGGERS) {
      out[kind] = {};
      for (const variant of LOG_VARIANTS.filter((v) => v !== 'bare')) {
        const before = await total();
        logCallRun(kind, variant, { EMIT_CALLS: String(CHECK_CALLS), WARMUP_CALLS: '0', OTEL_EXPORTER_OTLP_ENDPOINT: counter.url });
        out[kind][variant] = (await total()) - before;
        log(`bridging check ${kind} ${variant}: ${out[kind][variant]} of ${CHECK_CALLS} log records arrived`);
      }
    }
  } finally {
    await stopServer(counter);
  }
  return out;
}

/**
 * CPU per logger.info call (bench/servers/logcall.cjs): bare (no bridging) vs Filament and upstream's
 * register, both bridging every line to an OTel log record and exporting it to the discard sink.
 */
function logBench(): Record<LoggerKind, Record<LogVariant, LogRun[]>> {
  const out = {} as Record<LoggerKind, Record<LogVariant, LogRun[]>>;
  for (const kind of LOGGERS) out[kind] = { bare: [], filament: [], filament128: [], upstream: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const kind of LOGGERS) {
      for (const variant of rotate([...LOG_VARIANTS], i)) {
        const run = logCallRun(kind, variant, { EMIT_CALLS: String(EMIT_CALLS) });
        out[kind][variant].push(run);
        log(`round ${i + 1}/${ROUNDS} ${kind} ${variant}: ${Math.round(run.cpuNsPerCall)} ns CPU per call`);
      }
    }
  }
  return out;
}

function logTable(results: ReturnType<typeof logBench>, check: BridgeCheck): string[] {
  const rows = [
    `CPU per \`logger.info({3 fields}, msg)\` inside an active span, the line written to /dev/null; with bridging each line is also `
      + 'an OTel log record exported over OTLP/HTTP protobuf to the discard sink (CPU = user + system time over the calls and the '
      + `final flush, so the export is included; batch queues large enough that no record is dropped). ${EMIT_CALLS} calls, `
      + `variants interleaved, medians of ${ROUNDS} round(s), the rounds' range in brackets. Before measuring, each bridging variant logged `
      + `${CHECK_CALLS} lines to a sink that counts the log records it receives ("records arrived"): a variant whose lines do not all arrive `
      + 'does less work, and its ratio is not given.',
    '',
    '| logger | bare ns | Filament added ns | Filament, batch 128, added | upstream register added | records arrived (Filament / 128 / upstream) | Filament / upstream added (batch 512 / 128) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const kind of LOGGERS) {
    const runs = (v: LogVariant): number[] => results[kind][v].map((r) => r.cpuNsPerCall);
    const bare = median(runs('bare'));
    const added = (v: LogVariant): number => median(runs(v)) - bare;
    const cell = (v: LogVariant): string => {
      const xs = runs(v);
      const range = xs.length > 1 ? ` (${fmt(Math.min(...xs) - bare)}…${fmt(Math.max(...xs) - bare)})` : '';
      return `+${fmt(added(v))}${range}`;
    };
    const bridged = (v: LogVariant): boolean => (check[kind][v] ?? 0) >= CHECK_CALLS;
    const ratio = (v: LogVariant): string => (bridged(v) && bridged('upstream') ? fmt(added(v) / added('upstream'), 2) : 'not comparable');
    const bareRange = runs('bare').length > 1 ? ` (${fmt(Math.min(...runs('bare')))}…${fmt(Math.max(...runs('bare')))})` : '';
    rows.push(`| ${kind} ${versionOf(kind)} | ${fmt(bare)}${bareRange} | ${cell('filament')} | ${cell('filament128')} | ${cell('upstream')} `
      + `| ${check[kind].filament} / ${check[kind].filament128} / ${check[kind].upstream} of ${CHECK_CALLS} | ${ratio('filament')} / ${ratio('filament128')} |`);
  }
  rows.push('', 'Filament and upstream both export log records in batches of 512 (Filament writes a batch in slices of 128 between '
    + 'which the event loop runs; docs/settings.md); the batch-128 column is Filament\'s default before 2026-12-08. Upstream\'s winston '
    + 'instrumentation bridges through the @opentelemetry/winston-transport it finds, here Filament\'s 0.35 (SDK 3\'s API); every variant\'s '
    + 'records are counted at the sink before a ratio is printed (docs/benchmarks.md, "Logs bridging: a fair comparison").');
  return rows;
}

/**
 * `ONLY=<part>`: one part of the bench against its own discard sink, its table printed and written to
 * bench/results/<part>.md.
 */
async function onlyPart(part: string, table: () => Promise<string[]>): Promise<void> {
  const sink = await startServer(path.join(SERVERS, 'sink.cjs'), 'bare');
  sinkUrl = sink.url;
  try {
    const text = (await table()).join('\n');
    process.stdout.write(`\n${text}\n`);
    const target = path.join(ROOT, 'bench', 'results', `${part}.md`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `# Benchmarks — ONLY=${part} (${new Date().toISOString()})\n\n${text}\n`);
    log(`written to ${path.relative(ROOT, target)}`);
  } finally {
    await stopServer(sink);
  }
}

const logsOnly = (): Promise<void> => onlyPart('logs', async () => {
  const check = await logBridgeCheck();
  return ['### The app\'s own log lines: cost per logger call with bridging', '', ...logTable(logBench(), check)];
});

// ---------------------------------------------------------------- SDK floor
interface FloorRun { recordNs: number; serializeNs: number }
/** The official SDK's own work per request (bench/servers/floor.cjs), no preload. */
function floorBench(): FloorRun[] {
  const out: FloorRun[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const res = spawnSync(process.execPath, [path.join(SERVERS, 'floor.cjs')], {
      cwd: ROOT, env: { ...process.env, EMIT_CALLS: String(EMIT_CALLS) }, encoding: 'utf8', timeout: 120000,
    });
    const line = res.stdout.trim().split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`floor bench failed: ${res.stderr}`);
    out.push(JSON.parse(line) as FloorRun);
  }
  return out;
}

// ---------------------------------------------------------------- the collector
/**
 * The collector's CPU per record through the shipped pipelines (bench/collector.mjs, its own child
 * process: it starts otelcol-filament per phase). Returns its markdown, or why it could not run.
 */
function collectorBench(): string {
  const res = spawnSync(process.execPath, [path.join(__dirname, 'collector.mjs')], {
    cwd: ROOT, env: { ...process.env, QUICK: QUICK ? '1' : '', PROFILE: PROFILE ? '1' : '' }, encoding: 'utf8', timeout: 30 * 60 * 1000,
  });
  if (res.status !== 0) return `Not measured: bench/collector.mjs failed (${(res.stderr ?? '').trim().split('\n').slice(-3).join(' ')}).`;
  return res.stdout.trim();
}

// ---------------------------------------------------------------- profile
async function profile(dir: string): Promise<string> {
  const server = await startServer(TARGETS.trivial.file, 'filament', ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  await drive(server.url, SECONDS);
  // SIGINT: Filament flushes and re-raises; the profile is written on exit.
  server.child.kill('SIGINT');
  await new Promise((r) => server.child.once('exit', r));
  const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f))[0] as string;
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[];
  };
  const self = new Map<number, number>();
  for (const s of prof.samples) self.set(s, (self.get(s) ?? 0) + 1);
  const byFrame = new Map<string, number>();
  for (const n of prof.nodes) {
    const where = n.callFrame.url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}/`, '').replace(`${ROOT}/`, '');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`;
    byFrame.set(key, (byFrame.get(key) ?? 0) + (self.get(n.id) ?? 0));
  }
  const total = prof.samples.length;
  return [...byFrame.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)
    .map(([k, n]) => `| ${(100 * n / total).toFixed(1)} % | \`${k}\` |`).join('\n');
}

// ---------------------------------------------------------------- report
const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'preload.js'))) throw new Error('run `make build` first (make bench does)');
  const started = Date.now();
  const sink = await startServer(path.join(SERVERS, 'sink.cjs'), 'bare');
  sinkUrl = sink.url;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-bench-'));
  try {
    log(`${QUICK ? 'QUICK: ' : ''}${ROUNDS} round(s), ${SECONDS} s per measurement, ${CONNECTIONS} connections`);
    const startup = startupBench();
    const firstResponse = await firstResponseBench();
    const http = await httpBench();
    const queue = await queueBench();
    const emit = emitBench();
    const logCheck = await logBridgeCheck();
    const logCalls = logBench();
    const floor = floorBench();
    log(`memory with the OTLP endpoint down for ${OUTAGE_SECONDS} s`);
    const outage = await outageBench();
    const hotspots = PROFILE ? await profile(tmp) : undefined;
    log('the collector: CPU per record through the shipped pipelines');
    const collector = collectorBench();

    const rows: string[] = [];
    const add = (line: string): void => { rows.push(line); };
    const cpus = os.cpus();
    add(`Machine: ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}.`);
    add(`Versions: filament-otel ${versionOf('../')}, @opentelemetry/auto-instrumentations-node ${versionOf('@opentelemetry/auto-instrumentations-node')}, `
      + `@elastic/opentelemetry-node ${versionOf('@elastic/opentelemetry-node')}, autocannon ${versionOf('autocannon')}.`);
    const overrides = ['ROUNDS', 'SECONDS', 'CONNECTIONS', 'STARTUP_RUNS', 'OUTAGE_SECONDS', 'EMIT_CALLS', 'FIXED_RATE']
      .filter((name) => process.env[name] !== undefined && process.env[name] !== '').map((name) => `${name}=${process.env[name]} `).join('');
    const { target, prose } = resultsTarget();
    // A run on another line than the newest says which (its file is docs/benchmarks-node<major>.md).
    const nodeLine = QUICK || path.basename(target) === 'benchmarks.md' ? '' : ` NODE_VERSION=${process.versions.node.split('.')[0]}`;
    add(`Command: \`${overrides}make bench${nodeLine}${QUICK ? ' QUICK=1' : ''}\` — ${ROUNDS} round(s), variants alternating (order rotated per round), `
      + `${SECONDS} s measured after ${WARMUP_SECONDS} s warm-up, autocannon with ${CONNECTIONS} connections; medians; `
      + `all telemetry (traces 100 % sampled, metrics, logs) exported over OTLP/HTTP to a local sink that discards. Run took ${Math.round((Date.now() - started) / 1000)} s.`);
    add('');
    add('### HTTP throughput and latency');
    add('');
    add(`Throughput and latency at saturation (${CONNECTIONS} connections, as fast as the server answers), then latency at a `
      + `fixed ${FIXED_RATE} req/s — where every variant has headroom, so what is added is mostly the instrumentation's own pauses (see Method).`);
    add('');
    add(`| route | variant | req/s | × bare | p50 ms | p99 ms | p99 added ms | p50 ms at ${FIXED_RATE}/s | p99 ms at ${FIXED_RATE}/s | p99 added at ${FIXED_RATE}/s |`);
    add('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const target of Object.keys(TARGETS) as Target[]) {
      const base = median(http[target].bare.map((l) => l.reqPerSec));
      const baseP99 = median(http[target].bare.map((l) => l.p99));
      const baseFixedP99 = median(http[target].bare.map((l) => l.fixedP99 ?? 0));
      for (const v of VARIANTS) {
        const rps = median(http[target][v].map((l) => l.reqPerSec));
        const p50 = median(http[target][v].map((l) => l.p50));
        const p99 = median(http[target][v].map((l) => l.p99));
        const fixedP50 = median(http[target][v].map((l) => l.fixedP50 ?? 0));
        const fixedP99 = median(http[target][v].map((l) => l.fixedP99 ?? 0));
        add(`| ${target === 'trivial' ? 'trivial (node:http hello)' : 'MES pricing (Fastify, 12-triangle STL)'} | ${LABEL[v]} | ${fmt(rps)} | ${fmt(rps / base, 2)} | ${fmt(p50, 1)} | ${fmt(p99, 1)} | ${v === 'bare' ? '' : fmt(p99 - baseP99, 1)} `
          + `| ${fmt(fixedP50, 1)} | ${fmt(fixedP99, 1)} | ${v === 'bare' ? '' : fmt(fixedP99 - baseFixedP99, 1)} |`);
      }
    }
    add('');
    add(`### HTTP: server CPU per request at a fixed ${FIXED_RATE} req/s`);
    add('');
    add('The server process\'s CPU time (all threads, user + system, from `/proc/<pid>/stat` before and after the fixed-rate '
      + 'phase) divided by the requests served in it. Unlike req/s at saturation this does not depend on how much of the '
      + 'two cores the load generator takes, so it is the figure to compare on a shared machine (10 ms clock ticks: ±1 %).');
    add('');
    add('| route | variant | CPU µs per request | added µs |');
    add('|---|---|---:|---:|');
    for (const target of Object.keys(TARGETS) as Target[]) {
      const baseCpu = median(http[target].bare.map((l) => l.fixedCpuUs ?? NaN));
      for (const v of VARIANTS) {
        const cpu = median(http[target][v].map((l) => l.fixedCpuUs ?? NaN));
        add(`| ${target === 'trivial' ? 'trivial (node:http hello)' : 'MES pricing (Fastify, 12-triangle STL)'} | ${LABEL[v]} | ${fmt(cpu, 1)} | ${v === 'bare' ? '' : fmt(cpu - baseCpu, 1)} |`);
      }
    }
    add('');
    add('### Queue: publish + consume round trips through RabbitMQ');
    add('');
    for (const row of queueTable(queue)) add(row);
    add('');
    add('### Start-up and memory');
    add('');
    add('| variant | `node <preload> -e 0` ms | added ms | main-thread CPU ms | added ms | first pricing response ms | added ms | peak RSS idle MiB |');
    add('|---|---:|---:|---:|---:|---:|---:|---:|');
    const sBase = median(startup.bare.ms);
    const cBase = median(startup.bare.mainCpuMs);
    const fBase = median(firstResponse.bare);
    for (const v of VARIANTS) {
      add(`| ${LABEL[v]} | ${fmt(median(startup[v].ms))} | ${v === 'bare' ? '' : fmt(median(startup[v].ms) - sBase)} | `
        + `${fmt(median(startup[v].mainCpuMs))} | ${v === 'bare' ? '' : fmt(median(startup[v].mainCpuMs) - cBase)} | `
        + `${fmt(median(firstResponse[v]))} | ${v === 'bare' ? '' : fmt(median(firstResponse[v]) - fBase)} | ${fmt(median(startup[v].rssMiB), 1)} |`);
      if (v === 'filament') {
        const off = startup[CODE_CACHE_OFF];
        add(`| Filament, \`FILAMENT_CODE_CACHE=off\` | ${fmt(median(off.ms))} | ${fmt(median(off.ms) - sBase)} | `
          + `${fmt(median(off.mainCpuMs))} | ${fmt(median(off.mainCpuMs) - cBase)} | | | ${fmt(median(off.rssMiB), 1)} |`);
      }
    }
    add('');
    add('Filament\'s rows: its code cache written first by one run that lived until it was (src/codeCache.ts: its first export sent), as a '
      + 'service that has run once on the host has it; `off`: the same build compiling its bundle at every start. A new container starts '
      + 'without a cache unless the image carries one (docs/settings.md, "The code cache").');
    add('');
    add('### Event emit cost (per call, preloaded and exporting vs pino to /dev/null)');
    add('');
    add('| call | ns per call |');
    add('|---|---:|');
    add(`| \`orderStatusChanged({...})\` (Filament) | ${fmt(median(emit.filament))} |`);
    add(`| \`logger.info({...}, msg)\` (pino ${versionOf('pino')}) | ${fmt(median(emit.pino))} |`);
    add('');
    add('### The app\'s own log lines: cost per logger call with bridging');
    add('');
    for (const row of logTable(logCalls, logCheck)) add(row);
    add('');
    add('### The official SDK\'s floor per request');
    add('');
    add('What the SDK packages themselves cost for the telemetry of one request at 100 % sampling — a SERVER span with the '
      + 'stable HTTP attributes, one `api.request` record, one duration point — recorded with the batch processors and a metric reader attached '
      + 'and serialised by the official OTLP protobuf serialisers (`bench/servers/floor.cjs`; no HTTP, no context manager, '
      + 'no sending, no instrumentation). Any distribution built on the official SDK pays at least this on the service\'s '
      + 'thread, so a route whose bare server spends *t* µs a request cannot exceed *t* / (*t* + floor) × bare.');
    add('');
    const recordUs = median(floor.map((f) => f.recordNs)) / 1000;
    const serializeUs = median(floor.map((f) => f.serializeNs)) / 1000;
    const floorUs = recordUs + serializeUs;
    add('| part | µs per request |');
    add('|---|---:|');
    add(`| span, record and point created, queued in the batch processors | ${fmt(recordUs, 1)} |`);
    add(`| serialised to OTLP protobuf | ${fmt(serializeUs, 1)} |`);
    add(`| floor | ${fmt(floorUs, 1)} |`);
    add('');
    add('| route | bare µs per request (1 / req/s) | ceiling × bare at this floor | goal | Filament |');
    add('|---|---:|---:|---:|---:|');
    for (const target of Object.keys(TARGETS) as Target[]) {
      const bareRps = median(http[target].bare.map((l) => l.reqPerSec));
      const bareUs = 1e6 / bareRps;
      const filament = median(http[target].filament.map((l) => l.reqPerSec)) / bareRps;
      add(`| ${target === 'trivial' ? 'trivial' : 'MES pricing'} | ${fmt(bareUs, 1)} | ${fmt(bareUs / (bareUs + floorUs), 2)} | `
        + `${target === 'trivial' ? '0.46' : '0.85'} | ${fmt(filament, 2)} |`);
    }
    add('');
    add(`### Memory while the OTLP endpoint is down (${OUTAGE_SECONDS} s, pricing route at 500 req/s, Filament)`);
    add('');
    add(`RSS MiB over time: ${outage.samples.map((s) => fmt(s, 0)).join(' → ')} (served ${fmt(outage.reqPerSec)} req/s). `
      + 'Bounded by the batch processors\' queues (2048 records/spans by default); what does not fit is dropped and counted by the SDK, not buffered without limit.');
    add('');
    add('### The collector: CPU per record through the shipped pipelines');
    add('');
    add(collector);
    if (hotspots) {
      add('');
      add('### Hot spots of the Filament trivial-route server (self time, node --cpu-prof)');
      add('');
      add('| self | function |');
      add('|---:|---|');
      add(hotspots);
    }
    const table = rows.join('\n');
    process.stdout.write(`\n${table}\n`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `${prose}\n## Results (${new Date().toISOString().slice(0, 10)})\n\n${table}\n`);
    log(`written to ${path.relative(ROOT, target)}`);
  } finally {
    await stopServer(sink);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Where a run's results go. Full runs on the newest LTS line (the first line
 * `scripts/node.sh lines` prints) rewrite docs/benchmarks.md under the prose of
 * bench/benchmarks-head.md; full runs on another line get their own file,
 * docs/benchmarks-node<major>.md, so measuring Node 22 does not replace the
 * newest line's figures. QUICK runs only prove the harness.
 */
function resultsTarget(): { target: string; prose: string } {
  if (QUICK) {
    return {
      target: path.join(ROOT, 'bench', 'results', 'quick.md'),
      prose: '# Benchmarks — QUICK run (proves the harness; figures are not for publishing)\n\n',
    };
  }
  const lines = spawnSync('bash', [path.join(ROOT, 'scripts', 'node.sh'), 'lines'], { encoding: 'utf8' }).stdout.trim().split('\n');
  const major = process.versions.node.split('.')[0];
  if (major === lines[0]) {
    return { target: path.join(ROOT, 'docs', 'benchmarks.md'), prose: fs.readFileSync(path.join(__dirname, 'benchmarks-head.md'), 'utf8') };
  }
  return {
    target: path.join(ROOT, 'docs', `benchmarks-node${major}.md`),
    prose: `# Benchmarks on Node ${major}\n\n`
      + `The same harness and method as [benchmarks.md](benchmarks.md) (which holds the method, the goals, what we found and\n`
      + `the newest LTS line's figures), run with \`make bench NODE_VERSION=${major}\`. This file is rewritten by each full run on\n`
      + `this line. Compare ratios and added CPU with the newest line's, not absolute numbers across days.\n`,
  };
}

(process.env.ONLY === 'logs' ? logsOnly() : process.env.ONLY === 'queue' ? queueOnly() : main()).catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
