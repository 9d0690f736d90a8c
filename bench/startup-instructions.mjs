#!/usr/bin/env node
/**
 * Start-up as INSTRUCTIONS: `node [--require <preload>] -e 0` under valgrind's callgrind
 * (`--separate-threads=yes`), exporting to a local discarding sink with bench/startup.mjs's env, so
 * the exit's export is paid as in that bench. Prints, per variant, the main thread's instructions
 * (what the start-up waits for) and all threads' (V8's compiler and GC threads too), in millions —
 * figures that do not move with a shared machine's load, unlike startup.mjs's CPU times
 * (docs/benchmarks.md, "Idle memory and start-up on SDK 3").
 *
 *   node bench/startup-instructions.mjs                # bare, filament, upstream on the Node that runs it
 *   VARIANTS=bare,filament,upstream,edot RUNS=3 node bench/startup-instructions.mjs
 *
 * Env: VARIANTS (bare,filament,upstream; also edot, or label=/path/preload.js for another build)
 * RUNS (1: one run a variant, interleaved; the median is printed with the runs).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { ROOT, namedPreloadArgs, startSink, startupEnv } from './startup-common.mjs';

const VARIANTS = (process.env.VARIANTS ?? 'bare,filament,upstream').split(',').map((s) => s.trim()).filter(Boolean);
const RUNS = Number(process.env.RUNS) > 0 ? Number(process.env.RUNS) : 1;

const preloadArgs = (v) => {
  if (v.includes('=')) return ['--require', path.resolve(v.slice(v.indexOf('=') + 1))];
  const args = namedPreloadArgs(v);
  if (args === undefined) throw new Error(`unknown variant ${v}`);
  return args;
};
const label = (v) => (v.includes('=') ? v.slice(0, v.indexOf('=')) : v);

const env = startupEnv; // bench/startup.mjs's env: every signal exported to the discarding sink

/** Instructions of one run: the main thread's (callgrind's thread 1) and all threads'. */
function run(variant, url, dir) {
  const prefix = path.join(dir, `cg.${label(variant)}`);
  const res = spawnSync('valgrind', ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${prefix}.%p`,
    process.execPath, ...preloadArgs(variant), '-e', '0'], { cwd: ROOT, env: env(variant, url), encoding: 'utf8', timeout: 900000 });
  if (res.status !== 0) throw new Error(`${variant}: valgrind exited ${res.status}\n${(res.stderr ?? '').slice(-2000)}`);
  let main = 0;
  let all = 0;
  for (const f of fs.readdirSync(dir).filter((x) => x.startsWith(`cg.${label(variant)}.`))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const ir = Number((/^(?:totals|summary):\s*(\d+)/m.exec(text) ?? [])[1] ?? 0);
    all += ir;
    if (/-0*1$/.test(f)) main += ir;
    fs.rmSync(path.join(dir, f));
  }
  return { main: main / 1e6, all: all / 1e6 };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

async function main() {
  if (spawnSync('valgrind', ['--version']).status !== 0) throw new Error('valgrind is not installed (apt-get install valgrind)');
  const { sink, url } = await startSink();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-startup-instructions-'));
  const r = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const v of VARIANTS.slice(i % VARIANTS.length).concat(VARIANTS.slice(0, i % VARIANTS.length))) {
        const x = run(v, url, dir);
        r[v].push(x);
        process.stderr.write(`startup-instructions: ${label(v)} run ${i + 1}/${RUNS}: main thread ${x.main.toFixed(1)} M, all threads ${x.all.toFixed(1)} M\n`);
      }
    }
  } finally {
    sink.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const bare = r.bare ? median(r.bare.map((x) => x.main)) : undefined;
  console.log(`node ${process.version}, callgrind --separate-threads=yes, \`node [-r preload] -e 0\`, runs=${RUNS}; millions of instructions`);
  console.log('| variant | main thread | added over bare | all threads | runs (main) |');
  console.log('|---|---:|---:|---:|---|');
  for (const v of VARIANTS) {
    const m = median(r[v].map((x) => x.main));
    const added = bare !== undefined && v !== 'bare' ? `+${(m - bare).toFixed(1)}` : '';
    console.log(`| ${label(v)} | ${m.toFixed(1)} | ${added} | ${median(r[v].map((x) => x.all)).toFixed(1)} | ${r[v].map((x) => x.main.toFixed(1)).join(', ')} |`);
  }
}

main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
