/**
 * What the rest of src uses of threads/: the automatic instrumentation of a
 * worker thread hands its spans and log records to the main thread's SDK —
 * the worker's processors (forwarding.ts) and meter provider (meters.ts), the
 * main thread's end (serve.ts),
 * the messages between them (messages.ts). The typed API's own path is
 * events/workers.ts.
 */
export { ForwardingLogRecordProcessor, ForwardingSpanProcessor, instrumentsThisThread, TelemetrySender } from './forwarding';
export { forwardingMeterProvider } from './meters';
export { serveWorkerTelemetry, type TelemetryTargets } from './serve';
