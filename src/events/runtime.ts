/**
 * The state every event emitter shares: configuration, the OTel logger, the
 * metric instruments and the masker. Kept in a process-wide slot (symbols.ts)
 * so that two copies of the package (the preload's and an app's own) still
 * share one runtime.
 */
import { isMainThread } from 'node:worker_threads';
import {
  logs, SeverityNumber,
  type AnyValue, type Attributes as LogAttributes, type Context, type Logger, type LogRecord,
} from '@opentelemetry/api';
import type { FilamentConfig } from '../config';
import { loadConfig } from '../loadConfig';
import { globals, kConfig, kRuntime, kStopped } from '../symbols';
import { Masker } from '../masking';
import { mainThreadServes, sayNoMainThreadSdk, workerSenders } from './workers';
import type { FilamentEventName } from '../semconv';
import { createInstruments, type Instruments } from './instruments';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';

declare module '../symbols' {
  interface Globals {
    /** Configuration, logger, masker and instruments the event emitters share. */
    [kRuntime]?: Runtime;
    /** The configuration the preload read (also when OTEL_SDK_DISABLED): nobody reads the environment twice. */
    [kConfig]?: { config: FilamentConfig };
  }
}

export interface Runtime {
  readonly config: FilamentConfig;
  readonly logger: Logger;
  readonly masker: Masker;
  readonly instruments: Instruments;
  /**
   * Whether log records go anywhere (an OTLP/console logs exporter or the local
   * files). Decided once: where it is false, hooks that only feed log records
   * (AMQP content capture and masking) skip their work, as pino replaces a
   * disabled level with a no-op.
   */
  readonly logsEnabled: boolean;
}

/** Whether the configuration sends log records anywhere: a logs exporter other than `none`, or the local files. */
export function logsEnabled(config: FilamentConfig): boolean {
  return config.logsExporters.length > 0 || config.logFile.dir !== undefined;
}

/**
 * `masker`: the preload's one masker, shared with the bridged-log processor. `logger`: the preload's
 * event logger (logs/eventLogger.ts); without one, the global provider's (the app's own SDK, or a no-op).
 */
export function installRuntime(
  config: FilamentConfig, masker: Masker = new Masker(config.maskKeys), logger: Logger = logs.getLogger(PACKAGE_NAME, PACKAGE_VERSION),
): Runtime {
  const runtime: Runtime = {
    config,
    logger,
    masker,
    instruments: createInstruments(),
    logsEnabled: logsEnabled(config),
  };
  globals[kRuntime] = runtime;
  return runtime;
}

/**
 * The preload's runtime, or — when the app calls the API without a started
 * SDK — one bound to whatever global OTel providers exist (no-ops if none),
 * built once on the configuration the preload read (OTEL_SDK_DISABLED), or,
 * without any preload, read here once with its problem lines on stderr as
 * the preload would write them.
 */
export function getRuntime(): Runtime {
  const installed = globals[kRuntime];
  if (installed !== undefined) return installed;
  const config = globals[kConfig]?.config ?? readConfigOnce();
  return isMainThread ? installRuntime(config) : installWorkerRuntime(config);
}

/**
 * A worker thread's runtime (workers.ts): its records and measurements go to the
 * main thread's SDK when one serves them; otherwise to this thread's own global
 * providers, as on a main thread without the preload, and one line says that
 * Filament records nothing of this thread (unless OTEL_SDK_DISABLED asked for that).
 */
function installWorkerRuntime(config: FilamentConfig): Runtime {
  if (mainThreadServes()) {
    const runtime: Runtime = { config, masker: new Masker(config.maskKeys), logsEnabled: logsEnabled(config), ...workerSenders() };
    globals[kRuntime] = runtime;
    return runtime;
  }
  const local = installRuntime(config);
  if (config.disabled) return local;
  const logger = local.logger;
  const runtime: Runtime = {
    ...local,
    logger: {
      emit(record) {
        sayNoMainThreadSdk(record.eventName ?? 'a record');
        logger.emit(record);
      },
      enabled: (options) => logger.enabled(options),
    },
  };
  globals[kRuntime] = runtime;
  return runtime;
}

function readConfigOnce(): FilamentConfig {
  const { config, problems } = loadConfig();
  globals[kConfig] = { config };
  // In a worker thread the main thread's preload has written them (preload.ts starts no SDK in workers).
  if (isMainThread) for (const line of problems) process.stderr.write(`${line}\n`);
  return config;
}

const SEVERITY_TEXT: Record<number, string> = {
  [SeverityNumber.INFO]: 'INFO',
  [SeverityNumber.WARN]: 'WARN',
  [SeverityNumber.ERROR]: 'ERROR',
};

export function emitEvent(
  runtime: Runtime,
  eventName: FilamentEventName,
  severityNumber: SeverityNumber.INFO | SeverityNumber.WARN | SeverityNumber.ERROR,
  attributes: LogAttributes,
  body?: AnyValue,
  context?: Context,
): void {
  const record: LogRecord = {
    eventName,
    severityNumber,
    severityText: SEVERITY_TEXT[severityNumber] as string,
    attributes,
  };
  if (body !== undefined) record.body = body;
  // Only when given: sdk-logs spreads the record over its active-context default,
  // so an explicit `context: undefined` would drop the trace correlation.
  if (context !== undefined) record.context = context;
  emitLogRecord(runtime, record);
}

/** Emits a finished record (also one a worker thread sent: workers.ts), or says it is lost after the stop. */
export function emitLogRecord(runtime: Runtime, record: LogRecord): void {
  if (globals[kStopped] === true) { afterStop(record.eventName ?? 'a record'); return; }
  runtime.logger.emit(record);
}

const saidAfterStop = new Set<string>();

/** A record emitted after the stop is lost: one line per event name says so. */
function afterStop(eventName: string): void {
  if (saidAfterStop.has(eventName)) return;
  saidAfterStop.add(eventName);
  process.stderr.write(`filament-otel: ${eventName} emitted after shutdown(): not recorded (said once per event)\n`);
}
