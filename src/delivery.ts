/**
 * No silent loss: what the batch processors accept, export, fail to export and
 * drop is counted here, from the SDK's own processor metric
 * (`otel.sdk.processor.log.processed` / `otel.sdk.processor.span.processed`,
 * `error.type = queue_full` for a full queue), and losses are reported on
 * stderr at most once a minute (docs/events.md, "Delivery").
 */
import {
  createNoopMeter, TraceFlags, type Attributes, type Context, type Counter, type Meter, type MeterProvider,
} from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

export type Unit = 'log records' | 'spans' | 'metric data points';

/** At most one stderr report per minute (the and the ADR's budget for noise). */
const REPORT_INTERVAL_MS = 60_000;

export class DeliveryLedger {
  /** Handed to the batch processor (sampled spans only: the processor ignores the rest). */
  accepted = 0;
  exported = 0;
  failed = 0;
  dropped = 0;
  /**
   * Given up at the stop deadline: said once, in the stop's line (sdk.ts). The
   * export results that still come for them are absorbed, not counted again as
   * failed — the stop's report said 200 for 100 records when it counted both.
   */
  abandoned = 0;
  /** Results still to come for abandoned records (they were queued or in flight). */
  private unansweredAbandoned = 0;
  /** Emitted after the processor was shut down: never queued, lost (said at exit, exit.ts). */
  afterStop = 0;
  /** Losses not yet written to stderr. */
  private unreportedDropped = 0;
  private unreportedFailed = 0;
  /** Rejected by a collector's partial success, not yet written to stderr, with its latest message. */
  private unreportedRejected = 0;
  private rejectedMessage = '';
  private lastReportAt = -Infinity;
  private reportTimer: NodeJS.Timeout | undefined;

  constructor(
    /** What the report names: `OTLP logs`, `log files`, `OTLP traces`. */
    readonly destination: string,
    readonly unit: Unit,
    private readonly queueVariable: string,
    private readonly queueSize: number,
  ) {}

  /** Accepted but neither exported, failed, dropped nor abandoned: queued or in flight. */
  get unsettled(): number {
    return Math.max(0, this.accepted - this.exported - this.failed - this.dropped - this.abandoned);
  }

  /**
   * The stop deadline passed: what is unsettled now is abandoned (and returned,
   * for the stop's line). Called before the exporters answer their exports in
   * flight as failed, so those answers are absorbed.
   */
  abandon(): number {
    const count = this.unsettled;
    this.abandoned += count;
    this.unansweredAbandoned += count;
    return count;
  }

  settle(count: number, errorType: string | undefined): void {
    if (errorType !== 'queue_full' && this.unansweredAbandoned > 0) {
      // Export results come in queue order: the abandoned records were accepted first.
      const absorbed = Math.min(count, this.unansweredAbandoned);
      this.unansweredAbandoned -= absorbed;
      count -= absorbed;
      if (count === 0) return;
    }
    if (errorType === undefined) {
      this.exported += count;
    } else if (errorType === 'queue_full') {
      this.dropped += count;
      this.unreportedDropped += count;
      this.scheduleReport();
    } else {
      this.failed += count;
      this.unreportedFailed += count;
      this.scheduleReport();
    }
  }

  /**
   * A collector's partial success rejected `count` items of a batch the
   * processor counts as exported (its answer was a success): they are failed.
   */
  reject(count: number, message: string): void {
    this.exported -= count;
    this.failed += count;
    this.unreportedRejected += count;
    if (message !== '') this.rejectedMessage = message;
    this.scheduleReport();
  }

  /** Writes what is unreported now (at a stop: the process may end before the minute is up). */
  reportNow(): void {
    if (this.reportTimer !== undefined) clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    const parts: string[] = [];
    if (this.unreportedDropped > 0) {
      parts.push(`${this.unreportedDropped} ${this.unit} dropped because the batch queue was full (${this.queueVariable}=${this.queueSize})`);
    }
    if (this.unreportedFailed > 0) parts.push(`${this.unreportedFailed} ${this.unit} could not be exported`);
    if (this.unreportedRejected > 0) {
      // The collector's own words, cut and on one line: it is remote input.
      const why = this.rejectedMessage === '' ? '' : `: ${JSON.stringify(this.rejectedMessage.slice(0, 200))}`;
      parts.push(`${this.unreportedRejected} ${this.unit} rejected by the collector (partial success${why})`);
    }
    if (parts.length === 0) return;
    this.unreportedDropped = 0;
    this.unreportedFailed = 0;
    this.unreportedRejected = 0;
    this.lastReportAt = Date.now();
    const abandoned = this.abandoned > 0 ? `, ${this.abandoned} abandoned at the stop deadline` : '';
    process.stderr.write(`filament-otel: ${this.destination}: ${parts.join('; ')} (so far: ${this.dropped} dropped, ${this.failed} failed${abandoned})\n`);
  }

  private scheduleReport(): void {
    if (this.reportTimer !== undefined) return;
    const wait = Math.max(0, this.lastReportAt + REPORT_INTERVAL_MS - Date.now());
    // Never written from inside the app's call that emitted the record.
    this.reportTimer = setTimeout(() => this.reportNow(), wait);
    this.reportTimer.unref();
  }
}

/**
 * Gives a batch processor the real meter (so the SDK's processor metrics are
 * exported when metrics are) and feeds its `*.processed` counter to the ledger.
 */
export function ledgerMeterProvider(ledger: DeliveryLedger, real: MeterProvider | undefined): MeterProvider {
  return {
    getMeter(name, version, options): Meter {
      const meter = real?.getMeter(name, version, options) ?? createNoopMeter();
      return new Proxy(meter, {
        get(target, property, receiver) {
          if (property !== 'createCounter') return Reflect.get(target, property, receiver) as unknown;
          return (counterName: string, counterOptions?: object): Counter => {
            const counter = target.createCounter(counterName, counterOptions);
            if (!counterName.endsWith('.processed')) return counter;
            return {
              add(value: number, attributes?: Attributes, context?: Context): void {
                counter.add(value, attributes, context);
                const errorType = attributes?.[ATTR_ERROR_TYPE];
                ledger.settle(value, errorType === undefined ? undefined : String(errorType));
              },
            };
          };
        },
      });
    },
  };
}

/**
 * Counts what a batch log processor is given. After its shutdown() the batch
 * processor ignores what it is given (sdk-logs, BatchLogRecordProcessorBase
 * onEmit): that is counted apart, never as queued. (The provider's loggers
 * stop forwarding at the same moment, so for records emitted through them the
 * typed API's after-stop line is what says it: events/runtime.ts.)
 */
export class CountingLogRecordProcessor implements LogRecordProcessor {
  private stopped = false;

  constructor(private readonly inner: LogRecordProcessor, private readonly ledger: DeliveryLedger) {}

  onEmit(record: ReadWriteLogRecord, context?: Context): void {
    if (this.stopped) this.ledger.afterStop++;
    else this.ledger.accepted++;
    this.inner.onEmit(record, context);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return this.inner.shutdown();
  }
}

/** Counts the sampled spans a batch span processor is given (after its shutdown apart, as above). */
export class CountingSpanProcessor implements SpanProcessor {
  private stopped = false;

  constructor(private readonly inner: SpanProcessor, private readonly ledger: DeliveryLedger) {}

  onStart(span: Span, context: Context): void {
    this.inner.onStart(span, context);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) {
      if (this.stopped) this.ledger.afterStop++;
      else this.ledger.accepted++;
    }
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return this.inner.shutdown();
  }
}
