'use strict';
// What the project's scripts, benches and tests share about processes on this machine: a free
// loopback port, the otelcol-filament binary, a process's CPU time, a wait on an event (waitFor) and a
// deliberate pause (sleep). One home: the .mjs
// scripts and benches import it, test/support/collector.ts re-exports it for the specs (types in
// procs.d.cts). CommonJS, so that both ES modules and the CommonJS specs can load it.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

// Ports this process has handed out. The kernel may give a just-closed port 0 binding again (seen:
// a collector's health check and OTLP receiver got the same port and it failed to start), so a port
// already handed out is never handed out twice by one process.
const handedOut = new Set();

/** A loopback port nothing listens on right now (the OS picks it), never one this process had already. @returns {Promise<number>} */
exports.freePort = async function freePort() {
  for (let attempt = 0; ; attempt++) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port: p } = /** @type {import('node:net').AddressInfo} */ (srv.address());
        srv.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port) || attempt >= 50) {
      handedOut.add(port);
      return port;
    }
  }
};

/**
 * A deliberate pause: spacing load, or giving something that must NOT happen the time to show itself.
 * To wait for something that does happen, use waitFor. @param {number} ms @returns {Promise<void>}
 */
exports.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for an event another process shows only when asked (an HTTP API, a file, a child's output):
 * polls `check` every `intervalMs` until it returns something other than undefined and resolves with
 * that. A check that throws counts as "not yet" (a server still starting); its last error is in the
 * timeout's message, which names `what`.
 * @template T
 * @param {string} what @param {number} timeoutMs
 * @param {() => T | undefined | Promise<T | undefined>} check
 * @param {number} [intervalMs]
 * @returns {Promise<T>}
 */
exports.waitFor = async function waitFor(what, timeoutMs, check, intervalMs = 250) {
  const end = Date.now() + timeoutMs;
  /** @type {unknown} */
  let lastError;
  for (;;) {
    try {
      const got = await check();
      if (got !== undefined) return got;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : ` (last: ${String(lastError)})`}`);
    }
    await exports.sleep(intervalMs);
  }
};

/** @type {string | undefined} */
let binary;
/**
 * otelcol-filament: FILAMENT_OTELCOL_BIN, else built (or taken from the cache) by
 * scripts/collector-build.sh, whose last line is the binary's path. Throws when it cannot be built.
 * @returns {string}
 */
exports.collectorBinary = function collectorBinary() {
  if (binary !== undefined) return binary;
  if (process.env.FILAMENT_OTELCOL_BIN) return (binary = process.env.FILAMENT_OTELCOL_BIN);
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'collector-build.sh')], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 20 * 60 * 1000,
  });
  binary = out.trim().split('\n').pop() ?? '';
  return binary;
};

/**
 * The Go runtime settings every otelcol-filament is started with — here (tests, benches, the demo) and in
 * collector/docker-compose.yml (test/compose.test.ts checks they agree). GOGC=400: the collector's live heap
 * is small and allocation-heavy (OTTL boxes every value), so at the default GOGC=100 the garbage collector
 * runs every few MB; at 400 it runs a fifth as often and a log record costs half the CPU
 * (docs/benchmarks.md, "The collector"). Memory stays bounded whatever GOGC says: memory_limiter
 * (config.yaml) refuses data above 55 % of the memory limit and forces a collection above 75 %.
 */
exports.COLLECTOR_RUNTIME_ENV = Object.freeze({ GOGC: '400' });

/** Clock ticks per second of /proc/<pid>/stat's times (getconf CLK_TCK; 100 on Linux). */
exports.CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** A process's CPU time so far, user + system, in clock ticks (proc(5): fields 14 and 15). @param {number} pid */
exports.cpuTicks = function cpuTicks(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
};
