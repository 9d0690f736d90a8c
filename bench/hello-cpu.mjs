#!/usr/bin/env node
/**
 * CPU time per request of the hello-world server (bench/servers/hello.cjs) under builds of the
 * preload, alternating, for the A/B of a change to the HTTP path without a whole `make bench`:
 * `make bench`'s fixed-rate method (autocannon, 20 connections, RATE requests/s overall, the
 * server process's utime + stime from /proc/<pid>/stat over the phase, divided by the requests
 * served), with user and system time also apart, and the main thread's alone
 * (/proc/<pid>/task/<pid>/stat; the rest is V8's helper threads — concurrent GC and compilers — and
 * libuv's). Each round starts every variant once, in an
 * order rotated per round, drives it WARMUP_SECONDS unmeasured, then SECONDS measured. Wall-clock
 * CPU moves with the machine's load: compare variants of one run only (docs/benchmarks.md,
 * "Semantic-convention names inlined").
 *
 *   VARIANTS='bare,base=/path/to/preload.js,new=dist/preload.js,upstream' ROUNDS=10 node bench/hello-cpu.mjs
 *
 * A variant is `bare`, `upstream` (the register of @opentelemetry/auto-instrumentations-node) or
 * `label=/path/preload.js`; `+K=V` after any of them adds K=V to its environment
 * (`filament=dist/preload.js+OTEL_BSP_SCHEDULE_DELAY=60000`). Telemetry goes over OTLP/HTTP to a
 * discarding sink in this process. RATE=0: as fast as the server answers (saturation).
 * SERVER=pricing drives the MES pricing route of bench/servers/pricing.cjs (POST of
 * examples/models/cube-10mm.stl, as `make bench` does) instead; the p99 column is autocannon's
 * over the measured phase (at a fixed rate: mostly the instrumentation's own pauses, such as an
 * export batch serialised on the event loop).
 * Env: VARIANTS ROUNDS (3) SECONDS (10) WARMUP_SECONDS (5) RATE (2000) SERVER (hello|pricing).
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTicks, interleaved, label, median, own, preloadArgs, TICK_US, variantEnv } from './variants.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VARIANTS = (process.env.VARIANTS ?? `bare,filament=${path.join(ROOT, 'dist', 'preload.js')},upstream`).split(',').filter(Boolean);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 5);
const RATE = Number(process.env.RATE ?? 2000);
/** The server and the request driven at it: the same two as `make bench` (bench/run.ts, TARGETS). */
const SERVERS = {
  hello: { file: 'hello.cjs', path: '/', opts: {} },
  pricing: {
    file: 'pricing.cjs',
    path: '/v1/models/price?customerId=C-100&material=PLA&filename=cube-10mm.stl',
    opts: { method: 'POST', body: fs.readFileSync(path.join(ROOT, 'examples', 'models', 'cube-10mm.stl')), headers: { 'content-type': 'application/octet-stream' } },
  },
};
const SERVER = SERVERS[process.env.SERVER ?? 'hello'];
if (!SERVER) throw new Error(`SERVER must be one of ${Object.keys(SERVERS).join(', ')}`);

const drive = (url, seconds) => new Promise((resolve, reject) => {
  autocannon({ url, duration: seconds, connections: 20, ...SERVER.opts, ...(RATE > 0 ? { overallRate: RATE } : {}) }, (error, result) => (error ? reject(error) : resolve(result)));
});

async function measure(variant, sinkUrl) {
  const env = variantEnv(variant, sinkUrl, { PORT: '0' });
  const child = spawn(process.execPath, [...preloadArgs(variant), path.join(ROOT, 'bench', 'servers', SERVER.file)], {
    cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /LISTENING (\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`${variant} exited ${code}`)));
    });
    const url = `http://127.0.0.1:${port}${SERVER.path}`;
    await drive(url, WARMUP_SECONDS);
    const before = cpuTicks(child.pid);
    const mainBefore = cpuTicks(child.pid, child.pid);
    const result = await drive(url, SECONDS);
    const after = cpuTicks(child.pid);
    const mainAfter = cpuTicks(child.pid, child.pid);
    const n = result.requests.total;
    const userUs = ((after.user - before.user) * TICK_US) / n;
    const sysUs = ((after.system - before.system) * TICK_US) / n;
    const mainUs = ((mainAfter.user + mainAfter.system - mainBefore.user - mainBefore.system) * TICK_US) / n;
    return { us: userUs + sysUs, userUs, sysUs, mainUs, p99: result.latency.p99 };
  } finally {
    child.kill('SIGKILL');
  }
}

const results = await interleaved(VARIANTS, ROUNDS, measure, (round, v, r) => {
  process.stderr.write(`hello-cpu: round ${round + 1}/${ROUNDS} ${label(v)}: ${r.us.toFixed(1)} µs CPU per request (user ${r.userUs.toFixed(1)}, system ${r.sysUs.toFixed(1)}, main thread ${r.mainUs.toFixed(1)}), p99 ${r.p99} ms\n`);
});

const bare = results.has('bare') ? median(results.get('bare').map((r) => r.us)) : undefined;
const upstream = results.has('upstream') ? median(results.get('upstream').map((r) => r.us)) : undefined;
const rate = RATE > 0 ? `${RATE} req/s` : 'saturation';
console.log(`| variant (${process.env.SERVER ?? 'hello'}, Node ${process.version}, ${ROUNDS} rounds of ${SECONDS} s at ${rate}) | CPU µs per request | added over bare | × upstream's added | user µs | system µs | main thread µs | p99 ms | rounds |`);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
for (const [v, rs] of results) {
  const us = median(rs.map((r) => r.us));
  const added = bare !== undefined && own(v) !== 'bare' ? us - bare : undefined;
  const ratio = added !== undefined && upstream !== undefined && own(v) !== 'upstream' ? (added / (upstream - bare)).toFixed(2) : '';
  console.log(`| ${label(v)} | ${us.toFixed(1)} | ${added === undefined ? '' : `+${added.toFixed(1)}`} | ${ratio} | ${median(rs.map((r) => r.userUs)).toFixed(1)} | ${median(rs.map((r) => r.sysUs)).toFixed(1)} | ${median(rs.map((r) => r.mainUs)).toFixed(1)} | ${median(rs.map((r) => r.p99))} (${rs.map((r) => r.p99).join(', ')}) | ${rs.map((r) => r.us.toFixed(1)).join(', ')} |`);
}
