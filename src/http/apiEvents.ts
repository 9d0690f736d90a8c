/**
 * `api.request` and `api.error` for every server request, emitted by the
 * server hook (server.ts) when the response closes, whether or not the
 * request's span is sampled. The route template comes from the web framework
 * instrumentation (Express, Fastify) through the request's RPC metadata, so the
 * request name never contains raw ids.
 */
import { STATUS_CODES } from 'node:http';
import {
  context, SpanStatusCode, trace,
  type Context, type Exception, type Link, type Span, type SpanAttributes, type SpanAttributeValue, type SpanContext,
  type SpanOptions, type SpanStatus, type TimeInput, type Tracer, type TracerOptions, type TracerProvider,
} from '@opentelemetry/api';
import { SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs';
import { getRPCMetadata, isTracingSuppressed, type RPCMetadata } from '@opentelemetry/core';
import type { ReadableSpan, Span as SdkSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { emitEvent, getRuntime, type Runtime } from '../events/runtime';
import { MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_STACK_CHARS, safeText } from '../events/content';
import {
  ATTR_API_REQUEST_DURATION_MS, ATTR_API_REQUEST_NAME, ATTR_ERROR_MESSAGE, ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE, ATTR_FILAMENT_CONTENT_MASKED,
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE,
  EVENT_API_ERROR, EVENT_API_REQUEST,
} from '../semconv';

const kRpc = Symbol('filament.http.rpc');
const kError = Symbol('filament.http.error');

interface ExceptionInfo {
  type: string | undefined;
  message: string | undefined;
  stack: string | undefined;
}
type RpcWithError = RPCMetadata & { [kError]?: ExceptionInfo };
type SpanWithRpc = { [kRpc]?: RpcWithError };

export const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

function exceptionFromEvent(attributes: SpanAttributes): ExceptionInfo {
  const a = attributes;
  return {
    type: typeof a[ATTR_EXCEPTION_TYPE] === 'string' ? (a[ATTR_EXCEPTION_TYPE] as string) : undefined,
    message: typeof a[ATTR_EXCEPTION_MESSAGE] === 'string' ? (a[ATTR_EXCEPTION_MESSAGE] as string) : undefined,
    stack: typeof a[ATTR_EXCEPTION_STACKTRACE] === 'string' ? (a[ATTR_EXCEPTION_STACKTRACE] as string) : undefined,
  };
}

/**
 * Two jobs on every recorded span, at its end (onEnding: the span is still
 * writable there, and no processor has seen it ended yet):
 * - remembers, on the request's RPC metadata, the first exception recorded by
 *   any span inside the request (framework layers record them; the HTTP span
 *   does not), so `api.error` can carry type, message and stack — unmasked
 *   here, masked and counted when `api.error` is emitted;
 * - masks the text of exception events (message, stack) and of an error status
 *   message, with the same masker and caps as `api.error`, so an exported span
 *   carries no more than the record does (docs/events.md, "Content").
 * Unrecorded spans never reach a processor: `forwardUnrecordedExceptions` covers them.
 */
export class RequestExceptionCollector implements SpanProcessor {
  onStart(span: SdkSpan, parentContext: Context): void {
    const md = getRPCMetadata(parentContext) as RpcWithError | undefined;
    if (md !== undefined) (span as unknown as SpanWithRpc)[kRpc] = md;
  }

  onEnding(span: SdkSpan): void {
    const events = span.events;
    const status = span.status;
    if (events.length === 0 && (status.code !== SpanStatusCode.ERROR || status.message === undefined)) return;
    try {
      const md = (span as unknown as SpanWithRpc)[kRpc];
      const masker = getRuntime().masker;
      for (let i = 0; i < events.length; i++) {
        const e = events[i];
        if (e === undefined || e.name !== 'exception' || e.attributes === undefined) continue;
        const a = e.attributes;
        if (md !== undefined && md[kError] === undefined) md[kError] = exceptionFromEvent(a);
        if (typeof a[ATTR_EXCEPTION_MESSAGE] === 'string') {
          a[ATTR_EXCEPTION_MESSAGE] = safeText(a[ATTR_EXCEPTION_MESSAGE], MAX_ERROR_MESSAGE_CHARS, masker).text;
        }
        if (typeof a[ATTR_EXCEPTION_STACKTRACE] === 'string') {
          a[ATTR_EXCEPTION_STACKTRACE] = safeText(a[ATTR_EXCEPTION_STACKTRACE], MAX_ERROR_STACK_CHARS, masker).text;
        }
      }
      if (status.code === SpanStatusCode.ERROR && status.message !== undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: safeText(status.message, MAX_ERROR_MESSAGE_CHARS, masker).text });
      }
    } catch {
      // Never break the ending of a span.
    }
  }

  onEnd(_span: ReadableSpan): void {
    // Everything happens in onEnding.
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A span the sampler dropped, inside a server request: a no-op like the SDK's
 * non-recording span, except that an exception recorded on it still reaches
 * the request's `api.error` (the ADR wants the error message on every API
 * error, sampled or not).
 */
class UnrecordedRequestSpan implements Span {
  constructor(private readonly inner: Span, private readonly md: RPCMetadata) {}

  spanContext(): SpanContext {
    return this.inner.spanContext();
  }

  setAttribute(_key: string, _value: SpanAttributeValue): this {
    return this;
  }

  setAttributes(_attributes: SpanAttributes): this {
    return this;
  }

  addEvent(_name: string, _attributesOrStartTime?: SpanAttributes | TimeInput, _startTime?: TimeInput): this {
    return this;
  }

  addLink(_link: Link): this {
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(_status: SpanStatus): this {
    return this;
  }

  updateName(_name: string): this {
    return this;
  }

  end(_endTime?: TimeInput): void {
    // nothing recorded, nothing to end
  }

  isRecording(): boolean {
    return false;
  }

  recordException(exception: Exception, _time?: TimeInput): void {
    recordRequestException(this.md, exception);
  }
}

/** Hands out UnrecordedRequestSpan where the wrapped tracer hands out a non-recording span inside a request. */
class ExceptionForwardingTracer implements Tracer {
  constructor(private readonly inner: Tracer) {}

  startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
    const span = this.inner.startSpan(name, options, ctx);
    if (span.isRecording()) return span;
    const md = getRPCMetadata(ctx ?? context.active());
    return md === undefined ? span : new UnrecordedRequestSpan(span, md);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, a?: SpanOptions | F, b?: Context | F, c?: F): ReturnType<F> {
    const fn = (typeof a === 'function' ? a : typeof b === 'function' ? b : c) as F;
    const options = typeof a === 'object' ? a : undefined;
    const parent = typeof b === 'object' ? b : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }
}

/**
 * The provider instrumentations get (src/instrumentations.ts): the SDK's, with
 * each tracer wrapped so that exceptions recorded on unsampled spans inside a
 * request reach its `api.error` — with `always_off` or a ratio sampler an
 * Express handler's throw is only ever recorded on such a span.
 */
export function forwardUnrecordedExceptions(provider: TracerProvider): TracerProvider {
  return {
    getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
      return new ExceptionForwardingTracer(provider.getTracer(name, version, options));
    },
  };
}

