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
import { emptyResource, type Resource } from '@opentelemetry/resources';
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
import type { FilamentConfig, Signal } from './config';
import { installContextManager } from './context';
import { emitLogRecord, getRuntime, installRuntime, serveWorkerRecords, type Runtime } from './events';
import { Masker } from './masking';
import { RequestExceptionCollector } from './http';
import { BRIDGED_LOGGERS, BridgedLogProcessor, EventLogger, type RecordLimits } from './logs';
import { loadInstrumentations } from './instrumentations';
import { buildResource } from './resource';
import { RotatingFileLogExporter } from './sinks';
import { CountingLogRecordProcessor, CountingSpanProcessor, DeliveryLedger, ledgerMeterProvider, type Unit } from './delivery';
import { LazyExporter, LazyMetricExporter, loadOtlpGrpcExporter, loadOtlpHttpExporter, requireGrpc, RETRY_WINDOW_MS, StopSignal } from './export';
import {
  ForwardingLogRecordProcessor, ForwardingSpanProcessor, forwardingMeterProvider, serveWorkerTelemetry, TelemetrySender,
} from './threads';
import { globals, kStopped } from './symbols';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';
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
 * Requires only the exporter of the configured protocol, on the first export. Both are ours
 * (export/otlpHttpExporter.ts, export/otlpGrpcExporter.ts, folded into the bundle by their
 * literal requires), with a retry a stop can cut short, so a collector away for up to 60 s loses
 * nothing and a stop ends by its deadline whatever the collector does. gRPC needs
 * @grpc/grpc-js, a run-time require from the app's node_modules (large and rarely chosen).
 */
function otlpExporter<T extends object>(
  signal: Signal, config: FilamentConfig, stop: StopSignal, ledger?: DeliveryLedger, meterProvider?: MeterProvider,
): T {
  const protocol = config.protocol[signal];
  const onRejected = ledger === undefined ? undefined : (count: number, message: string): void => ledger.reject(count, message);
  const fromFile = config.otlpFromFile?.[signal];
  if (protocol === 'grpc') {
    const grpc = requireGrpc(signal);
    // A gRPC call in flight holds the event loop (grpc-js refs its HTTP/2 session while a call is
    // active), so a script that ends mid-export waits for the attempt: each attempt is given at
    // most the stop deadline, as docs/stopping.md promises. A stop cancels the call at its deadline.
    const timeoutMillis = Math.min(fromFile?.timeoutMs ?? config.otlpTimeoutMs[signal], config.shutdownTimeoutMs);
    return loadOtlpGrpcExporter().createOtlpGrpcExporter(grpc, signal,
      { url: config.endpoints[signal], timeoutMillis, compression: fromFile?.compression }, stop, RETRY_WINDOW_MS, onRejected, meterProvider) as unknown as T;
  }
  return loadOtlpHttpExporter().createOtlpHttpExporter(
    signal, protocol, config.endpoints[signal], stop, RETRY_WINDOW_MS, fromFile, onRejected, meterProvider) as unknown as T;
}

/** OTEL_LOG_LEVEL: the SDK's own diagnostics on the console (off unless set). */
function installDiagLogger(config: FilamentConfig): void {
  if (config.logLevel !== undefined && config.logLevel !== 'NONE') {
    const level = DiagLogLevel[config.logLevel as keyof typeof DiagLogLevel] ?? DiagLogLevel.INFO;
    diag.setLogger(new DiagConsoleLogger(), { logLevel: level });
  }
}

/** The context manager and OTEL_PROPAGATORS. */
function installPropagation(config: FilamentConfig, problems: string[]): void {
  if (!installContextManager()) {
    problems.push('filament-otel: another OpenTelemetry context manager was registered first; Filament uses it');
  }
  const propagators = config.propagators.map((p) =>
    p === 'tracecontext' ? new W3CTraceContextPropagator() : new W3CBaggagePropagator());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators }));
}

/**
 * What a stop needs to reach: every OTLP exporter (so a stop's deadline can
 * abandon what they have in flight), their stop signals and the delivery ledgers.
 */
class ExportPipes {
  readonly lazyExporters: { abandon(): void }[] = [];
  readonly stops: StopSignal[] = [];
  readonly ledgers: DeliveryLedger[] = [];
  /**
   * Where the OTLP exporters (HTTP and gRPC) record the SDK's own `otel.sdk.exporter.*` metrics; set once the
   * meter provider exists (it is built with the lazy metric exporter, so after this object). The
   * exporters are created on their first export, when it is set.
   */
  meterProvider: MeterProvider | undefined;

