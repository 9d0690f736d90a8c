/**
 * Worker thread: the span and log record processors of the worker's own
 * providers (sdk.ts, startWorkerInstrumentation). They export nothing: each
 * finished span and emitted record is handed at once to the main thread's SDK
 * (serve.ts), whose batch processors, delivery ledger, stop deadline and loss
 * reports then treat it as one of its own. Nothing is buffered here, so a
 * worker that ends (terminate(), process.exit() in the worker) has nothing left
 * to flush.
 *
 * The carrier is a BroadcastChannel of a Filament-private name, as for the typed
 * API's records (events/workers.ts): it reaches the main thread from any thread
 * without the app's parentPort or workerData, and it is unref'd.
 */
import { BroadcastChannel, getEnvironmentData, setEnvironmentData, threadId, workerData } from 'node:worker_threads';
import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { logRecordMessage, spanMessage, TELEMETRY_CHANNEL, type TelemetryMessage } from './messages';

/** Environment data key: set (true) by the main thread that serves TELEMETRY_CHANNEL. */
const SERVED = 'filament-otel.worker-telemetry-served.v1';

/** Main thread: announces, before the app creates workers, that it takes their spans and records. */
export function announceServed(): void {
  setEnvironmentData(SERVED, true);
}

/**
 * Worker thread: whether to register the instrumentations here — where a main
 * thread of this process takes the spans and records, and not in a logger's
 * transport thread: pino's transports run in thread-stream workers, whose own
 * writes (a log shipper's HTTP requests, say) are the logger's plumbing, not
 * the app's work, and would make spans of every batch of log lines. thread-stream
 * marks its workers with `workerData.workerData.$context.threadStreamVersion`
 * (thread-stream/index.js, createWorker).
 */
export function instrumentsThisThread(): boolean {
  if (getEnvironmentData(SERVED) !== true) return false;
  const data = workerData as { workerData?: { $context?: { threadStreamVersion?: unknown } } } | null | undefined;
  return data?.workerData?.$context?.threadStreamVersion === undefined;
}

type Kind = 'spans' | 'log records' | 'measurements';

/**
 * Posts to the main thread; what cannot be posted (the channel closed, a value
 * the structured clone refuses) is counted per kind, said once per kind at the
 * first loss with its reason, and the count said when the thread ends.
 */
export class TelemetrySender {
  private readonly channel = new BroadcastChannel(TELEMETRY_CHANNEL);
  private readonly lost: Record<Kind, number> = { spans: 0, 'log records': 0, measurements: 0 };
  private readonly reasons: Partial<Record<Kind, string>> = {};

  constructor() {
    this.channel.unref();
    process.once('exit', () => this.sayLost());
  }

  post(kind: Kind, build: () => TelemetryMessage): void {
    try {
      this.channel.postMessage(build());
    } catch (error) {
      this.lost[kind]++;
      if (this.reasons[kind] === undefined) {
        const reason = error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
        this.reasons[kind] = reason;
        process.stderr.write(`filament-otel: worker thread ${threadId}: ${kind} could not be handed to the main thread's SDK (${reason}); not recorded (counted; the count is said when the thread ends)\n`);
      }
    }
  }

  private sayLost(): void {
    for (const kind of ['spans', 'log records', 'measurements'] as const) {
      if (this.lost[kind] > 0) {
        process.stderr.write(`filament-otel: worker thread ${threadId}: ${this.lost[kind]} ${kind} could not be handed to the main thread's SDK (${this.reasons[kind] ?? ''}): not recorded\n`);
      }
    }
  }
}

/** Hands each sampled, ended span to the main thread (unsampled spans never reach a processor). */
export class ForwardingSpanProcessor implements SpanProcessor {
  constructor(private readonly sender: TelemetrySender) {}

  onStart(_span: Span, _context: Context): void {
    // Only ended spans travel.
  }

  onEnd(span: ReadableSpan): void {
    this.sender.post('spans', () => spanMessage(span));
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Hands each emitted log record (an app's log line through a logger bridge, say) to the main thread. */
export class ForwardingLogRecordProcessor implements LogRecordProcessor {
  constructor(private readonly sender: TelemetrySender) {}

  onEmit(record: ReadWriteLogRecord): void {
    this.sender.post('log records', () => logRecordMessage(record));
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