/** Where the server hook leaves a request's RPC metadata for framework hooks. */
const kRequestMetadata = Symbol.for('filament.http.requestMetadata');

export function attachRequestMetadata(req: object, md: RPCMetadata): void {
  (req as { [kRequestMetadata]?: RPCMetadata })[kRequestMetadata] = md;
}

export function requestMetadata(req: object): RPCMetadata | undefined {
  return (req as { [kRequestMetadata]?: RPCMetadata })[kRequestMetadata];
}

/** Keeps the first exception of a request for its `api.error` (framework error hooks call this). */
export function recordRequestException(md: RPCMetadata, error: unknown): void {
  const withError = md as RpcWithError;
  if (withError[kError] !== undefined) return;
  if (error instanceof Error) {
    withError[kError] = { type: error.name, message: error.message, stack: error.stack };
  } else {
    withError[kError] = { type: typeof error, message: String(error), stack: undefined };
  }
}

export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** What the server hook knows when a response closes. */
export interface RequestOutcome {
  method: string;
  /** The status code sent; undefined when the connection closed before one was. */
  status: number | undefined;
  /**
   * `error.type` of a request that failed other than by its status code: `aborted` when the
   * connection closed before the response was complete, or the response stream's error.
   */
  failure: string | undefined;
  durationMs: number;
  /** Carries the route template (set by the framework hooks) and any exception. */
  metadata: RPCMetadata;
}

