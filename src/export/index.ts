/**
 * The OTLP export path (OTLP/HTTP and OTLP/gRPC), on SDK 3's public interfaces: the stop signal
 * and the lazy exporters that stand in for the real ones (one export at a time, in order) are
 * needed at start-up; the exporter itself (with otlp-exporter-base and otlp-transformer, and
 * @grpc/grpc-js from the app for gRPC) is required on the first export only.
 */
export { abandonedError, StopSignal } from './stopSignal';
export { LazyExporter, MAX_WAITING_EXPORTS, type AnyExporter } from './lazyExporter';
export { LazyMetricExporter } from './lazyMetricExporter';
export { temporalitySelector } from './temporality';
export { RETRY_WINDOW_MS } from './retryingTransport';
export type { HttpProtocol, HttpSignal } from './otlpHttpExporter';
export { GRPC_PACKAGE, GRPC_VERSION, requireGrpc } from './grpcPackage';

/** The exporter module, loaded when the first batch leaves (a literal require: folded into the bundle). */
export function loadOtlpHttpExporter(): typeof import('./otlpHttpExporter') {
  return require('./otlpHttpExporter') as typeof import('./otlpHttpExporter');
}

/** The OTLP/gRPC exporter module, loaded when the first batch leaves with OTEL_EXPORTER_OTLP_PROTOCOL=grpc. */
export function loadOtlpGrpcExporter(): typeof import('./otlpGrpcExporter') {
  return require('./otlpGrpcExporter') as typeof import('./otlpGrpcExporter');
}
