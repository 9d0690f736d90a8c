/**
 * Main thread: takes the spans and log records worker threads' instrumentation
 * hands over (forwarding.ts) into the SDK's own pipeline.
 *
 * - A span goes to the tracer provider's exporting processors (the counting
 *   batch processors of sdk.ts): batched, exported, counted in the delivery
 *   ledger, cut by the stop deadline like the main thread's. After the stop those
 *   processors count it as given after the stop, which the exit line says
 *   (exit.ts).
 * - A log record is emitted again through the provider's logger of the same
 *   instrumentation scope, with the worker's timestamps and trace, so every log
 *   processor (the bridged-log masking first) sees it as the main thread's own.
 *   After the stop the provider's loggers drop what they are given before any
 *   processor sees it (sdk-logs 3, Logger.enabled: hasShutdown), so it is counted
 *   here, in each log ledger, and said at exit the same way.
 *
 * - A measurement is recorded on the same instrument of the main thread's
 *   meter provider (meters.ts); after its stop, as the main thread's own, it
 *   goes nowhere.
 *
 * Resource: the main thread's (one SDK per process).
 */
import { BroadcastChannel } from 'node:worker_threads';
import type { LoggerProvider, MeterProvider } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { DeliveryLedger } from '../delivery';
import { announceServed } from './forwarding';
import { measurementTaker } from './meters';
import { logRecord, readableSpan, TELEMETRY_CHANNEL, type MeasurementMessage, type TelemetryMessage } from './messages';

export interface TelemetryTargets {
  readonly resource: Resource;
  /** The processors that export (not the per-span hooks the worker already ran: sdk.ts). */
  readonly spanProcessors: readonly SpanProcessor[];
  readonly loggerProvider: LoggerProvider;
  /** Undefined when no metrics exporter is configured: measurements are then not wanted. */
  readonly meterProvider: MeterProvider | undefined;
  /** Where a log record given after the stop is counted. */
  readonly logLedgers: readonly DeliveryLedger[];
  /** Whether the SDK's stop has reached the log records (sdk.ts, kStopped). */
  readonly stopped: () => boolean;
}

/** Called once by startSdk when FILAMENT_WORKER_INSTRUMENTATION is on, before the app creates workers. */
export function serveWorkerTelemetry(targets: TelemetryTargets): void {
  const channel = new BroadcastChannel(TELEMETRY_CHANNEL);
  channel.unref();
  const measure = targets.meterProvider !== undefined ? measurementTaker(targets.meterProvider) : () => undefined;
  channel.onmessage = (event: unknown) => {
    try {
      take((event as { data: TelemetryMessage }).data, targets, measure);
    } catch {
      // A malformed message (another copy of the package): telemetry never breaks the app.
    }
  };
  announceServed();
}

function take(message: TelemetryMessage, targets: TelemetryTargets, measure: (m: MeasurementMessage) => void): void {
  if (typeof message !== 'object' || message === null) return;
  if (message.kind === 'measurement') {
    measure(message);
    return;
  }
  if (message.kind === 'span') {
    const span = readableSpan(message, targets.resource);
    for (const processor of targets.spanProcessors) {
      try {
        processor.onEnd(span);
      } catch {
        // One processor failing does not keep the span from the others (as the SDK's MultiSpanProcessor).
      }
    }
    return;
  }
  if (message.kind !== 'logRecord') return;
  if (targets.stopped()) {
    for (const ledger of targets.logLedgers) ledger.afterStop++;
    return;
  }
  const { scope, record } = logRecord(message);
  const options = scope.schemaUrl !== undefined ? { schemaUrl: scope.schemaUrl } : undefined;
  targets.loggerProvider.getLogger(scope.name, scope.version, options).emit(record);
}
