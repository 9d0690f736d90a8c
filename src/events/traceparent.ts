/**
 * Handing a trace over to code that runs elsewhere — a worker thread, a job —
 * as a W3C `traceparent` string (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `currentTraceparent()` where the work is handed out, `withTraceparent(tp, fn)`
 * where it is done, so the typed API's records there belong to the caller's trace.
 *
 * A worker thread has no context manager of its own (the SDK runs in the main
 * thread only: preload.ts), so `context.with()` alone would be forgotten across
 * an `await` there; the span context is also kept in an AsyncLocalStorage of
 * ours, which the worker's records read (workers.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace, type SpanContext } from '@opentelemetry/api';

const handedOver = new AsyncLocalStorage<SpanContext>();
let saidInvalid = false;

/**
 * W3C Trace Context, "traceparent Header Field Values" (https://www.w3.org/TR/trace-context/#traceparent-header-field-values):
 * version-traceid-parentid-flags in lower-case hex; version ff is invalid, version 00 has nothing
 * after the flags, a later version may. (@opentelemetry/core's parseTraceParent reads the same, but
 * dist/index.js loads no package beyond the API: test/package.test.ts.) All-zero ids are refused by
 * trace.isSpanContextValid().
 */
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

function parseTraceparent(value: string): SpanContext | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (m === null || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  return { traceId: m[2] as string, spanId: m[3] as string, traceFlags: parseInt(m[4] as string, 16) };
}

/** The span context records emitted here belong to: one handed over by withTraceparent(), else the active span's. */
export function activeSpanContext(): SpanContext | undefined {
  const sc = handedOver.getStore() ?? trace.getSpanContext(context.active());
  return sc !== undefined && trace.isSpanContextValid(sc) ? sc : undefined;
}

/** The active trace context as a W3C `traceparent` string (to pass with a job), or undefined outside any trace. */
export function currentTraceparent(): string | undefined {
  const sc = activeSpanContext();
  if (sc === undefined) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Runs `fn` in the trace `traceparent` names: typed-API records emitted in it
 * (also after an `await`, also in a worker thread) carry that trace and parent
 * span id. `undefined` runs `fn` as it is; an invalid string runs it outside any
 * trace and says so once on stderr. Returns what `fn` returns.
 */
export function withTraceparent<T>(traceparent: string | undefined, fn: () => T): T {
  if (traceparent === undefined) return fn();
  const sc = typeof traceparent === 'string' ? parseTraceparent(traceparent) : undefined;
  if (sc === undefined || !trace.isSpanContextValid(sc)) {
    if (!saidInvalid) {
      saidInvalid = true;
      const shown = typeof traceparent === 'string' ? JSON.stringify(traceparent.slice(0, 60)) : typeof traceparent;
      process.stderr.write(`filament-otel: withTraceparent() got ${shown} (not a W3C traceparent); the function runs outside any trace (said once)\n`);
    }
    return handedOver.run(INVALID_SPAN_CONTEXT, () => context.with(ROOT_CONTEXT, fn));
  }
  const remote = { ...sc, isRemote: true };
  return handedOver.run(remote, () => context.with(trace.setSpanContext(context.active(), remote), fn));
}
