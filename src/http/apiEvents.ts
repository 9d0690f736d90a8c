/**
 * `api.request` and `api.error` for every server request, emitted by the
 * server hook (server.ts) when the response closes, whether or not the
 * request's span is sampled. The route template comes from the web framework
 * instrumentation (Express, Fastify) through the request's RPC metadata, so the
 * request name never contains raw ids.
 */
import { STATUS_CODES } from 'node:http';
import { SeverityNumber, type Attributes as LogAttributes, type Context } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';
import {
  ATTR_ERROR_TYPE, ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import { emitEvent, type Runtime } from '../events';
import { MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_STACK_CHARS, safeText } from '../masking';
import {
  ATTR_API_REQUEST_DURATION_MS, ATTR_API_REQUEST_NAME, ATTR_ERROR_MESSAGE, ATTR_FILAMENT_CONTENT_MASKED,
  EVENT_API_ERROR, EVENT_API_REQUEST,
} from '../semconv';
import { firstException } from './requestMetadata';

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
  const route = outcome.metadata.route;
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
  const exception = firstException(outcome.metadata);
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
