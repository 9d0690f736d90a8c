#!/usr/bin/env node
/**
 * CPU time per RabbitMQ round trip (publish + consume, 20 in flight) of builds of the preload,
 * alternating, for the A/B of a change to the queue path without a whole `make bench`: each round
 * starts bench/servers/queue-steps.cjs once per variant, runs WARMUP round trips, then reads the
 * process's CPU time (all threads, user + system, /proc/<pid>/stat, as bench/run.ts does for the
 * HTTP servers) around N more, and of its main thread alone (/proc/<pid>/task/<pid>/stat: the
 * rest is V8's helper threads — parallel scavenges, concurrent marking, compilation — and libuv's),
 * and the bytes its V8 heap allocated over them (v8.getHeapStatistics().total_allocated_bytes,
 * printed by the queue process: garbage the main thread later pays for in scavenges; n/a on Node 24
 * and 22, whose V8 does not count them). Wall-clock CPU moves with the machine's load; compare variants of
 * one run only (docs/benchmarks.md, "The queue path's own work").
 *
 *   VARIANTS='base=/path/to/preload.js,new=dist/preload.js,upstream' ROUNDS=5 node bench/queue-cpu.mjs
 *
 * A variant is `bare`, `upstream` (the register of @opentelemetry/auto-instrumentations-node) or
 * `label=/path/preload.js`; `+K=V` after any of them adds K=V to that variant's environment
 * (`b512=dist/preload.js+OTEL_BSP_MAX_EXPORT_BATCH_SIZE=512+OTEL_BLRP_MAX_EXPORT_BATCH_SIZE=512`). Telemetry goes over OTLP/HTTP to a discarding sink in this process,
 * with the SDKs' default schedules (unlike bench/instructions.mjs, which stretches them).
 * Env: VARIANTS ROUNDS (5) N (20000) WARMUP (20000) AMQP_URL.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTicks, interleaved, label, median, preloadArgs, TICK_US, variantEnv } from './variants.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VARIANTS = (process.env.VARIANTS ?? `bare,filament=${path.join(ROOT, 'dist', 'preload.js')},upstream`).split(',').filter(Boolean);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const N = Number(process.env.N ?? 20000);
const WARMUP = Number(process.env.WARMUP ?? 20000);
/** A step's end: the heap bytes allocated so far (`-`, read as NaN, where V8 does not count them), then DONE. */
const HEAP_DONE = /HEAP (\d+|-)\nDONE \d+\n/;
/** Allocated bytes per round trip as printed. */
const bytesText = (bytes) => (Number.isNaN(bytes) ? 'n/a' : String(Math.round(bytes)));
/** utime + stime, in clock ticks. */
const totalTicks = (pid, task) => { const t = cpuTicks(pid, task); return t.user + t.system; };

async function measure(variant, sinkUrl) {
  const env = variantEnv(variant, sinkUrl, { AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' });
  const child = spawn(process.execPath, [...preloadArgs(variant), path.join(ROOT, 'bench', 'servers', 'queue-steps.cjs')], {
    cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const waitFor = (re) => new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(out);
      if (m) {
        out = out.slice(m.index + m[0].length);
        child.stdout.off('data', onData);
        resolve(m);
      }
    };
    const onData = (d) => { out += d; check(); };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${variant} exited ${code}`)));
    check();
  });
  await waitFor(/READY\n/);
  child.stdin.write(`run ${WARMUP}\n`);
  const heapBefore = Number((await waitFor(HEAP_DONE))[1]);
  const before = totalTicks(child.pid);
  const mainBefore = totalTicks(child.pid, child.pid);
  const start = process.hrtime.bigint();
  child.stdin.write(`run ${N}\n`);
  const heapAfter = Number((await waitFor(HEAP_DONE))[1]);
  const used = totalTicks(child.pid) - before;
  const mainTicks = totalTicks(child.pid, child.pid) - mainBefore;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  child.stdin.write('exit\n');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  clearTimeout(timer);
  return { us: (used * TICK_US) / N, mainUs: (mainTicks * TICK_US) / N, bytes: (heapAfter - heapBefore) / N, perSecond: N / seconds };
}

const results = await interleaved(VARIANTS, ROUNDS, measure, (round, v, r) => {
  process.stderr.write(`queue-cpu: round ${round + 1}/${ROUNDS} ${label(v)}: ${r.us.toFixed(1)} µs CPU per round trip (main thread ${r.mainUs.toFixed(1)}), ${bytesText(r.bytes)} B allocated, ${Math.round(r.perSecond)}/s\n`);
});
const bare = results.has('bare') ? median(results.get('bare').map((r) => r.us)) : undefined;
const lines = [
  `| variant (Node ${process.version}, ${ROUNDS} rounds, ${N} round trips after ${WARMUP}) | CPU µs per round trip | added over bare | rounds | main thread µs | heap bytes allocated per round trip |`,
  '|---|---:|---:|---|---:|---:|',
];
for (const [v, rs] of results) {
  const m = median(rs.map((r) => r.us));
  const added = bare !== undefined && v !== 'bare' ? `+${(m - bare).toFixed(1)}` : '';
  const main = median(rs.map((r) => r.mainUs));
  const bytes = median(rs.map((r) => r.bytes));
  lines.push(`| ${label(v)} | ${m.toFixed(1)} | ${added} | ${rs.map((r) => r.us.toFixed(1)).join(', ')} | ${main.toFixed(1)} | ${bytesText(bytes)} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
