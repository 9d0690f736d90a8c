/**
 * Graceful stop without breaking the host's own signal handling.
 *
 * - No handler of the app's for SIGTERM/SIGINT: we flush and shut the SDK down
 *   (bounded by FILAMENT_SHUTDOWN_TIMEOUT_MS), then re-raise the signal so the
 *   process ends exactly as it would without us (exit by signal). Upstream's
 *   register leaves a server running after SIGTERM; this does not.
 * - The app handles the signal itself: we never exit for it. We start a flush
 *   at once (its handler may end the process soon) and shut down on
 *   `beforeExit`. An app that calls process.exit() should `await shutdown()`
 *   from filament-otel first, or set FILAMENT_FLUSH_ON_EXIT=on (exit.ts: that
 *   deferred exit keeps this signal's deadline).
 * - Natural end of the event loop: shutdown on `beforeExit`.
 * - A cluster worker whose primary left: flush, then exit 0 as Node would.
 * Every stop ends by FILAMENT_SHUTDOWN_TIMEOUT_MS (sdk.ts, shutdown).
 */
import type { FilamentSdk } from './sdk';
import { settleWithin } from './settle';
import { globals, kSdk } from './symbols';

declare module './symbols' {
  interface Globals {
    /** The started SDK: the API's forceFlush()/shutdown() and the stop hooks. */
    [kSdk]?: FilamentSdk;
  }
}

export function registeredSdk(): FilamentSdk | undefined {
  return globals[kSdk];
}

/**
 * When a stop that began with a signal must end (epoch ms), if one began: its
 * deadline bounds the whole stop, also a shutdown that starts later on
 * `beforeExit` or in a deferred process.exit() (exit.ts).
 */
let stopDeadline: number | undefined;

export function signalStopDeadline(): number | undefined {
  return stopDeadline;
}

export function installShutdownHooks(sdk: FilamentSdk, timeoutMs: number): void {
  globals[kSdk] = sdk;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (process.listenerCount(signal) > 1) {
      if (stopDeadline === undefined) {
        stopDeadline = Date.now() + timeoutMs;
        // Past the deadline nothing of ours may keep the process alive after the
        // app has closed its servers; unref'd, so the app may end sooner.
        setTimeout(() => sdk.abandon(), timeoutMs).unref();
      }
      void settleWithin(sdk.forceFlush(), timeoutMs);
      return;
    }
    const reraise = (): void => {
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    if (stopping) {
      reraise(); // a second signal means: stop now
      return;
    }
    stopping = true;
    void sdk.shutdown(stopDeadline ?? Date.now() + timeoutMs).then(reraise);
  };

  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.once('beforeExit', () => {
    void sdk.shutdown(stopDeadline, stopDeadline === undefined);
  });
  // Workers always have an IPC channel (Node has removed NODE_UNIQUE_ID by now).
  if (process.channel !== undefined) flushClusterWorkerOnDisconnect(sdk);
}

/**
 * A cluster worker whose primary goes away (SIGTERM to the primary: what
 * Docker and Kubernetes send to PID 1) is ended by Node at once with
 * `process.exit(0)`, before any flush. Node skips that exit when the
 * disconnect was expected (`worker.exitedAfterDisconnect`); we mark it so,
 * flush within the deadline, and then exit with the same code 0.
 */
function flushClusterWorkerOnDisconnect(sdk: FilamentSdk): void {
  // Required here, not imported: only processes with an IPC channel pay for it.
  const cluster = require('node:cluster') as import('node:cluster').Cluster;
  const worker = cluster.worker;
  if (worker === undefined) return;
  worker.once('disconnect', () => {
    if (worker.exitedAfterDisconnect) return; // the worker's own disconnect(): it ends as it likes
    worker.exitedAfterDisconnect = true;
    void sdk.shutdown().then(() => process.exit(0));
  });
}
