/**
 * Filament's OTLP protobuf serialisers for spans and log records, used by the OTLP/HTTP and
 * OTLP/gRPC exporters in place of the official ones (output.ts says why; the same bytes). Metrics,
 * exported every few seconds rather than per request, keep the official serialiser.
 */
export { ProtobufLogsSerializer } from './logs';
export { ProtobufTraceSerializer } from './trace';
export { SERIALISE_SLICE, type SlicingSerializer } from './slicing';
