/**
 * `process.exit()` while records are still buffered (docs/stopping.md,
 * "`process.exit()`").
 *
 * Node's process.exit() runs the 'exit' listeners and ends the process in the
 * same tick: no export can leave any more (it needs the event loop), so what
 * the batch processors still hold is lost. Other distributions leave this to
 * the app (upstream's register flushes on SIGTERM and, since
 * opentelemetry-js-contrib#2383, on `beforeExit` only; Elastic's agent
 * documents `apm.flush()` before process.exit(), apm-agent-nodejs#502):
 *
 * - Always (main thread): on 'exit', one synchronous stderr line with the
 *   exact count of log records and spans the batch processors were given and
 *   that were neither exported, failed, dropped nor already reported abandoned
 *   (DeliveryLedger, counted from the processors' public interface and the
 *   SDK's own `*.processed` counter), after any loss not yet said.
 * - FILAMENT_FLUSH_ON_EXIT=on: process.exit() starts the stop instead and
 *   ends the process when it is done or at the stop deadline
 *   (FILAMENT_SHUTDOWN_TIMEOUT_MS, or what is left of a signal's), with the
 *   exit code of that first call. The price, and why it is opt-in: the call
 *   returns to its caller, so the statements after it run, and the event
 *   loop keeps turning until the flush ends.
 */
import { isMainThread } from 'node:worker_threads';
import type { FilamentSdk } from './sdk';

type Exit = typeof process.exit;

export interface ExitOptions {
  readonly flushOnExit: boolean;
  readonly timeoutMs: number;
  /** The deadline of a stop that began with a signal, if one did (lifecycle.ts). */
  readonly stopDeadline: () => number | undefined;
}

export function installExitHooks(sdk: FilamentSdk, options: ExitOptions): void {
  // In a worker thread process.exit() ends the thread only, and its records are not ours (preload.ts).
  if (!isMainThread) return;
  process.on('exit', () => reportAtExit(sdk, options.flushOnExit));
  if (options.flushOnExit) deferExit(sdk, options);
}

/** Synchronous: 'exit' listeners cannot wait, and stderr to a file or pipe is written synchronously (Node, "A note on process I/O"). */
function reportAtExit(sdk: FilamentSdk, flushOnExit: boolean): void {
  try {
    for (const ledger of sdk.ledgers) ledger.reportNow();
    const buffered = sdk.ledgers.filter((l) => l.unsettled > 0).map((l) => `${l.unsettled} ${l.unit} (${l.destination})`);
    const late = sdk.ledgers.filter((l) => l.afterStop > 0).map((l) => `${l.afterStop} ${l.unit} (${l.destination})`);
    if (buffered.length === 0 && late.length === 0) return;
    const parts: string[] = [];
    if (buffered.length > 0) {
      const hint = flushOnExit ? '' : ' (await shutdown() from filament-otel before process.exit(), or set FILAMENT_FLUSH_ON_EXIT=on)';
      parts.push(`exiting with ${buffered.join(', ')} not exported: lost${hint}`);
    }
    if (late.length > 0) parts.push(`${late.join(', ')} given after the stop: not recorded`);
    process.stderr.write(`filament-otel: ${parts.join('; ')}\n`);
  } catch {
    // never in the way of the exit
  }
}

/**
 * Replaces process.exit() with one that stops first. Node's own semantics are
 * kept where they can be (lib/internal/process/per_thread.js, exit()): an
 * argument, even `undefined`, becomes process.exitCode (validated there, so a
 * bad code throws to the caller as before); the first call decides the code;
 * a call from an 'exit' listener goes straight to Node (it may change the
 * code, as it may without us). A second call while the flush runs — from the
 * app's code after the first, or from inside the flush — changes nothing.
 */
function deferExit(sdk: FilamentSdk, options: ExitOptions): void {
  const nodeExit: Exit = process.exit;
  let state: 'running' | 'flushing' | 'exiting' = 'running';
  let code: typeof process.exitCode;

  const finish = (): void => {
    if (state === 'exiting') return;
    state = 'exiting';
    nodeExit.call(process, code);
  };

  function exit(...args: Parameters<Exit>): never {
    if (state === 'exiting') return nodeExit.apply(process, args);
    if (state === 'flushing') return undefined as never;
    if (args.length > 0) process.exitCode = args[0] as typeof process.exitCode; // null too, as Node allows
    code = process.exitCode;
    state = 'flushing';
    const deadline = Math.min(options.stopDeadline() ?? Infinity, Date.now() + options.timeoutMs);
    // Read before the stop starts: the stop arms its timer later in this same tick, so from a
    // clock that has moved on (a loaded machine spends milliseconds in the providers' shutdown
    // calls) its delay is at most this one. Both timers start at the loop's cached time (Node,
    // lib/internal/timers.js insert()), so one millisecond more makes the stop's fire first and
    // say what it abandons; finish() then runs from its promise, and this one is only the
    // backstop for a stop begun earlier with a later deadline.
    const delay = Math.max(0, deadline - Date.now());
    sdk.shutdown(deadline).then(finish, finish);
    // Ref'd: the process lives until the flush is done, and never past the deadline.
    setTimeout(finish, delay + 1);
    return undefined as never;
  }
  process.exit = exit as Exit;
}
