/**
 * Exporters whose packages are `require`d when the first batch leaves, not at
 * start-up: the OTLP exporters, their transformer and transport are about a
 * quarter of the modules the preload would otherwise load before the app's
 * first line runs (docs/benchmarks.md, start-up). Their exports run one at a
 * time, in the order the processor handed them over.
 */
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { globals, kCodeCache } from '../symbols';
import { abandonedError, StopSignal } from './stopSignal';

/**
 * Exports that may wait behind the one in flight when the items are not an
 * array (metrics: one ResourceMetrics per export), as many as upstream's export
 * delegate lets run at once (concurrencyLimit 30, otlp-exporter-base).
 */
export const MAX_WAITING_EXPORTS = 32;

/** Why a batch failed without an attempt: the exporter's backlog was full (counted as failed). */
function backlogFullError(capacity: number): Error {
  const error = new Error(`filament-otel: ${capacity} items already wait for the collector`);
  error.name = 'ExportBacklogFull';
  return error;
}

const itemCount = (items: unknown): number => (Array.isArray(items) ? items.length : 1);

export interface AnyExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export class LazyExporter<T, E extends AnyExporter<T>> {
  private real: E | undefined;
  private failed = false;
  /** Result callbacks of the exports in flight or waiting: abandon() answers them. */
  private readonly pending = new Set<(result: ExportResult) => void>();
  /**
   * Batches waiting for the one in flight: one export at a time keeps the
   * order of a signal through a collector outage (the transport retries the
   * oldest batch) and holds one socket per signal.
   */
  private readonly waiting: { items: T; done: (result: ExportResult) => void }[] = [];
  private waitingItems = 0;
  private exporting = false;

  /**
   * `capacity`: how many items (records, spans; metric exports) may wait
   * behind the export in flight — the processor's queue size, so a collector
   * outage at most doubles what the queue holds. SDK 3's batch processors hand
   * over the next batch when their export timeout passes (BatchLogRecordProcessorBase:
   * one at a time), BatchSpanProcessorBase after a timeout or failure several at
   * once (its `.finally(start next).catch(_isExporting = false)` lets every
   * following span start another export), and at a flush all at once.
   * Beyond the capacity a batch fails at once.
   */
  constructor(
    private readonly create: () => E,
    private readonly stop: StopSignal = new StopSignal(),
    private readonly capacity = MAX_WAITING_EXPORTS,
  ) {
    const codeCache = globals[kCodeCache];
    if (codeCache !== undefined && codeCache.firstExport === undefined) codeCache.firstExport = 'awaited';
  }

  protected exporter(): E | undefined {
    if (this.real === undefined && !this.failed) {
      try {
        this.real = this.create();
      } catch (error) {
        // Reported once; the batches are dropped, the host keeps running.
        this.failed = true;
        diag.error('filament-otel: the exporter could not be created', error);
      }
    }
    return this.real;
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    if (this.stop.epoch > 0) { // abandoned: every later export fails at once
      resultCallback({ code: ExportResultCode.FAILED, error: abandonedError() });
      return;
    }
    const real = this.exporter();
    if (real === undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('filament-otel: no exporter') });
      return;
    }
    // Answered once: by the exporter, or by abandon() if the stop deadline comes first.
    const once = (result: ExportResult): void => {
      if (!this.pending.delete(once)) return;
      this.stop.lastExportFailed = result.code !== ExportResultCode.SUCCESS;
      resultCallback(result);
    };
    this.pending.add(once);
    if (!this.exporting) {
      this.run(real, items, once);
    } else if (this.waitingItems + itemCount(items) <= this.capacity) {
      this.waiting.push({ items, done: once });
      this.waitingItems += itemCount(items);
    } else {
      once({ code: ExportResultCode.FAILED, error: backlogFullError(this.capacity) });
    }
  }

  private run(real: E, items: T, done: (result: ExportResult) => void): void {
    this.exporting = true;
    real.export(items, (result) => {
      done(result);
      this.exporting = false;
      // The next batch still unanswered (abandon() answers the waiting ones).
      for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
        this.waitingItems -= itemCount(next.items);
        if (this.pending.has(next.done)) {
          this.run(real, next.items, next.done);
          return;
        }
      }
    });
    // Serialised and handed to the transport: the preload's code cache holds this code once it
    // waited for it (codeCache.ts).
    const codeCache = globals[kCodeCache];
    if (codeCache !== undefined && codeCache.firstExport !== 'done') codeCache.firstExport = 'done';
  }

  /**
   * The stop deadline passed: answer every export in flight as failed (the
   * processors then clear their own timers), cut the transport's retries short,
   * and fail every later export at once.
   */
  abandon(): void {
    this.stop.abandon();
    this.waiting.length = 0;
    this.waitingItems = 0;
    for (const callback of [...this.pending]) callback({ code: ExportResultCode.FAILED, error: abandonedError() });
  }

  shutdown(): Promise<void> {
    if (this.real === undefined) return Promise.resolve();
    return this.stop.race(this.real.shutdown());
  }

  forceFlush(): Promise<void> {
    const flushed = this.real?.forceFlush?.();
    return flushed === undefined ? Promise.resolve() : this.stop.race(flushed);
  }
}
