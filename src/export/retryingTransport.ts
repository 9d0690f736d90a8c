/**
 * The OTLP exporters' retry over any export transport: a batch meeting a
 * collector that is away (refused, reset, timed out, 429/502/503/504) is
 * retried with capped, jittered backoff for up to OUTAGE_BOUND_MS, so a
 * rolling restart loses nothing; a stop deadline ends the wait at once. Built on
 * @opentelemetry/otlp-exporter-base's public `IExporterTransport` interface
 * (its own retrying transport is not exported, and gives up after 5 retries).
 */
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import { abandonedError, type StopSignal } from './stopSignal';

/**
 * How long a collector may be away without loss (docs/events.md, "Delivery"):
 * a rolling update of the collector (SIGTERM, new process on the same port)
 * takes seconds; 60 s covers a slow one.
 */
export const OUTAGE_BOUND_MS = 60_000;
// Backoff as upstream's (otlp-exporter-base 0.301, retrying-transport): from 1 s, x1.5,
// +/-20 % jitter, at most 5 s between attempts, so a collector back up is found within 5 s.
const INITIAL_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 5000;
/** How long one batch is retried: a collector back after OUTAGE_BOUND_MS is found by the next attempt. */
export const RETRY_WINDOW_MS = OUTAGE_BOUND_MS + MAX_BACKOFF_MS;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;

/**
 * One instance per exporter (per signal); its exports run one at a time
 * (lazyExporter.ts), so the batch retried here is the oldest and order holds.
 * The bound is per batch: in a longer outage one batch a minute fails and the
 * rest stay queued (bounded) for the collector's return.
 * Timers are unref'd: a pending retry never keeps a finished process alive.
 */
export class StoppableRetryingTransport implements IExporterTransport {
  constructor(private readonly inner: IExporterTransport, private readonly stop: StopSignal, private readonly retryWindowMs = RETRY_WINDOW_MS) {}

  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const epoch = this.stop.epoch;
    // Made only when needed: an Error captures a stack trace, and this runs for every batch.
    const abandoned = (): ExportResponse => ({ status: 'failure', error: abandonedError() });
    const deadline = Date.now() + this.retryWindowMs;
    let backoff = INITIAL_BACKOFF_MS;
    for (;;) {
      // Each attempt has the exporter's own timeout (OTEL_EXPORTER_OTLP_TIMEOUT); the transport destroys a timed-out socket.
      this.stop.attemptsInFlight++;
      const result = (await this.stop.race(this.inner.send(data, timeoutMillis).finally(() => { this.stop.attemptsInFlight--; }))) ?? abandoned();
      if (this.stop.epoch !== epoch) return abandoned();
      this.stop.lastExportFailed = result.status !== 'success';
      if (result.status !== 'retryable') return result;
      const jittered = Math.min(backoff * (1 + (Math.random() * 2 - 1) * JITTER), MAX_BACKOFF_MS);
      backoff = Math.min(backoff * BACKOFF_MULTIPLIER, MAX_BACKOFF_MS);
      // Beyond the window the batch fails (counted and said); the last attempt is at its end.
      const remaining = deadline - Date.now();
      if (remaining <= 0) return result;
      const wait = Math.min(Math.max(result.retryInMillis ?? jittered, 0), remaining);
      await this.stop.race(new Promise<void>((resolve) => setTimeout(resolve, wait).unref()));
      if (this.stop.epoch !== epoch) return abandoned();
    }
  }

  shutdown(): void {
    this.inner.shutdown();
  }
}
