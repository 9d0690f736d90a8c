/**
 * Assembles the OpenTelemetry SDK from the same official packages
 * @opentelemetry/sdk-node composes (sdk-trace, sdk-metrics, sdk-logs,
 * resources, the OTLP exporters), honouring the same OTEL_* variables.
 * We do not load sdk-node's index itself: it requires every exporter it knows
 * (gRPC, protobuf, JSON, Zipkin, Prometheus) at startup, ~170 ms measured on
 * our machines, where this loads only the exporters the configuration names.
 */
import { diag, DiagConsoleLogger, DiagLogLevel, metrics, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  defaultResource, detectResources, envDetector, hostDetector, osDetector, processDetector,
  resourceFromAttributes, serviceInstanceIdDetector, type Resource, type ResourceDetector,
} from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor, ConsoleLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor,
  type LogRecordExporter, type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ConsoleSpanExporter, ParentBasedSampler,
  SimpleSpanProcessor, TraceIdRatioBasedSampler, TracerProvider, type Sampler, type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { FilamentConfig, OtlpProtocol } from './config';
import { installContextManager } from './context';
import { installRuntime, type Runtime } from './events/runtime';
import { RequestExceptionCollector } from './http/apiEvents';
import { loadInstrumentations } from './instrumentations';
import { RotatingFileLogExporter } from './sinks/fileSink';
import { LazyExporter, LazyMetricExporter } from './lazyExporter';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

export interface FilamentSdk {
  readonly runtime: Runtime;
  /** Where log records go, for people (the demo prints it). */
  readonly destinations: readonly string[];
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

type Signal = 'traces' | 'metrics' | 'logs';
const SIGNAL_PATH: Record<Signal, string> = { traces: 'v1/traces', metrics: 'v1/metrics', logs: 'v1/logs' };
const EXPORTER_PACKAGE: Record<OtlpProtocol, string> = {
  'http/protobuf': 'proto',
  'http/json': 'http',
  grpc: 'grpc',
};
const EXPORTER_CLASS: Record<Signal, string> = {
  traces: 'OTLPTraceExporter',
  metrics: 'OTLPMetricExporter',
  logs: 'OTLPLogExporter',
};
const PACKAGE_SIGNAL: Record<Signal, string> = { traces: 'trace', metrics: 'metrics', logs: 'logs' };

function buildSampler(config: FilamentConfig): Sampler {
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(config.samplerRatio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplerRatio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function endpointFor(signal: Signal, protocol: OtlpProtocol, invalid: readonly string[]): string {
  const specific = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
  const generalInvalid = invalid.includes('OTEL_EXPORTER_OTLP_ENDPOINT');
  const specificSet = (process.env[specific] ?? '').trim() !== '';
  if (invalid.includes(specific) || (!specificSet && generalInvalid)) {
    return protocol === 'grpc' ? 'http://localhost:4317' : `http://localhost:4318/${SIGNAL_PATH[signal]}`;
  }
  return '';
}

/**
 * Literal requires of the OTLP/HTTP exporters, so the bundler folds them into
 * dist/preload.js (still run only on the first export). gRPC stays a run-time
 * require: @grpc/grpc-js is large and rarely chosen.
 */
const HTTP_EXPORTERS: Record<Signal, Partial<Record<OtlpProtocol, () => unknown>>> = {
  traces: {
    'http/protobuf': () => require('@opentelemetry/exporter-trace-otlp-proto'),
    'http/json': () => require('@opentelemetry/exporter-trace-otlp-http'),
  },
  metrics: {
    'http/protobuf': () => require('@opentelemetry/exporter-metrics-otlp-proto'),
    'http/json': () => require('@opentelemetry/exporter-metrics-otlp-http'),
  },
  logs: {
    'http/protobuf': () => require('@opentelemetry/exporter-logs-otlp-proto'),
    'http/json': () => require('@opentelemetry/exporter-logs-otlp-http'),
  },
};

/** Requires only the exporter package of the configured protocol. */
function otlpExporter<T>(signal: Signal, protocol: OtlpProtocol, invalid: readonly string[]): T {
  const pkg = `@opentelemetry/exporter-${PACKAGE_SIGNAL[signal]}-otlp-${EXPORTER_PACKAGE[protocol]}`;
  const load = HTTP_EXPORTERS[signal][protocol];
  const mod = (load !== undefined ? load() : require(pkg)) as Record<string, new (config?: object) => T>;
  const Exporter = mod[EXPORTER_CLASS[signal]] as new (config?: object) => T;
  const url = endpointFor(signal, protocol, invalid);
  return url === '' ? new Exporter() : new Exporter({ url });
}

/**
 * The process detector without the command line: arguments routinely carry
 * secrets (`--password=…`, connection strings) and every exported record
 * would repeat them.
 */
const processWithoutArgsDetector: ResourceDetector = {
  detect(detectorConfig) {
    const detected = processDetector.detect(detectorConfig);
    const attributes = { ...detected.attributes };
    delete attributes['process.command_args'];
    delete attributes['process.command_line'];
    return { ...detected, attributes };
  },
};

function buildResource(config: FilamentConfig): Resource {
  const all: Record<string, ResourceDetector> = {
    env: envDetector, host: hostDetector, os: osDetector, process: processWithoutArgsDetector,
    serviceinstance: serviceInstanceIdDetector,
  };
  const detectors = config.resourceDetectors.map((d) => all[d] as ResourceDetector);
  return defaultResource()
    .merge(resourceFromAttributes({ 'telemetry.distro.name': PACKAGE_NAME, 'telemetry.distro.version': PACKAGE_VERSION }))
    .merge(detectResources({ detectors }));
}

export function startSdk(config: FilamentConfig, invalidEndpointVars: readonly string[], problems: string[]): FilamentSdk {
  if (config.logLevel !== undefined && config.logLevel !== 'NONE') {
    const level = DiagLogLevel[config.logLevel as keyof typeof DiagLogLevel] ?? DiagLogLevel.INFO;
    diag.setLogger(new DiagConsoleLogger(), { logLevel: level });
  }
  const resource = buildResource(config);
  const destinations: string[] = [];

  // ---- context and propagation ----
  if (!installContextManager()) {
    problems.push('filament-otel: another OpenTelemetry context manager was registered first; Filament uses it');
  }
  const propagators = config.propagators.map((p) =>
    p === 'tracecontext' ? new W3CTraceContextPropagator() : new W3CBaggagePropagator());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators }));