  constructor(private readonly config: FilamentConfig) {}

  newStop(): StopSignal {
    const stop = new StopSignal();
    this.stops.push(stop);
    return stop;
  }

  /** A lazily loaded OTLP exporter of `signal` (traces or logs); a partial success's rejections go to `counted`. */
  lazy<E extends object>(signal: Signal, counted: DeliveryLedger, queueSize: number): E {
    const stop = this.newStop();
    const exporter = new LazyExporter(() => otlpExporter<E & AnyExporter>(signal, this.config, stop, counted, this.meterProvider), stop, queueSize);
    this.lazyExporters.push(exporter);
    return exporter as unknown as E;
  }

  /** The lazily loaded OTLP metric exporter. */
  lazyMetrics(): PushMetricExporter {
    const stop = this.newStop();
    const counted = this.ledger('OTLP metrics', 'metric data points', 'OTEL_METRIC_EXPORT_INTERVAL', this.config.metricExportIntervalMs);
    const exporter = new LazyMetricExporter(() => otlpExporter<PushMetricExporter>('metrics', this.config, stop, counted, this.meterProvider), this.config.metricsTemporality, stop);
    this.lazyExporters.push(exporter);
    return exporter;
  }

  ledger(destination: string, unit: Unit, variable: string, size: number): DeliveryLedger {
    const l = new DeliveryLedger(destination, unit, variable, size);
    this.ledgers.push(l);
    return l;
  }

  abandon(): void {
    for (const exporter of this.lazyExporters) exporter.abandon();
  }
}

/**
 * The batch processors' and metric reader's export timeout: when they hand the
 * exporter the next batch (it waits in order behind the one in flight,
 * export/lazyExporter.ts) and how long their ref'd timer holds a script that ended
 * with an export in flight — so never longer than the stop deadline. The
 * exporter itself keeps retrying a collector away for up to 60 s (RETRY_WINDOW_MS)
 * (docs/events.md, "Delivery").
 */
function processorTimeout(config: FilamentConfig, configured: number): number {
  return Math.min(configured, config.shutdownTimeoutMs);
}

/** OTEL_METRICS_EXPORTER and OTEL_METRIC_EXPORT_*; undefined when no exporter is configured. */
function createMeterProvider(config: FilamentConfig, resource: Resource, pipes: ExportPipes): MeterProvider | undefined {
  const readers = config.metricsExporters.map((name) => new PeriodicExportingMetricReader({
    exporter: name === 'console' ? new ConsoleMetricExporter() : pipes.lazyMetrics(),
    exportIntervalMillis: config.metricExportIntervalMs,
    exportTimeoutMillis: processorTimeout(config, config.metricExportTimeoutMs),
  }));
  return readers.length > 0 ? new MeterProvider({ resource, readers }) : undefined;
}

/**
 * The log record limits, given to the provider and to Filament's own event logger alike
 * (logs/eventLogger.ts), so that both hold records to the same ones: sdk-logs' defaults.
 */
const LOG_RECORD_LIMITS: RecordLimits = Object.freeze({ attributeCountLimit: 128, attributeValueLengthLimit: Infinity });

/**
 * OTEL_LOGS_EXPORTER (OTLP and/or console) plus the rotated local files (FILAMENT_LOG_FILE_*).
 * `eventLogger`: the logger Filament's own events go through, onto the same processors in the same order.
 */
