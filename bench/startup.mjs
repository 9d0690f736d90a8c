// Start-up time and memory of the preload, split so that live data and V8's
// sizing can be told apart (docs/benchmarks.md, "Start-up and memory by Node line"):
//   node bench/startup.mjs [runs]   on the Node that runs it; PRELOAD (default dist/preload.js)
// Per variant, alternating, median of `runs` (default 15):
// - ms:   wall time of `node [--require preload] -e 0`, telemetry exported to a local
//         discarding OTLP sink (an unreachable endpoint makes the exit wait for timeouts);
// - peak: process.resourceUsage().maxRSS at exit (what `make bench` reports);
// - cpu:  the process's CPU time (user + system, all threads: process.cpuUsage()) at exit — on a
//         shared machine wall time grows with the neighbours' load, CPU time much less;
// - main: the main thread's CPU time alone (process.threadCpuUsage()): the part of the start-up
//         the process waits for; V8's compiler and GC threads run beside it;
// - at the app's first line (`-e` runs after the preload), with --expose-gc, after gc():
//   rss, heapUsed, external (+ arrayBuffers); and the modules loaded so far
//   (require.cache entries, process.moduleLoadList = Node's own built-ins and bindings).
// VARIANTS: comma-separated, of bare, filament, before (BEFORE=path of another build's
// preload.js), upstream, edot (default bare,filament).
// EXTRA_ARGS (space-separated node flags, e.g. --max-semi-space-size=1) apply to every run.
import { spawnSync } from 'node:child_process';
import { ROOT, namedPreloadArgs, startSink, startupEnv } from './startup-common.mjs';
import path from 'node:path';

const RUNS = Number(process.argv[2] ?? 15);
const PRELOAD = process.env.PRELOAD ?? path.join(ROOT, 'dist', 'preload.js');
const EXTRA = (process.env.EXTRA_ARGS ?? '').split(' ').filter((s) => s !== '');
const VARIANTS = (process.env.VARIANTS ?? 'bare,filament').split(',');

const { sink, url } = await startSink();
const env = (variant) => startupEnv(variant, url);
// `before`: another build of the preload (BEFORE=path/to/preload.js), for A/B runs.
const preloadArgs = (v) => (v === 'before' ? ['--require', process.env.BEFORE] : namedPreloadArgs(v, PRELOAD) ?? ['--require', PRELOAD]);

const peakScript = "process.on('exit', () => { const c = process.cpuUsage(); const t = process.threadCpuUsage(); "
  + "process.stdout.write(`${t.user + t.system} ${c.user + c.system} ${process.resourceUsage().maxRSS}`); })";
const liveScript = 'gc(); gc(); const m = process.memoryUsage(); process.stdout.write(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, '
  + 'heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, cjs: Object.keys(require.cache).length, '
  + 'builtins: process.moduleLoadList.length }))';

const r = Object.fromEntries(VARIANTS.map((v) => [v, { ms: [], main: [], cpu: [], peak: [], live: [] }]));
for (let i = 0; i < RUNS; i++) {
  const order = VARIANTS.slice(i % VARIANTS.length).concat(VARIANTS.slice(0, i % VARIANTS.length));
  for (const v of order) {
    const t = process.hrtime.bigint();
    const a = spawnSync(process.execPath, [...EXTRA, ...preloadArgs(v), '-e', peakScript], { cwd: ROOT, env: env(v), encoding: 'utf8', timeout: 30000 });
    r[v].ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    const [, mainUs, cpuUs, maxRss] = /(\d+) (\d+) (\d+)\s*$/.exec(a.stdout) ?? [];
    r[v].main.push(Number(mainUs) / 1000);
    r[v].cpu.push(Number(cpuUs) / 1000);
    r[v].peak.push(Number(maxRss) / 1024);
    const b = spawnSync(process.execPath, ['--expose-gc', ...EXTRA, ...preloadArgs(v), '-e', liveScript], { cwd: ROOT, env: env(v), encoding: 'utf8', timeout: 30000 });
    r[v].live.push(JSON.parse(/\{"rss".*\}/.exec(b.stdout)[0])); // not a log line the variant printed
  }
}
sink.kill();

const med = (xs) => { const s = [...xs].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const MiB = (b) => (b / 1048576).toFixed(1);
console.log(`node ${process.version} ${EXTRA.join(' ')} runs=${RUNS}`);
console.log('| variant | start-up ms | CPU ms, main thread | CPU ms, all threads | peak RSS MiB (exit) | RSS after gc | heapUsed | external (arrayBuffers) | CJS modules | built-ins/bindings |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const v of VARIANTS) {
  const L = (k) => med(r[v].live.map((x) => x[k]));
  console.log(`| ${v} | ${med(r[v].ms).toFixed(0)} | ${med(r[v].main).toFixed(0)} | ${med(r[v].cpu).toFixed(0)} | ${med(r[v].peak).toFixed(1)} | ${MiB(L('rss'))} | ${MiB(L('heapUsed'))} | ${MiB(L('external'))} (${MiB(L('arrayBuffers'))}) | ${L('cjs')} | ${L('builtins')} |`);
}
