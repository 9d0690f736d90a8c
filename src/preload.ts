/**
 * `node --require filament-otel/preload app.js` (and, through preload.mts,
 * `node --import filament-otel/preload app.mjs`). Thin on purpose: read the
 * configuration, start the SDK, install the stop hooks, report problems.
 * Nothing here may stop the host service from starting.
 */
import { isMainThread } from 'node:worker_threads';
import { loadConfig } from './loadConfig';
import { installCrashHandler } from './crash';
import { installExitHooks } from './exit';
import { installShutdownHooks, signalStopDeadline } from './lifecycle';
import { startSdk, startWorkerInstrumentation } from './sdk';
import { instrumentsThisThread } from './threads';
import { globals, kConfig, kEsmHooks, kStarted } from './symbols';

function startPreload(): void {
  // The ESM entry's loader-hook registration (preload.mts), if it required us: only this start may use it.
  const registerEsmHooks = globals[kEsmHooks];
  delete globals[kEsmHooks];
  if (globals[kStarted] === true) return; // --require and --import together
  globals[kStarted] = true;
  // A Worker inherits the process's --require/--import, and a worker has its own globalThis:
  // it starts no second SDK (a second resource, export stream and set of stop hooks) — the
  // process's telemetry is the main thread's, as in Elastic's require.js — only the automatic
  // instrumentations, which hand what they record to the main thread's SDK (sdk.ts).
  if (!isMainThread) {
    startInWorker(registerEsmHooks);
    return;
  }
  try {
    const { config, problems } = loadConfig();
    globals[kConfig] = { config };
    if (config.disabled) {
      for (const line of problems) process.stderr.write(`${line}\n`);
      return;
    }
    // Before the SDK: the instrumentations' Hook() calls must reach a registered loader.
    registerEsmHooks?.();
    const sdk = startSdk(config, problems);
    installShutdownHooks(sdk, config.shutdownTimeoutMs);
    installCrashHandler(sdk, config.shutdownTimeoutMs);
    installExitHooks(sdk, { flushOnExit: config.flushOnExit, timeoutMs: config.shutdownTimeoutMs, stopDeadline: signalStopDeadline });
    for (const line of problems) process.stderr.write(`${line}\n`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`filament-otel: start-up failed (${reason}); the service runs without telemetry\n`);
  }
}

/**
 * Only where the main thread's SDK takes a worker's spans and records (it announces that before
 * the app runs, threads/), not in a logger's transport thread, and unless
 * FILAMENT_WORKER_INSTRUMENTATION is off; otherwise the worker costs the bundle's load alone.
 * The configuration's problems are not written again: the main thread wrote them.
 */
function startInWorker(registerEsmHooks: (() => void) | undefined): void {
  if (!instrumentsThisThread()) return;
  try {
    const { config } = loadConfig();
    globals[kConfig] = { config };
    if (config.disabled || !config.workerInstrumentation) return;
    registerEsmHooks?.();
    startWorkerInstrumentation(config);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`filament-otel: worker thread instrumentation failed to start (${reason}); the worker runs without it\n`);
  }
}

startPreload();
