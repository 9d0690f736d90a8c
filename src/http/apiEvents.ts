/**
 * `api.request` and `api.error` for every server request, emitted by the
 * server hook (server.ts) when the response closes, whether or not the
 * request's span is sampled. The route template comes from the web framework
 * instrumentation (Express, Fastify) through the request's RPC metadata, so the
 * request name never contains raw ids.
 */
import { STATUS_CODES } from 'node:http';
import { context, type Context } from '@opentelemetry/api';
import { SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs';
import { getRPCMetadata, isTracingSuppressed, type RPCMetadata } from '@opentelemetry/core';
import type { ReadableSpan, Span as SdkSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { emitEvent, type Runtime } from '../events/runtime';
import { safeText } from '../events/content';
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
const MAX_MESSAGE_CHARS = 1024;
const MAX_STACK_CHARS = 8192;

/**
 * Remembers, on the request's RPC metadata, the first exception recorded by any
 * span inside the request (framework layers record them; the HTTP span does
 * not), so `api.error` can carry type, message and stack.
 */
export class RequestExceptionCollector implements SpanProcessor {
  onStart(span: SdkSpan, parentContext: Context): void {
    const md = getRPCMetadata(parentContext) as RpcWithError | undefined;
    if (md !== undefined) (span as unknown as SpanWithRpc)[kRpc] = md;
  }

  onEnd(span: ReadableSpan): void {
    const md = (span as unknown as SpanWithRpc)[kRpc];
    if (md === undefined || md[kError] !== undefined) return;
    const events = span.events;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e === undefined || e.name !== 'exception' || e.attributes === undefined) continue;
      const a = e.attributes;
      md[kError] = {
        type: typeof a[ATTR_EXCEPTION_TYPE] === 'string' ? (a[ATTR_EXCEPTION_TYPE] as string) : undefined,
        message: typeof a[ATTR_EXCEPTION_MESSAGE] === 'string' ? (a[ATTR_EXCEPTION_MESSAGE] as string) : undefined,
        stack: typeof a[ATTR_EXCEPTION_STACKTRACE] === 'string' ? (a[ATTR_EXCEPTION_STACKTRACE] as string) : undefined,
      };
      return;
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
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
  status: number;
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
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
  };
  if (route !== undefined) attrs[ATTR_HTTP_ROUTE] = route;
  attrs[ATTR_API_REQUEST_DURATION_MS] = outcome.durationMs;
  emitEvent(rt, EVENT_API_REQUEST, SeverityNumber.INFO, attrs, undefined, ctx);

  // A handled exception with a 4xx answer is the client's error, not the service's.
  if (status < 500) return;
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
    const message = safeText(exception.message ?? STATUS_CODES[status] ?? 'error', MAX_MESSAGE_CHARS, rt.masker);
    masked += message.masked;
    errAttrs[ATTR_ERROR_MESSAGE] = message.text;
    errAttrs[ATTR_EXCEPTION_MESSAGE] = message.text;
    if (exception.stack !== undefined) {
      const stack = safeText(exception.stack, MAX_STACK_CHARS, rt.masker);
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