  // ---- metrics (before instrumentations, so they get the real meter) ----
  const readers = config.metricsExporters.map((name) => new PeriodicExportingMetricReader({
    exporter: name === 'console'
      ? new ConsoleMetricExporter()
      : new LazyMetricExporter(() => otlpExporter<PushMetricExporter>('metrics', config.protocol.metrics, invalidEndpointVars)),
    exportIntervalMillis: config.metricExportIntervalMs,
    exportTimeoutMillis: config.metricExportTimeoutMs,
  }));
  const meterProvider = readers.length > 0 ? new MeterProvider({ resource, readers }) : undefined;
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);

  // ---- logs: OTLP and/or console, plus the rotated local files ----
  const logProcessors: LogRecordProcessor[] = [];
  for (const name of config.logsExporters) {
    if (name === 'console') {
      logProcessors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
    } else {
      logProcessors.push(new BatchLogRecordProcessor({
        exporter: new LazyExporter(() => otlpExporter<LogRecordExporter>('logs', config.protocol.logs, invalidEndpointVars)),
        ...config.blrp,
      }));
      destinations.push(`OTLP ${config.protocol.logs} ${otlpTarget('logs', config.protocol.logs)}`);
    }
  }
  if (config.logFile.dir !== undefined) {
    const fileExporter = new RotatingFileLogExporter({ ...config.logFile, dir: config.logFile.dir });
    const unusable = fileExporter.prepare();
    if (unusable === undefined) {
      logProcessors.push(new BatchLogRecordProcessor({ exporter: fileExporter, ...config.blrp }));
      destinations.push(`JSON lines ${fileExporter.currentFile} (rotated at ${config.logFile.maxBytes} bytes)`);
    } else {
      problems.push(`filament-otel: FILAMENT_LOG_FILE_DIR=${JSON.stringify(config.logFile.dir)} is not a writable directory (${unusable}); log records are not written to files`);
    }
  }
  const loggerProvider = new LoggerProvider({ resource, processors: logProcessors });
  logs.setGlobalLoggerProvider(loggerProvider);

  // ---- traces: always a provider (exception collection, propagation) ----
  const spanProcessors: SpanProcessor[] = [new RequestExceptionCollector()];
  for (const name of config.tracesExporters) {
    if (name === 'console') {
      spanProcessors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    } else {
      spanProcessors.push(new BatchSpanProcessor({
        exporter: new LazyExporter(() => otlpExporter<SpanExporter>('traces', config.protocol.traces, invalidEndpointVars)),
        ...config.bsp,
      }));
    }
  }
  const tracerProvider = new TracerProvider({ resource, sampler: buildSampler(config), spanProcessors });
  trace.setGlobalTracerProvider(tracerProvider);

  const runtime = installRuntime(config);
  const instrumentations = loadInstrumentations(runtime, config.instrumentationsExplicit, problems);
  registerInstrumentations({ instrumentations, tracerProvider, meterProvider, loggerProvider });

  let shutdownPromise: Promise<void> | undefined;
  return {
    runtime,
    destinations,
    async forceFlush() {
      await Promise.all([
        tracerProvider.forceFlush(),
        meterProvider?.forceFlush(),
        loggerProvider.forceFlush(),
      ]);
    },
    shutdown() {
      // Spans first: ending them can still emit log records and metrics.
      shutdownPromise ??= tracerProvider.shutdown()
        .catch(() => undefined)
        .then(() => Promise.all([
          loggerProvider.shutdown().catch(() => undefined),
          meterProvider?.shutdown().catch(() => undefined),
        ]))
        .then(() => undefined);
      return shutdownPromise;
    },
  };
}

function otlpTarget(signal: Signal, protocol: OtlpProtocol): string {
  const specific = process.env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`]?.trim();
  if (specific) return specific;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || (protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318');
  return protocol === 'grpc' ? base : `${base.replace(/\/$/, '')}/${SIGNAL_PATH[signal]}`;
}
