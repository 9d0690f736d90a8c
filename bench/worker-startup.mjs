// What the preload costs a piscina worker that does no I/O — the MES API's pricing pool
// (examples/mes-api/pricing-worker.mjs), run with `--import` as the MES API runs
// (docs/benchmarks.md, "Worker threads"):
//   node bench/worker-startup.mjs [runs]   on the Node that runs it (default 9 runs)
// Variants, alternating, in a fresh process each: bare (no preload); off (the preload,
// FILAMENT_WORKER_INSTRUMENTATION=off: the typed API only, as before worker instrumentation);
// on (the default: the automatic instrumentations registered in each worker).
// Per run:
// - first job: a pool of one thread, from `new Piscina` to the answer of its first job (spawning the
//   thread, the preload and the worker's imports included): wall time, and the process's CPU time
//   over the same span and the pool's destroy (all threads; steadier than wall time on a shared machine);
// - MiB/worker: process RSS (main thread gc'd) after a pool of 4 threads has priced 16 cubes,
//   minus before the pool, divided by 4.
// Medians. Telemetry goes to an unreachable-free sink: every exporter is `none` (nothing here is
// about exporting; the main thread's SDK still starts and serves the workers).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.argv[2] ?? 9);
const PRELOAD = path.join(ROOT, 'dist', 'preload.mjs');
const VARIANTS = ['bare', 'off', 'on'];
const THREADS = 4;

const script = `
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const { Piscina } = createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))})('piscina');
const filename = ${JSON.stringify(path.join(ROOT, 'examples', 'mes-api', 'pricing-worker.mjs'))};
const bytes = readFileSync(${JSON.stringify(path.join(ROOT, 'examples', 'models', 'cube-10mm.stl'))});
const job = () => ({ bytes, customerId: 'C-1', filename: 'cube-10mm.stl', maxBytes: 1 << 20 });
const t = performance.now();
const cpu0 = process.cpuUsage();
const one = new Piscina({ filename, minThreads: 1, maxThreads: 1 });
const answer = await one.run(job());
if (answer.quote === undefined) throw new Error(JSON.stringify(answer));
const firstMs = performance.now() - t;
await one.destroy();
const cpu = process.cpuUsage(cpu0);
const firstCpuMs = (cpu.user + cpu.system) / 1000;
gc(); gc();
const before = process.memoryUsage().rss;
const pool = new Piscina({ filename, minThreads: ${THREADS}, maxThreads: ${THREADS} });
await Promise.all(Array.from({ length: ${THREADS * 4} }, () => pool.run(job())));
gc(); gc();
const perWorker = (process.memoryUsage().rss - before) / ${THREADS} / 2 ** 20;
await pool.destroy();
process.stdout.write(JSON.stringify({ firstMs, firstCpuMs, perWorker }));
`;

// A file, not -e: a worker inherits the process's execArgv, and --input-type there is refused.
const dir = mkdtempSync(path.join(tmpdir(), 'filament-worker-startup-'));
const app = path.join(dir, 'pool.mjs');
writeFileSync(app, script);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function run(variant) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
  if (variant !== 'bare') {
    Object.assign(env, { OTEL_SERVICE_NAME: 'bench', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
    if (variant === 'off') env.FILAMENT_WORKER_INSTRUMENTATION = 'off';
  }
  const args = ['--expose-gc', ...(variant === 'bare' ? [] : ['--import', PRELOAD]), app];
  const child = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 60000 });
  if (child.status !== 0) throw new Error(`${variant}: exit ${child.status}\n${child.stderr}`);
  return JSON.parse(child.stdout);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = Object.fromEntries(VARIANTS.map((v) => [v, { firstMs: [], firstCpuMs: [], perWorker: [] }]));
for (let i = 0; i < RUNS; i++) {
  const order = VARIANTS.slice(i % VARIANTS.length).concat(VARIANTS.slice(0, i % VARIANTS.length));
  for (const v of order) {
    const r = run(v);
    results[v].firstMs.push(r.firstMs);
    results[v].firstCpuMs.push(r.firstCpuMs);
    results[v].perWorker.push(r.perWorker);
  }
}
console.log(`Node ${process.version}, ${RUNS} runs, medians`);
console.log('| variant | first job of a new worker: wall (ms) | its CPU, all threads (ms) | RSS per worker (MiB) |');
console.log('|---|---|---|---|');
for (const v of VARIANTS) {
  console.log(`| ${v} | ${median(results[v].firstMs).toFixed(1)} | ${median(results[v].firstCpuMs).toFixed(1)} | ${median(results[v].perWorker).toFixed(1)} |`);
}