function createLoggerProvider(
  config: FilamentConfig, resource: Resource, pipes: ExportPipes, masker: Masker,
  meterProvider: MeterProvider | undefined, problems: string[],
): { loggerProvider: LoggerProvider; eventLogger: EventLogger } {
  const logProcessors: LogRecordProcessor[] = [];
  const batchLogs = (exporter: (counted: DeliveryLedger) => LogRecordExporter, destination: string): LogRecordProcessor => {
    const counted = pipes.ledger(destination, 'log records', 'OTEL_BLRP_MAX_QUEUE_SIZE', config.blrp.maxQueueSize);
    return new CountingLogRecordProcessor(new BatchLogRecordProcessor({
      exporter: exporter(counted), ...config.blrp, exportTimeoutMillis: processorTimeout(config, config.blrp.exportTimeoutMillis),
      selfObsMeterProvider: ledgerMeterProvider(counted, meterProvider),
    }), counted);
  };
  for (const name of config.logsExporters) {
    if (name === 'console') {
      logProcessors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
    } else {
      logProcessors.push(batchLogs((counted) => pipes.lazy<LogRecordExporter>('logs', counted, config.blrp.maxQueueSize), 'OTLP logs'));
    }
  }
  if (config.logFile.dir !== undefined) {
    const fileExporter = new RotatingFileLogExporter({ ...config.logFile, dir: config.logFile.dir });
    const unusable = fileExporter.prepare();
    if (unusable === undefined) {
      logProcessors.push(batchLogs(() => fileExporter, 'log files'));
    } else {
      problems.push(`filament-otel: FILAMENT_LOG_FILE_DIR=${JSON.stringify(config.logFile.dir)} is not a writable directory (${unusable}); log records are not written to files`);
    }
  }
  // First: the app's own log lines are masked and renamed before any exporter reads them.
  if (logProcessors.length > 0 && config.logSending && config.instrumentations.some((name) => BRIDGED_LOGGERS.includes(name))) {
    logProcessors.unshift(new BridgedLogProcessor(masker, config.contentMaxBytes));
  }
  return {
    loggerProvider: new LoggerProvider({ resource, processors: logProcessors, logRecordLimits: LOG_RECORD_LIMITS }),
    eventLogger: new EventLogger(logProcessors, resource, LOG_RECORD_LIMITS, PACKAGE_NAME, PACKAGE_VERSION),
  };
}

/**
 * OTEL_TRACES_EXPORTER, OTEL_BSP_*, OTEL_TRACES_SAMPLER: always a provider (exception collection, propagation).
 * `exporting`: its processors after the per-span hooks, which take worker threads' ended spans too (threads/).
 */
function createTracerProvider(
  config: FilamentConfig, resource: Resource, pipes: ExportPipes, meterProvider: MeterProvider | undefined,
): { tracerProvider: TracerProvider; exporting: SpanProcessor[] } {
  const exporting: SpanProcessor[] = [];
  for (const name of config.tracesExporters) {
    if (name === 'console') {
      exporting.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    } else {
      const counted = pipes.ledger('OTLP traces', 'spans', 'OTEL_BSP_MAX_QUEUE_SIZE', config.bsp.maxQueueSize);
      exporting.push(new CountingSpanProcessor(new BatchSpanProcessor({
        exporter: pipes.lazy<SpanExporter>('traces', counted, config.bsp.maxQueueSize), ...config.bsp, exportTimeoutMillis: processorTimeout(config, config.bsp.exportTimeoutMillis),
        selfObsMeterProvider: ledgerMeterProvider(counted, meterProvider),
      }), counted));
    }
  }
  const spanProcessors: SpanProcessor[] = [new RequestExceptionCollector(), ...exporting];
  return { tracerProvider: new TracerProvider({ resource, sampler: buildSampler(config), spanProcessors }), exporting };
}

interface Providers {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider | undefined;
  loggerProvider: LoggerProvider;
}

/**
 * Flushes and stops the providers by `deadline` (FilamentSdk.shutdown); at the
 * deadline abandons what is unexported and says so on stderr.
 */
function createShutdown(config: FilamentConfig, providers: Providers, pipes: ExportPipes): FilamentSdk['shutdown'] {
  const { tracerProvider, meterProvider, loggerProvider } = providers;
  let shutdownPromise: Promise<void> | undefined;
  return (deadline = Date.now() + config.shutdownTimeoutMs, atNaturalEnd = false) => {
    // The event loop ended just after an export failed, or with one still unanswered past the
    // processor's export timeout (it held the loop until then): the collector is down or a
    // black hole, and waiting once more is pointless.
    if (atNaturalEnd && pipes.stops.some((s) => s.lastExportFailed || s.attemptsInFlight > 0)) deadline = Date.now();
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
        const unsettled = pipes.ledgers.map((l) => ({ l, count: l.abandon() }))
          .filter(({ count }) => count > 0).map(({ l, count }) => `${count} ${l.unit} (${l.destination})`);
        pipes.abandon();
        for (const l of pipes.ledgers) l.reportNow();
        if (unsettled.length > 0) {
          process.stderr.write(`filament-otel: the stop deadline (FILAMENT_SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}) passed; abandoned unexported: ${unsettled.join(', ')}\n`);
        }
        resolve();
      }, Math.max(0, deadline - Date.now()));
      void stopped.then(() => {
        clearTimeout(timer);
        for (const l of pipes.ledgers) l.reportNow();
        resolve();
      });
    });
    return shutdownPromise;
  };
}

