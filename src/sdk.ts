/**
 * Assembles the OpenTelemetry SDK from the same official packages
 * @opentelemetry/sdk-node composes (sdk-trace, sdk-metrics, sdk-logs,
 * resources, the OTLP exporters), honouring the same OTEL_* variables.
 * We do not load sdk-node's index itself: it requires every exporter it knows
 * at start-up (cost: docs/benchmarks.md, "What we found and changed"), where
 * this loads only the exporters the configuration names.
 */
import { diag, DiagConsoleLogger, DiagLogLevel, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { logs as logsBeforeSdk3 } from '@opentelemetry/api-logs';
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
import type { FilamentConfig, OtlpProtocol, Signal } from './config';
import { installContextManager } from './context';
import { emitLogRecord, installRuntime, Masker, serveWorkerRecords, type Runtime } from './events';
import { RequestExceptionCollector } from './http';
import { BRIDGED_LOGGERS, BridgedLogProcessor } from './logs';
import { loadInstrumentations } from './instrumentations';
import { RotatingFileLogExporter } from './sinks';
import { CountingLogRecordProcessor, CountingSpanProcessor, DeliveryLedger, ledgerMeterProvider, type Unit } from './delivery';
import { loadOtlpHttpExporter, StopSignal } from './export';
import { installProtobufStrings } from './patches';
import { LazyExporter, LazyMetricExporter } from './lazyExporter';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';
import { globals, kStopped } from './symbols';
import type { ExportResult } from '@opentelemetry/core';

type AnyExporter = { export(items: never, callback: (result: ExportResult) => void): void; shutdown(): Promise<void> };

export interface FilamentSdk {
  readonly runtime: Runtime;
  forceFlush(): Promise<void>;
  /**
   * Flushes and stops, resolving by `deadline` (epoch ms; default: now +
   * FILAMENT_SHUTDOWN_TIMEOUT_MS) whatever the collector does: what is still
   * unexported then is abandoned, counted and reported on stderr. Until it
   * resolves a timer keeps the process alive; afterwards nothing of ours does.
   * `atNaturalEnd` (beforeExit) after a failed export: abandons at once.
   */
  shutdown(deadline?: number, atNaturalEnd?: boolean): Promise<void>;
  /**
   * A stop's deadline passed while the app still runs (it handles SIGTERM
   * itself): exports in flight and later ones fail at once, counted.
   */
  abandon(): void;
  /** What the batch processors were given and what became of it (delivery.ts): the exit line (exit.ts) reads it. */
  readonly ledgers: readonly DeliveryLedger[];
}

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
/** The gRPC exporters' version Filament is tested with (package.json devDependencies). */
const GRPC_EXPORTER_VERSION = '0.301.2';

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

/**
 * Requires only the exporter of the configured protocol, on the first export.
 * OTLP/HTTP: ours (export/otlpHttpExporter.ts, folded into the bundle by its
 * literal require), with unref'd sockets and a retry a stop can cut short, so a
 * stop ends by its deadline whatever the collector does. gRPC: upstream's
 * package, a run-time require (@grpc/grpc-js is large and rarely chosen).
 */
function otlpExporter<T extends object>(signal: Signal, config: FilamentConfig, stop: StopSignal): T {
  const protocol = config.protocol[signal];
  if (protocol === 'grpc') {
    const pkg = `@opentelemetry/exporter-${PACKAGE_SIGNAL[signal]}-otlp-${EXPORTER_PACKAGE[protocol]}`;
    let mod: Record<string, new (config?: object) => T>;
    try {
      mod = require(pkg) as Record<string, new (config?: object) => T>;
    } catch (error) {
      // Not a dependency of filament-otel (gRPC is rarely chosen and @grpc/grpc-js is large):
      // the app installs it beside itself (docs/settings.md). Said once per signal, on the
      // first export; the signal's records are then counted as failed, the service runs on.
      if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
        process.stderr.write(`filament-otel: OTEL_EXPORTER_OTLP_PROTOCOL=grpc needs ${pkg}, which filament-otel does not install: npm install ${pkg}@${GRPC_EXPORTER_VERSION}; ${signal} are not exported\n`);
      }
      throw error;
    }
    const Exporter = mod[EXPORTER_CLASS[signal]] as new (config?: object) => T;
    return new Exporter({ url: config.endpoints[signal] });
  }
  // With the exporters, not at start-up: the serialiser's ASCII string path (src/patches/protobufStrings.ts).
  if (protocol === 'http/protobuf') installProtobufStrings();
  return loadOtlpHttpExporter().createOtlpHttpExporter(signal, protocol, config.endpoints[signal], stop, config.shutdownTimeoutMs) as unknown as T;
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

export function startSdk(config: FilamentConfig, problems: string[]): FilamentSdk {
  if (config.logLevel !== undefined && config.logLevel !== 'NONE') {
    const level = DiagLogLevel[config.logLevel as keyof typeof DiagLogLevel] ?? DiagLogLevel.INFO;
    diag.setLogger(new DiagConsoleLogger(), { logLevel: level });
  }
  const resource = buildResource(config);

  // ---- context and propagation ----
  if (!installContextManager()) {
    problems.push('filament-otel: another OpenTelemetry context manager was registered first; Filament uses it');
  }
  const propagators = config.propagators.map((p) =>
    p === 'tracecontext' ? new W3CTraceContextPropagator() : new W3CBaggagePropagator());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators }));

  // Every OTLP exporter, so a stop's deadline can abandon what they have in flight.
  const lazyExporters: { abandon(): void }[] = [];
  const stops: StopSignal[] = [];
  const newStop = (): StopSignal => {
    const stop = new StopSignal();
    stops.push(stop);
    return stop;
  };
  const lazy = <E extends object>(signal: Signal): E => {
    const stop = newStop();
    const exporter = new LazyExporter(() => otlpExporter<E & AnyExporter>(signal, config, stop), stop);
    lazyExporters.push(exporter);
    return exporter as unknown as E;
  };
  const ledgers: DeliveryLedger[] = [];
  const ledger = (destination: string, unit: Unit, variable: string, size: number): DeliveryLedger => {
    const l = new DeliveryLedger(destination, unit, variable, size);
    ledgers.push(l);
    return l;
  };

  // ---- metrics (before instrumentations, so they get the real meter) ----
  const readers = config.metricsExporters.map((name) => {
    let exporter: PushMetricExporter = new ConsoleMetricExporter();
    if (name !== 'console') {
      const stop = newStop();
      const lazyMetrics = new LazyMetricExporter(() => otlpExporter<PushMetricExporter>('metrics', config, stop), config.metricsTemporality, stop);
      lazyExporters.push(lazyMetrics);
      exporter = lazyMetrics;
    }
    return new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: config.metricExportIntervalMs,
      exportTimeoutMillis: config.metricExportTimeoutMs,
    });
  });
  const meterProvider = readers.length > 0 ? new MeterProvider({ resource, readers }) : undefined;
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);

  // ---- logs: OTLP and/or console, plus the rotated local files ----
  const masker = new Masker(config.maskKeys);
  const logProcessors: LogRecordProcessor[] = [];
  const batchLogs = (exporter: LogRecordExporter, destination: string): LogRecordProcessor => {
    const counted = ledger(destination, 'log records', 'OTEL_BLRP_MAX_QUEUE_SIZE', config.blrp.maxQueueSize);
    return new CountingLogRecordProcessor(new BatchLogRecordProcessor({
      exporter, ...config.blrp, selfObsMeterProvider: ledgerMeterProvider(counted, meterProvider),
    }), counted);
  };
  for (const name of config.logsExporters) {
    if (name === 'console') {
      logProcessors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
    } else {
      logProcessors.push(batchLogs(lazy<LogRecordExporter>('logs'), 'OTLP logs'));
    }
  }
  if (config.logFile.dir !== undefined) {
    const fileExporter = new RotatingFileLogExporter({ ...config.logFile, dir: config.logFile.dir });
    const unusable = fileExporter.prepare();
    if (unusable === undefined) {
      logProcessors.push(batchLogs(fileExporter, 'log files'));
    } else {
      problems.push(`filament-otel: FILAMENT_LOG_FILE_DIR=${JSON.stringify(config.logFile.dir)} is not a writable directory (${unusable}); log records are not written to files`);
    }
  }
  // First: the app's own log lines are masked and renamed before any exporter reads them.
  if (logProcessors.length > 0 && config.logSending && config.instrumentations.some((name) => BRIDGED_LOGGERS.includes(name))) {
    logProcessors.unshift(new BridgedLogProcessor(masker, config.contentMaxBytes));
  }
  const loggerProvider = new LoggerProvider({ resource, processors: logProcessors });
  logs.setGlobalLoggerProvider(loggerProvider);
  // SDK 3 moved the logs API into @opentelemetry/api 1.10; code written against the separate
  // @opentelemetry/api-logs 0.2xx (@opentelemetry/winston-transport 0.34, apps' own loggers)
  // still asks that package's global, so the same provider answers there too.
  logsBeforeSdk3.setGlobalLoggerProvider(loggerProvider);

  // ---- traces: always a provider (exception collection, propagation) ----
  const spanProcessors: SpanProcessor[] = [new RequestExceptionCollector()];
  for (const name of config.tracesExporters) {
    if (name === 'console') {
      spanProcessors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    } else {
      const counted = ledger('OTLP traces', 'spans', 'OTEL_BSP_MAX_QUEUE_SIZE', config.bsp.maxQueueSize);
      spanProcessors.push(new CountingSpanProcessor(new BatchSpanProcessor({
        exporter: lazy<SpanExporter>('traces'), ...config.bsp, selfObsMeterProvider: ledgerMeterProvider(counted, meterProvider),
      }), counted));
    }
  }
  const tracerProvider = new TracerProvider({ resource, sampler: buildSampler(config), spanProcessors });
  trace.setGlobalTracerProvider(tracerProvider);

  const runtime = installRuntime(config, masker);
  serveWorkerRecords((record) => emitLogRecord(runtime, record), runtime.instruments);
  const instrumentations = loadInstrumentations(runtime, config.instrumentationsExplicit, problems);
  registerInstrumentations({ instrumentations, tracerProvider, meterProvider, loggerProvider });

  const abandon = (): void => {
    for (const exporter of lazyExporters) exporter.abandon();
  };
  let shutdownPromise: Promise<void> | undefined;
  return {
    runtime,
    ledgers,
    async forceFlush() {
      await Promise.all([
        tracerProvider.forceFlush(),
        meterProvider?.forceFlush(),
        loggerProvider.forceFlush(),
      ]);
    },
    abandon,
    shutdown(deadline = Date.now() + config.shutdownTimeoutMs, atNaturalEnd = false) {
      // The event loop ended just after an export failed (it held the loop for up to
      // the deadline retrying): the collector is down, waiting once more is pointless.
      if (atNaturalEnd && stops.some((s) => s.lastExportFailed)) deadline = Date.now();
      shutdownPromise ??= new Promise<void>((resolve) => {
        // Spans first: ending them can still emit log records and metrics.
        const stopped = tracerProvider.shutdown()
          .catch(() => undefined)
          .then(() => {
            // Stopped from the call on, not from its end: the provider's loggers drop every
            // record once its shutdown begins (sdk-logs 3, Logger.enabled: hasShutdown), and a
            // stop the deadline ends resolves before it does (events/runtime.ts says each one).
            globals[kStopped] = true;
            return Promise.all([
              loggerProvider.shutdown().catch(() => undefined),
              meterProvider?.shutdown().catch(() => undefined),
            ]);
          });
        // Ref'd on purpose: the process lives until the flush is done or the deadline passes.
        const timer = setTimeout(() => {
          // Counted before the exporters answer what is in flight as failed: each record is said once.
          const unsettled = ledgers.map((l) => ({ l, count: l.abandon() }))
            .filter(({ count }) => count > 0).map(({ l, count }) => `${count} ${l.unit} (${l.destination})`);
          abandon();
          for (const l of ledgers) l.reportNow();
          if (unsettled.length > 0) {
            process.stderr.write(`filament-otel: the stop deadline (FILAMENT_SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}) passed; abandoned unexported: ${unsettled.join(', ')}\n`);
          }
          resolve();
        }, Math.max(0, deadline - Date.now()));
        void stopped.then(() => {
          clearTimeout(timer);
          for (const l of ledgers) l.reportNow();
          resolve();
        });
      });
      return shutdownPromise;
    },
  };
}
