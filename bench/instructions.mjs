#!/usr/bin/env node
/**
 * Cost per request / per queue round trip as INSTRUCTIONS executed by the
 * server process (all its threads), counted by valgrind's callgrind over a
 * fixed number of requests — a figure that does not move with the load of a
 * shared machine, for A/B comparisons of changes to the hot paths. Wall-clock
 * CPU per request stays `make bench`'s figure (bench/run.ts); this one is
 * repeatable to about a percent where that one is not (docs/benchmarks.md,
 * "Instructions per request").
 *
 *   node bench/instructions.mjs                     # hello, pricing, queue × bare, filament, upstream
 *   ROUTES=pricing VARIANTS=filament node bench/instructions.mjs
 *   MODE=profile ROUTES=pricing node bench/instructions.mjs   # V8 profile of the window instead (no valgrind)
 *
 * Method: the server (or the queue process) runs under
 * `valgrind --tool=callgrind --instr-atstart=no` on the Node that runs this
 * script (`make`'s NODE_VERSION: run it through `scripts/node.sh`'s binary).
 * WARMUP requests un-instrumented (V8 tiers up by counts, not time), then per
 * window: `callgrind_control -i on`, N requests from this process
 * (CONCURRENCY keep-alive connections), `callgrind_control -d` (dump and zero);
 * WINDOWS windows per process, the median reported. Telemetry goes over
 * OTLP/HTTP to a discarding sink in this process. Under valgrind the server is
 * ~50× slower, so every batch processor's schedule delay and the metric
 * interval are set to 60 s: batches leave when full, as they do at 2000 req/s
 * unvalgrinded, and the metric export (once per 5 s, i.e. per ~10 000 requests
 * at that rate) stays out of the window. N is a multiple of both export batch
 * sizes in use (128 Filament, 512 upstream), so every window serialises the
 * same number of batches.
 *
 * MODE=profile: the same warm-up and window, without valgrind, the V8 sampling
 * profiler on over the window (bench/servers/profile-window.cjs); prints the
 * top self-time functions with their share of the window's samples, grouped
 * by source file and package through the preload bundle's source map.
 * MODE=heap: the same with V8's sampling heap profiler (every allocation of the
 * window, garbage included): bytes allocated per unit by function and package.
 *
 * Env: ROUTES (hello,pricing,queue) VARIANTS (bare,filament,upstream; `label=/path/preload.js`
 * measures another build of the preload, e.g. a baseline built from an earlier commit) N (4096)
 * WARMUP (40000) WINDOWS (3) CONCURRENCY (20) MODE (callgrind|profile|heap) TOP (30)
 * AMQP_URL; EXTRA_ENV='A=1 B=2' is added to the instrumented variants' env.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readDump, readPerfMap, report } from './callgrind-report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVERS = path.join(ROOT, 'bench', 'servers');
const list = (name, dflt) => (process.env[name] ?? dflt).split(',').map((s) => s.trim()).filter(Boolean);
const num = (name, dflt) => (Number.isFinite(Number(process.env[name])) && Number(process.env[name]) > 0 ? Number(process.env[name]) : dflt);
const ROUTES = list('ROUTES', 'hello,pricing,queue');
const VARIANTS = list('VARIANTS', 'bare,filament,upstream');
const N = num('N', 4096);
const WARMUP = num('WARMUP', 40000);
const WINDOWS = num('WINDOWS', 3);
const CONCURRENCY = num('CONCURRENCY', 20);
const MODE = process.env.MODE ?? 'callgrind';
/** Both run the window under profile-window.cjs, without valgrind. */
const PROFILING = MODE === 'profile' || MODE === 'heap';
const TOP = num('TOP', 30);
/**
 * Callgrind mode: also name where the last window's instructions went (JIT code through
 * --perf-basic-prof); INCLUSIVE='regex' adds the inclusive cost of the functions it matches.
 */
const ANNOTATE = process.env.ANNOTATE === '1';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const EXTRA_ENV = Object.fromEntries((process.env.EXTRA_ENV ?? '').split(/\s+/).filter(Boolean).map((kv) => {
  const i = kv.indexOf('=');
  return [kv.slice(0, i), kv.slice(i + 1)];
}));

const MODEL = fs.readFileSync(path.join(ROOT, 'examples', 'models', 'cube-10mm.stl'));
const ROUTE = {
  hello: { file: 'hello.cjs', method: 'GET', path: '/', body: undefined, headers: {} },
  pricing: {
    file: 'pricing.cjs', method: 'POST', path: '/v1/models/price?customerId=C-100&material=PLA&filename=cube-10mm.stl',
    body: MODEL, headers: { 'content-type': 'application/octet-stream', 'content-length': MODEL.length },
  },
  queue: { file: 'queue-steps.cjs' },
};