export function startSdk(config: FilamentConfig, problems: string[]): FilamentSdk {
  installDiagLogger(config);
  const resource = buildResource(config);
  installPropagation(config, problems);
  const pipes = new ExportPipes(config);

  // Metrics before instrumentations, so they get the real meter.
  const meterProvider = createMeterProvider(config, resource, pipes);
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);
  pipes.meterProvider = meterProvider;

  const masker = new Masker(config.maskKeys);
  const { loggerProvider, eventLogger } = createLoggerProvider(config, resource, pipes, masker, meterProvider, problems);
  logs.setGlobalLoggerProvider(loggerProvider);
  // SDK 3 moved the logs API into @opentelemetry/api 1.10; code written against the separate
  // @opentelemetry/api-logs 0.2xx (apps' own loggers, libraries not yet moved, such as
  // @opentelemetry/winston-transport before 0.35) still asks that package's global, so the same
  // provider answers there too.
  logsBeforeSdk3.setGlobalLoggerProvider(loggerProvider);

  const { tracerProvider, exporting } = createTracerProvider(config, resource, pipes, meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);

  const runtime = installRuntime(config, masker, eventLogger);
  serveWorkerRecords((record) => emitLogRecord(runtime, record), runtime.instruments);
  if (config.workerInstrumentation) {
    serveWorkerTelemetry({
      resource, spanProcessors: exporting, loggerProvider, meterProvider,
      logLedgers: pipes.ledgers.filter((l) => l.unit === 'log records'), stopped: () => globals[kStopped] === true,
    });
  }
  const instrumentations = loadInstrumentations(runtime, config.instrumentationsExplicit, problems);
  registerInstrumentations({ instrumentations, tracerProvider, meterProvider, loggerProvider });

  return {
    runtime,
    ledgers: pipes.ledgers,
    async forceFlush() {
      await Promise.all([
        tracerProvider.forceFlush(),
        meterProvider?.forceFlush(),
        loggerProvider.forceFlush(),
      ]);
    },
    abandon: () => pipes.abandon(),
    shutdown: createShutdown(config, { tracerProvider, meterProvider, loggerProvider }, pipes),
  };
}

/**
 * Metrics-only instrumentations of the whole process, loaded by the main
 * thread alone: in a worker they would measure that thread (an event loop of
 * its own) into a meter that goes nowhere.
 */
const MAIN_THREAD_ONLY = ['runtime-node', 'host-metrics'];

/**
 * A worker thread (preload.ts): the same automatic instrumentations as the main
 * thread — incoming and outgoing HTTP with `api.request`/`api.error` and
 * masking, amqplib with `queue.message`, the logger bridges — against providers
 * of its own that export nothing: their processors hand each ended span and
 * emitted log record to the main thread's SDK (threads/), and the events and
 * measurements of the typed runtime travel as the typed API's do
 * (events/workers.ts). The same sampler and propagators, so a span started in
 * the worker is a child of the trace its request or job carried. The
 * instrumentations' synchronous metrics travel too (threads/meters.ts).
 */
export function startWorkerInstrumentation(config: FilamentConfig): void {
  // Said by the main thread already (same configuration): never twice per worker.
  const problems: string[] = [];
  installPropagation(config, problems);
  const sender = new TelemetrySender();
  const runtime = getRuntime();
  const resource = emptyResource(); // the main thread exports with its own
  // Nothing is sent for a signal the main thread does not export. The tracer provider stays: it
  // propagates the trace and collects api.error's exceptions.
  const spanProcessors: SpanProcessor[] = [new RequestExceptionCollector()];
  if (config.tracesExporters.length > 0) spanProcessors.push(new ForwardingSpanProcessor(sender));
  const tracerProvider = new TracerProvider({ resource, sampler: buildSampler(config), spanProcessors });
  trace.setGlobalTracerProvider(tracerProvider);
  const loggerProvider = new LoggerProvider({ resource, processors: runtime.logsEnabled ? [new ForwardingLogRecordProcessor(sender)] : [] });
  logs.setGlobalLoggerProvider(loggerProvider);
  logsBeforeSdk3.setGlobalLoggerProvider(loggerProvider);
  const meterProvider = config.metricsExporters.length > 0 ? forwardingMeterProvider((build) => sender.post('measurements', build)) : undefined;
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);
  const instrumentations = loadInstrumentations(
    { ...runtime, config: { ...config, instrumentations: config.instrumentations.filter((n) => !MAIN_THREAD_ONLY.includes(n)) } },
    config.instrumentationsExplicit, problems);
  registerInstrumentations({ instrumentations, tracerProvider, loggerProvider, ...(meterProvider !== undefined ? { meterProvider } : {}) });
}