export function emitRequestEvents(rt: Runtime, outcome: RequestOutcome, ctx: Context): void {
  const { method, status } = outcome;
  const md = outcome.metadata as RpcWithError;
  const route = md.route;
  const attrs: LogAttributes = {
    [ATTR_API_REQUEST_NAME]: route === undefined ? method : `${method} ${route}`,
    [ATTR_HTTP_REQUEST_METHOD]: method,
  };
  if (status !== undefined) attrs[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
  if (route !== undefined) attrs[ATTR_HTTP_ROUTE] = route;
  attrs[ATTR_API_REQUEST_DURATION_MS] = outcome.durationMs;
  if (outcome.failure !== undefined) attrs[ATTR_ERROR_TYPE] = outcome.failure;
  emitEvent(rt, EVENT_API_REQUEST, SeverityNumber.INFO, attrs, undefined, ctx);

  // Nothing was answered (the client went away), or a client error: not the service's error.
  // A handled exception with a 4xx answer is the client's error, not the service's.
  if (status === undefined || status < 500) return;
  const exception = md[kError];
  const errAttrs: LogAttributes = {
    [ATTR_API_REQUEST_NAME]: attrs[ATTR_API_REQUEST_NAME],
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
  };
  if (route !== undefined) errAttrs[ATTR_HTTP_ROUTE] = route;
  let masked = 0;
  if (exception !== undefined) {
    errAttrs[ATTR_ERROR_TYPE] = exception.type ?? String(status);
    if (exception.type !== undefined) errAttrs[ATTR_EXCEPTION_TYPE] = exception.type;
    const message = safeText(exception.message ?? STATUS_CODES[status] ?? 'error', MAX_ERROR_MESSAGE_CHARS, rt.masker);
    masked += message.masked;
    errAttrs[ATTR_ERROR_MESSAGE] = message.text;
    errAttrs[ATTR_EXCEPTION_MESSAGE] = message.text;
    if (exception.stack !== undefined) {
      const stack = safeText(exception.stack, MAX_ERROR_STACK_CHARS, rt.masker);
      masked += stack.masked;
      errAttrs[ATTR_EXCEPTION_STACKTRACE] = stack.text;
    }
  } else {
    errAttrs[ATTR_ERROR_TYPE] = String(status);
    errAttrs[ATTR_ERROR_MESSAGE] = `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim();
  }
  if (masked > 0) errAttrs[ATTR_FILAMENT_CONTENT_MASKED] = masked;
  emitEvent(rt, EVENT_API_ERROR, SeverityNumber.ERROR, errAttrs, undefined, ctx);
  const metricAttrs: Record<string, string | number> = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
    [ATTR_ERROR_TYPE]: errAttrs[ATTR_ERROR_TYPE] as string,
  };
  if (route !== undefined) metricAttrs[ATTR_HTTP_ROUTE] = route;
  rt.instruments.apiErrors.add(1, metricAttrs);
}

/**
 * Requests made where tracing is suppressed — the OTLP exporters' own POSTs
 * above all (the SDK exports under `suppressTracing`) — skip the outgoing
 * instrumentation entirely. Upstream only makes their span non-recording: it
 * still records an `http.client.request.duration` point per export (telemetry
 * about shipping telemetry) and binds the request's emitter.
 */
function isSuppressedRequest(): boolean {
  return isTracingSuppressed(context.active());
}

/**
 * @opentelemetry/instrumentation-http handles OUTGOING requests only (client
 * spans, trace context propagation); incoming ones are server.ts's.
 */
export function httpInstrumentationConfig(): HttpInstrumentationConfig {
  return { disableIncomingRequestInstrumentation: true, ignoreOutgoingRequestHook: isSuppressedRequest };
}
