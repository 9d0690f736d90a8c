/**
 * The OTLP/HTTP exporters (http/protobuf and http/json), assembled from the
 * public parts of @opentelemetry/otlp-exporter-base and otlp-transformer
 * (0.301): the settings resolved from the environment exactly as upstream's
 * exporters resolve them (`convertLegacyHttpOptions`), upstream's export
 * delegate (`createOtlpNetworkExportDelegate`: concurrency limit, partial
 * success, `otel.sdk.exporter.*` metrics) and serialisers — ours for spans and log records in
 * protobuf (protobuf/: the same bytes, written once) —, over a transport of
 * ours (httpTransport.ts) under a retry the stop deadline can cut short
 * (retryingTransport.ts). Upstream's exporter classes wire the same parts with
 * their own retry and transport, which SDK 3 no longer lets us reach.
 */
import { createOtlpNetworkExportDelegate, type CompressionAlgorithm, type OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExporterMetrics, httpAgentFactoryFromOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import {
  JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, LogsExporterMetricsHelper, MetricsExporterMetricsHelper,
  ProtobufMetricsSerializer, TraceExporterMetricsHelper, type IExporterMetricsHelper, type ISerializer,
} from '@opentelemetry/otlp-transformer';
import type { MeterProvider } from '@opentelemetry/api';
import { OtlpHttpTransport, type OtlpHttpOptions } from './httpTransport';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from './protobuf';
import { PartialSuccessTransport, RejectionNotes, rejectionAwareMeterProvider, type RejectedListener } from './partialSuccess';
import { StoppableRetryingTransport } from './retryingTransport';
import type { StopSignal } from './stopSignal';
import { otlpExporter } from './aheadExporter';

export type HttpSignal = 'traces' | 'metrics' | 'logs';
export type HttpProtocol = 'http/protobuf' | 'http/json';

interface SignalParts {
  /** The signal's name in OTEL_EXPORTER_OTLP_<SIGNAL>_* variables. */
  variable: string;
  path: string;
  /** `otel.component.type` of the exporter's own metrics (semantic conventions, otel.sdk.exporter.*). */
  componentType: string;
  helper: IExporterMetricsHelper<never>;
  protobuf: ISerializer<never, unknown>;
  json: ISerializer<never, unknown>;
}

const SIGNALS: Record<HttpSignal, SignalParts> = {
  traces: {
    variable: 'TRACES', path: 'v1/traces', componentType: 'otlp_http_span_exporter',
    helper: TraceExporterMetricsHelper, protobuf: ProtobufTraceSerializer, json: JsonTraceSerializer,
  },
  metrics: {
    variable: 'METRICS', path: 'v1/metrics', componentType: 'otlp_http_metric_exporter',
    helper: MetricsExporterMetricsHelper, protobuf: ProtobufMetricsSerializer, json: JsonMetricsSerializer,
  },
  logs: {
    variable: 'LOGS', path: 'v1/logs', componentType: 'otlp_http_log_exporter',
    helper: LogsExporterMetricsHelper, protobuf: ProtobufLogsSerializer, json: JsonLogsSerializer,
  },
};

/** Headers, compression and timeout from a declarative configuration file (config.ts, OtlpFileSettings). */
export interface OtlpFileOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  readonly timeoutMs: number;
  readonly tls?: Readonly<{ ca?: string; cert?: string; key?: string }> | undefined;
}

/**
 * The settings an upstream OTLP/HTTP exporter of this signal would use, with `url` (config.ts) in place of its own.
 * With `fromFile` (OTEL_CONFIG_FILE) nothing comes from OTEL_EXPORTER_OTLP_*: upstream's resolution lays the
 * environment under what the caller gives (headers merged, certificates in the agent), so those two are replaced
 * whole, by the file's headers and an agent with the file's certificates (public: httpAgentFactoryFromOptions).
 */
export function otlpHttpOptions(signal: HttpSignal, protocol: HttpProtocol, url: string, fromFile?: OtlpFileOptions): OtlpHttpOptions {
  const parts = SIGNALS[signal];
  const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
  if (fromFile === undefined) return convertLegacyHttpOptions({ url }, parts.variable, parts.path, { 'Content-Type': contentType });
  const options = convertLegacyHttpOptions(
    { url, compression: fromFile.compression as CompressionAlgorithm, timeoutMillis: fromFile.timeoutMs }, parts.variable, parts.path, {});
  const headers = { ...fromFile.headers, 'Content-Type': contentType };
  return { ...options, headers: async () => ({ ...headers }), agentFactory: httpAgentFactoryFromOptions({ keepAlive: true, ...fromFile.tls }) };
}

/**
 * An OTLP/HTTP exporter for `signal` that retries a batch meeting a collector
 * away for up to `retryWindowMs` (retryingTransport.ts), whose exports end at the stop signal,
 * and that tells `onRejected` what a collector's partial success rejected. With `meterProvider`
 * it records the SDK's own `otel.sdk.exporter.*` metrics there (as upstream's exporters do with
 * `selfObsMeterProvider`), a partial success's rejected items as failed (`error.type` `rejected`).
 */
export function createOtlpHttpExporter<T>(
  signal: HttpSignal, protocol: HttpProtocol, url: string, stop: StopSignal, retryWindowMs: number,
  fromFile?: OtlpFileOptions, onRejected?: RejectedListener, meterProvider?: MeterProvider,
): OTLPExporterBase<T> {
  const parts = SIGNALS[signal];
  const options = otlpHttpOptions(signal, protocol, url, fromFile);
  const serializer = (protocol === 'http/json' ? parts.json : parts.protobuf) as ISerializer<T, unknown>;
  const notes = meterProvider === undefined ? undefined : new RejectionNotes();
  const metrics = createOtlpHttpExporterMetrics<T>(parts.componentType, parts.helper as IExporterMetricsHelper<T>, options.url,
    meterProvider === undefined || notes === undefined ? undefined : rejectionAwareMeterProvider(meterProvider, notes));
  const http = new OtlpHttpTransport(options);
  const rejected: RejectedListener | undefined = onRejected === undefined && notes === undefined ? undefined : (count, message) => {
    notes?.note(count); // first: the delegate records this export's metric right after the answer
    onRejected?.(count, message);
  };
  const answered = rejected === undefined ? http : new PartialSuccessTransport(http, serializer as ISerializer<never, unknown>, rejected);
  const transport = new StoppableRetryingTransport(answered, stop, retryWindowMs);
  return otlpExporter<T>(createOtlpNetworkExportDelegate(options, serializer, metrics, transport), serializer);
}
