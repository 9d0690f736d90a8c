#!/usr/bin/env node
// @ts-check
/**
 * What the runtime metrics (runtime-node + host-metrics, on by default; docs/events.md, "Runtime
 * metrics") cost a service: the Filament preload with them ("on") and with
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS=runtime-node,host-metrics ("off"), side by side.
 *
 *   node bench/runtime-metrics.mjs        # prints a markdown table (docs/benchmarks.md, "Runtime metrics")
 *
 * Method (the same as bench/run.ts's "CPU per request", so the figures compare): each server in
 * its own process under the built preload, exporting OTLP/HTTP to a discarding sink at the
 * preload's default metric export interval (5 s, nothing set); variants alternate within a round,
 * the order rotated per round; medians over rounds.
 * - HTTP: warm-up, then a fixed RATE for SECONDS; server CPU (all threads, user + system,
 *   /proc/<pid>/stat) over the window divided by the requests served. The metrics' own work is
 *   per time (a 10 ms event-loop-delay timer, one collection per export) and per GC (the GC
 *   observer), so what it adds per request shrinks as the rate grows: the rate is in the table.
 * - Idle: the hello server started and left alone for IDLE_SECONDS (two or more exports): its CPU
 *   per second of idling, and its resident set (VmRSS) and peak (VmHWM) at the end.
 *
 * Env: ROUNDS (5) SECONDS (10) RATE (2000) IDLE_SECONDS (16) CONNECTIONS (20)
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOCK_TICKS, sleep } from '../scripts/lib/procs.cjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVERS = path.join(ROOT, 'bench', 'servers');
const num = (name, dflt) => (Number(process.env[name]) > 0 ? Number(process.env[name]) : dflt);
const ROUNDS = num('ROUNDS', 5);
const SECONDS = num('SECONDS', 10);
const RATE = num('RATE', 2000);
const IDLE_SECONDS = num('IDLE_SECONDS', 16);
const CONNECTIONS = num('CONNECTIONS', 20);
const VARIANTS = /** @type {const} */ (['on', 'off']);
const MODEL = fs.readFileSync(path.join(ROOT, 'examples', 'models', 'cube-10mm.stl'));
const TARGETS = {
  hello: { file: path.join(SERVERS, 'hello.cjs'), path: '/', opts: {} },
  pricing: {
    file: path.join(SERVERS, 'pricing.cjs'),
    path: '/v1/models/price?customerId=C-100&material=PLA&filename=cube-10mm.stl',
    opts: { method: 'POST', body: MODEL, headers: { 'content-type': 'application/octet-stream' } },
  },
};
const log = (line) => process.stderr.write(`runtime-metrics: ${line}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const rotate = (xs, by) => xs.map((_, i) => xs[(i + by) % xs.length]);
const fmt = (n, digits = 0) => n.toFixed(digits);

function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function memoryMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** @returns {Promise<{ child: import('node:child_process').ChildProcess, url: string, pid: number }>} */
function start(file, env, preload = true) {
  const child = spawn(process.execPath, [...(preload ? ['--require', path.join(ROOT, 'dist', 'preload.js')] : []), file], {
    cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}`, pid: /** @type {number} */ (child.pid) });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}:\n${err}`)));
  });
}

async function stop(server) {
  if (server.child.exitCode !== null) return;
  server.child.removeAllListeners('exit');
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const sink = await start(path.join(SERVERS, 'sink.cjs'), {}, false);
const envOf = (variant) => ({
  OTEL_SERVICE_NAME: 'bench', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_on',
  ...(variant === 'off' ? { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime-node,host-metrics' } : {}),
});

/** @type {Record<string, Record<string, number[]>>} */
const cpuUs = { hello: { on: [], off: [] }, pricing: { on: [], off: [] } };
const idle = { on: /** @type {{ cpuMsPerS: number, rss: number, peak: number }[]} */ ([]), off: /** @type {typeof idle.on} */ ([]) };
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, t] of Object.entries(TARGETS)) {
      for (const variant of rotate([...VARIANTS], round)) {
        const server = await start(t.file, envOf(variant));
        await autocannon({ url: server.url + t.path, connections: CONNECTIONS, duration: 3, overallRate: RATE, ...t.opts });
        const before = cpuSeconds(server.pid);
        const load = await autocannon({ url: server.url + t.path, connections: CONNECTIONS, duration: SECONDS, overallRate: RATE, ...t.opts });
        const us = ((cpuSeconds(server.pid) - before) * 1e6) / load.requests.total;
        await stop(server);
        if (load.errors + load.non2xx > 0) throw new Error(`${name} ${variant}: ${load.errors + load.non2xx} errors`);
        cpuUs[name][variant].push(us);
        log(`round ${round + 1}/${ROUNDS} ${name} ${variant}: ${fmt(us, 1)} µs/req at ${fmt(load.requests.average)} req/s`);
      }
    }
    for (const variant of rotate([...VARIANTS], round)) {
      const server = await start(TARGETS.hello.file, envOf(variant));
      await sleep(1000);
      const before = cpuSeconds(server.pid);
      await sleep(IDLE_SECONDS * 1000);
      const cpuMsPerS = ((cpuSeconds(server.pid) - before) * 1000) / IDLE_SECONDS;
      const mem = memoryMiB(server.pid);
      await stop(server);
      idle[variant].push({ cpuMsPerS, ...mem });
      log(`round ${round + 1}/${ROUNDS} idle ${variant}: ${fmt(cpuMsPerS, 2)} ms CPU/s, RSS ${fmt(mem.rss, 1)} MiB, peak ${fmt(mem.peak, 1)} MiB`);
    }
  }
} finally {
  await stop(sink);
}

const out = [];
out.push(`Node ${process.version}, ${ROUNDS} rounds, medians; HTTP at a fixed ${RATE} req/s for ${SECONDS} s, idle ${IDLE_SECONDS} s; metric export every 5 s (the default).`);
out.push('');
out.push('| route | CPU µs/req, runtime metrics on | off | added |');
out.push('|---|---:|---:|---:|');
for (const name of Object.keys(TARGETS)) {
  const on = median(cpuUs[name].on);
  const off = median(cpuUs[name].off);
  out.push(`| ${name} | ${fmt(on, 1)} | ${fmt(off, 1)} | ${fmt(on - off, 1)} |`);
}
out.push('');
out.push('| idle hello server | on | off | added |');
out.push('|---|---:|---:|---:|');
for (const [key, label, digits] of /** @type {const} */ ([['cpuMsPerS', 'CPU ms per second', 2], ['rss', 'RSS MiB', 1], ['peak', 'peak RSS MiB', 1]])) {
  const on = median(idle.on.map((r) => r[key]));
  const off = median(idle.off.map((r) => r[key]));
  out.push(`| ${label} | ${fmt(on, digits)} | ${fmt(off, digits)} | ${fmt(on - off, digits)} |`);
}
process.stdout.write(`${out.join('\n')}\n`);