/** `label=/path/to/preload.js`: another build of the Filament preload (A/B against a baseline build). */
const isBuild = (variant) => variant.includes('=');

function preloadArgs(variant) {
  if (isBuild(variant)) return ['--require', path.resolve(variant.slice(variant.indexOf('=') + 1))];
  switch (variant) {
    case 'bare': return [];
    case 'filament': return ['--require', path.join(ROOT, 'dist', 'preload.js')];
    case 'upstream': return ['--require', '@opentelemetry/auto-instrumentations-node/register'];
    default: throw new Error(`unknown variant ${variant}`);
  }
}

function variantEnv(variant, sinkUrl, extra) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: '0', AMQP_URL, ...extra };
  if (variant === 'bare') return env;
  return {
    ...env,
    OTEL_SERVICE_NAME: 'bench',
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_TRACES_EXPORTER: 'otlp',
    // Batches leave when full, as under real load (see the top of this file).
    OTEL_BSP_SCHEDULE_DELAY: '60000',
    OTEL_BLRP_SCHEDULE_DELAY: '60000',
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
    ...EXTRA_ENV,
  };
}

/** The discarding OTLP sink, in this process (not measured). */
function startSink() {
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      const json = req.headers['content-type'] === 'application/json';
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  server.keepAliveTimeout = 120000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

/** Spawns the process under test; resolves once it printed `ready` (a regex on stdout). */
const fileLabel = (variant) => (isBuild(variant) ? variant.slice(0, variant.indexOf('=')) : variant);

function startProcess(variant, route, sinkUrl, ready, dir) {
  const node = process.execPath;
  const args = [...preloadArgs(variant)];
  const extraEnv = {};
  let command = node;
  if (PROFILING) {
    args.push('--require', path.join(SERVERS, 'profile-window.cjs'));
    extraEnv.PROFILE_OUT = path.join(dir, `${route}-${fileLabel(variant)}.${MODE === 'heap' ? 'heapprofile' : 'cpuprofile'}`);
    if (MODE === 'heap') extraEnv.PROFILE_KIND = 'heap';
  } else {
    command = 'valgrind';
    args.unshift('--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${path.join(dir, `cg.${route}.${fileLabel(variant)}`)}`, node);
    if (ANNOTATE) args.splice(args.indexOf(node) + 1, 0, '--perf-basic-prof');
  }
  args.push(path.join(SERVERS, ROUTE[route].file));
  const child = spawn(command, args, { cwd: ROOT, env: variantEnv(variant, sinkUrl, extraEnv), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = [];
  child.stdout.on('data', (d) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        out = out.slice(m.index + m[0].length);
        w.resolve(m);
      }
    }
  });
  child.stderr.on('data', (d) => { err += d.toString(); });
  const waitFor = (re, ms = 600000) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${route} ${variant}: no ${re} within ${ms} ms\n${err.slice(-2000)}`)), ms);
    const m = re.exec(out);
    if (m) {
      out = out.slice(m.index + m[0].length);
      clearTimeout(timer);
      resolve(m);
      return;
    }
    waiters.push({ re, resolve: (v) => { clearTimeout(timer); resolve(v); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${route} ${variant} exited ${code}\n${err.slice(-2000)}`)); });
  });
  return waitFor(ready).then((m) => ({ child, m, waitFor, stderr: () => err }));
}

