/**
 * A crash (an uncaught exception, or an unhandled rejection Node raises as one)
 * in an app without an 'uncaughtException' handler of its own: one ERROR
 * record `process.crashed` (type, masked message and stack), the buffered
 * records and spans flushed within FILAMENT_SHUTDOWN_TIMEOUT_MS, then the
 * process ends as Node would have ended it — same stderr, exit code 1.
 *
 * Flushing needs the event loop, so the exception is handled (a listener) and
 * reported afterwards as Node reports a fatal one (source line and caret,
 * inspected error, Node version), after the app's 'exit' handlers as in Node,
 * with exit code 1. Raising it again instead would move Node's caret to our
 * line. What is not an Error with a readable source is raised again.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { SeverityNumber, type Attributes as LogAttributes } from '@opentelemetry/api';
import type { Runtime } from './events';
import { MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_STACK_CHARS, safeText } from './masking';
import {
  ATTR_ERROR_TYPE, ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE,
} from '@opentelemetry/semantic-conventions';
import { ATTR_FILAMENT_CONTENT_MASKED, ATTR_FILAMENT_CRASH_ORIGIN, EVENT_PROCESS_CRASHED } from './semconv';
import type { FilamentSdk } from './sdk';

export function installCrashHandler(sdk: FilamentSdk, timeoutMs: number): void {
  let crashing = false;
  const onCrash = (error: unknown, origin: NodeJS.UncaughtExceptionOrigin): void => {
    // The app's own handler decides what a crash means; Filament stays out.
    if (process.listenerCount('uncaughtException') > 1) return;
    if (crashing) return; // a second error while flushing: the first one ends the process
    crashing = true;
    try {
      emitCrash(sdk.runtime, error, origin);
    } catch {
      // never in the way of the crash itself
    }
    void sdk.shutdown(Date.now() + timeoutMs).then(() => {
      process.removeListener('uncaughtException', onCrash);
      endAsNode(error, origin);
    });
  };
  process.on('uncaughtException', onCrash);
}

function emitCrash(runtime: Runtime, error: unknown, origin: string): void {
  const type = error instanceof Error ? error.constructor.name || error.name : typeof error;
  const message = safeText(error instanceof Error ? error.message : inspect(error), MAX_ERROR_MESSAGE_CHARS, runtime.masker);
  const attributes: LogAttributes = {
    [ATTR_EXCEPTION_TYPE]: type,
    [ATTR_ERROR_TYPE]: type,
    [ATTR_EXCEPTION_MESSAGE]: message.text,
    [ATTR_FILAMENT_CRASH_ORIGIN]: origin,
  };
  let masked = message.masked;
  if (error instanceof Error && typeof error.stack === 'string') {
    const stack = safeText(error.stack, MAX_ERROR_STACK_CHARS, runtime.masker);
    attributes[ATTR_EXCEPTION_STACKTRACE] = stack.text;
    masked += stack.masked;
  }
  if (masked > 0) attributes[ATTR_FILAMENT_CONTENT_MASKED] = masked;
  runtime.logger.emit({ eventName: EVENT_PROCESS_CRASHED, severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', attributes });
}

function endAsNode(error: unknown, origin: NodeJS.UncaughtExceptionOrigin): void {
  const text = fatalText(error);
  if (text === undefined) {
    // Not an Error with a readable source location: Node's own report, raised from here.
    if (origin === 'unhandledRejection') void Promise.reject(error);
    else process.nextTick(() => { throw error; });
    return;
  }
  // Node emits 'exit' before it prints a fatal exception: our text comes last.
  process.on('exit', () => process.stderr.write(text));
  process.exit(1);
}

/**
 * What Node prints for a fatal exception: `file:line`, the source line, a caret
 * under the throw, the inspected error, the Node version. V8 points the caret
 * at the `throw`; the stack points at the error's construction, so the last
 * `throw` before it on the same line moves the caret there. An error thrown far
 * from where it was made shows its construction line (docs/events.md).
 */
function fatalText(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return undefined;
  const frame = error.stack.split('\n').find((line) => line.startsWith('    at '));
  const where = frame === undefined ? null : /\(?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?$/.exec(frame);
  if (where === null) return undefined;
  const [, file, lineText, columnText] = where as unknown as [string, string, string, string];
  let source: string;
  try {
    source = fs.readFileSync(file.startsWith('file://') ? fileURLToPath(file) : file, 'utf8');
  } catch {
    return undefined;
  }
  const sourceLine = source.split(/\r?\n/)[Number(lineText) - 1];
  if (sourceLine === undefined) return undefined;
  let column = Number(columnText) - 1;
  const thrown = [...sourceLine.slice(0, column).matchAll(/\bthrow\s/g)].pop();
  if (thrown !== undefined) column = thrown.index;
  const pad = sourceLine.slice(0, column).replace(/[^\t]/g, ' ');
  return `${file}:${lineText}\n${sourceLine}\n${pad}^\n\n${inspect(error)}\n\nNode.js ${process.version}\n`;
}
