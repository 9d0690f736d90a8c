/**
 * The OTLP/gRPC exporters (OTEL_EXPORTER_OTLP_PROTOCOL=grpc), assembled as upstream's
 * exporter-*-otlp-grpc classes assemble theirs (0.301.2: `convertLegacyOtlpGrpcOptions`, the
 * signal's protobuf serialiser — ours for spans and log records (protobuf/: the same bytes, written
 * once), upstream's for metrics —, `createOtlpGrpcExporterMetrics`, upstream's export delegate)
 * from the public entries of @opentelemetry/otlp-grpc-exporter-base, otlp-exporter-base and
 * otlp-transformer — over a transport of ours (grpcTransport.ts) under the same retry the stop
 * deadline can cut short as OTLP/HTTP (retryingTransport.ts) and the same partial-success
 * accounting (partialSuccess.ts). Upstream's delegate keeps its transport private and gives up
 * on the first error of any kind.
 */
import type { MeterProvider } from '@opentelemetry/api';
import { createOtlpNetworkExportDelegate, type CompressionAlgorithm, type OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyOtlpGrpcOptions, createOtlpGrpcExporterMetrics } from '@opentelemetry/otlp-grpc-exporter-base';
import {
  LogsExporterMetricsHelper, MetricsExporterMetricsHelper, ProtobufMetricsSerializer, TraceExporterMetricsHelper,
  type IExporterMetricsHelper, type ISerializer,
} from '@opentelemetry/otlp-transformer';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from './protobuf';
import { OtlpGrpcTransport, type GrpcJs } from './grpcTransport';
import { PartialSuccessTransport, RejectionNotes, rejectionAwareMeterProvider, type RejectedListener } from './partialSuccess';
import { StoppableRetryingTransport } from './retryingTransport';
import type { StopSignal } from './stopSignal';
import { otlpExporter } from './aheadExporter';

export type GrpcSignal = 'traces' | 'metrics' | 'logs';

interface SignalParts {
  /** The signal's name in OTEL_EXPORTER_OTLP_<SIGNAL>_* variables. */
  variable: string;
  /** The Export method (opentelemetry/proto/collector/<signal>/v1/*_service.proto). */
  path: string;
  /** `otel.component.type` of the exporter's own metrics, as upstream's gRPC exporters name it. */
  componentType: string;
  helper: IExporterMetricsHelper<never>;
  serializer: ISerializer<never, unknown>;
}

const SIGNALS: Record<GrpcSignal, SignalParts> = {
  traces: {
    variable: 'TRACES', path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    componentType: 'otlp_grpc_span_exporter', helper: TraceExporterMetricsHelper, serializer: ProtobufTraceSerializer,
  },
  metrics: {
    variable: 'METRICS', path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    componentType: 'otlp_grpc_metric_exporter', helper: MetricsExporterMetricsHelper, serializer: ProtobufMetricsSerializer,
  },
  logs: {
    variable: 'LOGS', path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
    componentType: 'otlp_grpc_log_exporter', helper: LogsExporterMetricsHelper, serializer: ProtobufLogsSerializer,
  },
};

/** What the preload decides itself; the rest (metadata, credentials, compression unless given) comes from OTEL_EXPORTER_OTLP_*. */
export interface OtlpGrpcSettings {
  readonly url: string;
  /** Per attempt (src/sdk.ts caps it by the stop deadline). */
  readonly timeoutMillis: number;
  /** From a declarative configuration file; otherwise OTEL_EXPORTER_OTLP_[<SIGNAL>_]COMPRESSION. */
  readonly compression?: 'gzip' | 'none' | undefined;
}

/**
 * An OTLP/gRPC exporter for `signal` that retries a batch meeting a collector away for up to
 * `retryWindowMs`, whose calls end at the stop signal, that tells `onRejected` what a
 * collector's partial success rejected, and that records the SDK's own `otel.sdk.exporter.*`
 * metrics in `meterProvider` (with the gRPC status as `rpc.response.status_code`).
 */
export function createOtlpGrpcExporter<T>(
  grpc: GrpcJs, signal: GrpcSignal, settings: OtlpGrpcSettings, stop: StopSignal, retryWindowMs: number,
  onRejected?: RejectedListener, meterProvider?: MeterProvider,
): OTLPExporterBase<T> {
  const parts = SIGNALS[signal];
  const given = { url: settings.url, timeoutMillis: settings.timeoutMillis };
  const options = convertLegacyOtlpGrpcOptions(
    settings.compression === undefined ? given : { ...given, compression: settings.compression as CompressionAlgorithm }, parts.variable);
  const serializer = parts.serializer as ISerializer<T, unknown>;
  const notes = meterProvider === undefined ? undefined : new RejectionNotes();
  const metrics = createOtlpGrpcExporterMetrics<T>(parts.componentType, parts.helper as IExporterMetricsHelper<T>, options.url,
    meterProvider === undefined || notes === undefined ? undefined : rejectionAwareMeterProvider(meterProvider, notes));
  const grpcCalls = new OtlpGrpcTransport(grpc, {
    address: options.url, credentials: options.credentials, metadata: options.metadata,
    compression: options.compression === 'gzip' ? 'gzip' : 'none', userAgent: options.userAgent, path: parts.path,
  }, stop);
  const rejected: RejectedListener | undefined = onRejected === undefined && notes === undefined ? undefined : (count, message) => {
    notes?.note(count); // first: the delegate records this export's metric right after the answer
    onRejected?.(count, message);
  };
  const answered = rejected === undefined ? grpcCalls : new PartialSuccessTransport(grpcCalls, parts.serializer, rejected);
  const transport = new StoppableRetryingTransport(answered, stop, retryWindowMs);
  return otlpExporter<T>(createOtlpNetworkExportDelegate(options, serializer, metrics, transport), serializer);
}