/** `n` requests over CONCURRENCY keep-alive connections; rejects on any non-200. */
async function requests(port, route, n) {
  const r = ROUTE[route];
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let issued = 0;
  // A valgrind-slowed server's 5 s keep-alive timer can close a socket the agent is about to
  // reuse: the request is reset before the server read it, so it is sent again (a few times at most).
  const one = (attempt = 0) => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${route}: status ${res.statusCode}`))));
    });
    req.on('error', (error) => {
      if (error.code === 'ECONNRESET' && req.reusedSocket && attempt < 3) resolve(one(attempt + 1));
      else reject(error);
    });
    req.end(r.body);
  });
  const loop = async () => {
    while (issued < n) {
      issued++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, loop));
  agent.destroy();
}

function callgrindControl(pid, ...args) {
  const res = spawnSync('callgrind_control', [...args, String(pid)], { encoding: 'utf8', timeout: 120000 });
  if (res.status !== 0) throw new Error(`callgrind_control ${args.join(' ')}: ${res.stderr || res.stdout}`);
}

/** Dumps the counters collected since the last dump (callgrind zeroes them); returns the instructions and the dump. */
async function dumpInstructions(pid, dir) {
  const before = new Set(fs.readdirSync(dir));
  callgrindControl(pid, '-d');
  for (let i = 0; i < 600; i++) {
    const fresh = fs.readdirSync(dir).filter((f) => !before.has(f) && f.startsWith('cg.'));
    for (const f of fresh) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      // `totals:` (the sum over the dump's functions); `summary:` is wrong after a second dump.
      const m = /^totals:\s*(\d+)/m.exec(text);
      if (m) {
        return { ir: Number(m[1]), file: path.join(dir, f) };
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('callgrind dump not found');
}

/** Runs `n` units (requests or round trips) against the process. */
function driver(route, proc) {
  if (route === 'queue') {
    return async (n) => {
      proc.child.stdin.write(`run ${n}\n`);
      await proc.waitFor(/DONE \d+\n/);
    };
  }
  const port = Number(proc.m[1]);
  return (n) => requests(port, route, n);
}

const extraEnvProfile = (dir, route, variant) => path.join(dir, `${route}-${fileLabel(variant)}.${MODE === 'heap' ? 'heapprofile' : 'cpuprofile'}`);

async function measure(route, variant, sinkUrl, dir) {
  const ready = route === 'queue' ? /READY\n/ : /LISTENING (\d+)\n/;
  const proc = await startProcess(variant, route, sinkUrl, ready, dir);
  const pid = proc.child.pid;
  const run = driver(route, proc);
  const results = [];
  const annotations = [];
  try {
    await run(WARMUP);
    for (let w = 0; w < WINDOWS; w++) {
      if (PROFILING) {
        proc.child.kill('SIGUSR2');
        await proc.waitFor(/PROFILING\n/);
        const start = process.hrtime.bigint();
        await run(N);
        const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
        proc.child.kill('SIGUSR2');
        await proc.waitFor(/PROFILED\n/);
        results.push({ wallMs, profile: extraEnvProfile(dir, route, variant) });
        break; // one profiled window
      }
      callgrindControl(pid, '-i', 'on');
      await run(N);
      const { ir, file } = await dumpInstructions(pid, dir);
      callgrindControl(pid, '-i', 'off');
      results.push(ir / N);
      if (ANNOTATE) {
        annotations.push(file);
      } else if (process.env.KEEP_DUMPS === undefined) {
        fs.rmSync(file);
      }
      process.stderr.write(`instructions: ${route} ${variant} window ${w + 1}/${WINDOWS}: ${Math.round(ir / N)} per ${route === 'queue' ? 'round trip' : 'request'}\n`);
    }
  } finally {
    if (route === 'queue') proc.child.stdin.write('exit\n');
    else proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), 20000);
    await new Promise((r) => (proc.child.exitCode !== null ? r() : proc.child.once('exit', r)));
    clearTimeout(timer);
  }
  if (ANNOTATE && annotations.length > 0) {
    // Compressed names are defined in whichever dump used them first: read every dump in order.
    const names = new Map();
    const base = path.join(dir, `cg.${route}.${fileLabel(variant)}`);
    if (fs.existsSync(base)) readDump(base, names);
    let last;
    for (const f of annotations) last = readDump(f, names);
    const map = readPerfMap(`/tmp/perf-${pid}.map`);
    const unit = route === 'queue' ? 'round trip' : 'request';
    const inclusive = process.env.INCLUSIVE ? new RegExp(process.env.INCLUSIVE) : undefined;
    results.annotation = `### ${route}, ${fileLabel(variant)}: instructions per ${unit}, last window\n\n${report(last, map, N, TOP, inclusive)}\n`;
    fs.rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
  return results;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// ---------------------------------------------------------------- profile summary
const sourceMaps = new Map();
/** The original source of a profiled function: bundles (a preload.js with its .map) through their source map. */
function sourceOf(url, line, column) {
  const file = url.replace(/^file:\/\//, '');
  if (!/\/preload(-bundle)?\.js$/.test(file)) return file.replace(`${ROOT}/`, '');
  if (!sourceMaps.has(file)) {
    const mapFile = `${file}.map`;
    sourceMaps.set(file, fs.existsSync(mapFile) ? new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8'))) : null);
  }
  const entry = sourceMaps.get(file)?.findEntry(line, column);
  return entry?.originalSource ? entry.originalSource.replace(/^.*?(node_modules\/|src\/)/, '$1') : file;
}

/** The package (or our src/, or node:internal) a source file belongs to. */
function packageOf(source) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (m) return m[1];
  if (source.startsWith('src/')) return 'filament-otel (src/)';
  if (source.startsWith('node:')) return 'node: (internal)';
  if (source === '') return '(native / V8)';
  return source.includes('bench/') || source.includes('examples/') ? 'app (bench server)' : source;
}

function summariseProfile(file, wallMs, unit) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const counts = new Map();
  for (const id of p.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const perSample = (p.endTime - p.startTime) / p.samples.length; // µs
  const byFunction = new Map();
  const byPackage = new Map();
  let busy = 0;
  for (const node of p.nodes) {
    const c = counts.get(node.id) ?? 0;
    if (c === 0) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += c;
    const source = url ? sourceOf(url, lineNumber, columnNumber) : '';
    const key = `${functionName || '(anonymous)'} ${source}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + c);
    const pkg = functionName.startsWith('(') && !url ? functionName : packageOf(source);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + c);
  }
  const us = (c) => (c * perSample) / N;
  const lines = [];
  lines.push(`window: ${N} ${unit}s in ${Math.round(wallMs)} ms wall; main thread busy ${(us(busy)).toFixed(1)} µs per ${unit} (sampled)`);
  lines.push('', '| package / area | share of busy | µs per ' + unit + ' |', '|---|---:|---:|');
  for (const [k, c] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    lines.push(`| ${k} | ${((100 * c) / busy).toFixed(1)} % | ${us(c).toFixed(2)} |`);
  }
  lines.push('', '| function (self time) | share of busy | µs per ' + unit + ' |', '|---|---:|---:|');
  for (const [k, c] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    lines.push(`| ${k.replace(/\|/g, '\\|')} | ${((100 * c) / busy).toFixed(1)} % | ${us(c).toFixed(2)} |`);
  }
  return lines.join('\n');
}

/** MODE=heap: bytes allocated per unit (sampled), self, by package and by function. */
function summariseHeapProfile(file, unit) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byFunction = new Map();
  const byPackage = new Map();
  let total = 0;
  const walk = (node) => {
    if (node.selfSize > 0) {
      const { functionName, url, lineNumber, columnNumber } = node.callFrame;
      const source = url ? sourceOf(url, lineNumber, columnNumber) : '';
      const key = `${functionName || '(anonymous)'} ${source}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
      const pkg = functionName.startsWith('(') && !url ? functionName : packageOf(source);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child);
  };
  walk(p.head);
  const b = (bytes) => Math.round(bytes / N);
  const lines = [`window: ${N} ${unit}s; ${b(total)} bytes allocated per ${unit} (sampled)`];
  lines.push('', `| package / area | share | bytes per ${unit} |`, '|---|---:|---:|');
  for (const [k, c] of [...byPackage].sort((x, y) => y[1] - x[1]).slice(0, 15)) lines.push(`| ${k} | ${((100 * c) / total).toFixed(1)} % | ${b(c)} |`);
  lines.push('', `| function (self) | share | bytes per ${unit} |`, '|---|---:|---:|');
  for (const [k, c] of [...byFunction].sort((x, y) => y[1] - x[1]).slice(0, TOP)) {
    lines.push(`| ${k.replace(/\|/g, '\\|')} | ${((100 * c) / total).toFixed(1)} % | ${b(c)} |`);
  }
  return lines.join('\n');
}

async function main() {
  if (!PROFILING && spawnSync('valgrind', ['--version']).status !== 0) {
    throw new Error('valgrind is not installed (apt-get install valgrind), or use MODE=profile');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-instructions-'));
  const sink = await startSink();
  const out = [];
  process.stderr.write(`instructions: Node ${process.version}, N=${N}, WARMUP=${WARMUP}, WINDOWS=${WINDOWS}, CONCURRENCY=${CONCURRENCY}, mode ${MODE}\n`);
  try {
    for (const route of ROUTES) {
      const unit = route === 'queue' ? 'round trip' : 'request';
      const rows = {};
      for (const variant of VARIANTS) {
        const results = await measure(route, variant, sink.url, dir);
        if (MODE === 'heap') {
          out.push(`### ${route}, ${fileLabel(variant)}: allocation\n\n${summariseHeapProfile(results[0].profile, unit)}\n`);
        } else if (MODE === 'profile') {
          out.push(`### ${route}, ${fileLabel(variant)}\n\n${summariseProfile(results[0].profile, results[0].wallMs, unit)}\n`);
        } else {
          rows[variant] = results;
          if (results.annotation !== undefined) out.push(results.annotation);
        }
      }
      if (!PROFILING) {
        out.push(`| ${route} | instructions per ${unit} (median of ${WINDOWS}) | added over bare | windows |`, '|---|---:|---:|---|');
        const bare = rows.bare ? median(rows.bare) : undefined;
        for (const [variant, rs] of Object.entries(rows)) {
          const m = median(rs);
          const added = bare !== undefined && variant !== 'bare' ? `+${Math.round((m - bare) / 1000)} k` : '';
          out.push(`| ${fileLabel(variant)} | ${Math.round(m / 1000)} k | ${added} | ${rs.map((r) => Math.round(r / 1000)).join(', ')} k |`);
        }
        out.push('');
      }
    }
  } finally {
    sink.server.close();
    sink.server.closeAllConnections();
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (PROFILING) process.stderr.write(`instructions: profiles kept in ${dir}\n`);
  else if (process.env.KEEP_DUMPS === undefined) fs.rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`instructions: callgrind dumps kept in ${dir}\n`);
}

main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
