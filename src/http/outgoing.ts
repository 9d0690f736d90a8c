/** How @opentelemetry/instrumentation-http is configured: outgoing requests only. */
import { context } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';

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
