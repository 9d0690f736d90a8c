/**
 * The OTLP exporters' retry policy over any export transport, bounded by the
 * stop deadline. Built on @opentelemetry/otlp-exporter-base's public
 * `IExporterTransport` interface (its own retrying transport is not exported).
 */
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import { abandonedError, type StopSignal } from './stopSignal';

// The upstream retry policy (otlp-exporter-base 0.301, retrying-transport): 5 retries,
// exponential backoff from 1 s (x1.5, +/-20 % jitter, at most 5 s), within the export timeout.
const MAX_RETRIES = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;

/**
 * Upstream's policy, except that its timers are unref'd (a pending retry never
 * keeps a finished process alive), an export with its retries lasts at most
 * `maxMs` (FILAMENT_SHUTDOWN_TIMEOUT_MS) and a stop deadline ends it at once.
 */
export class StoppableRetryingTransport implements IExporterTransport {
  constructor(private readonly inner: IExporterTransport, private readonly stop: StopSignal, private readonly maxMs: number) {}

  async send(data: Uint8Array, exportTimeoutMillis: number): Promise<ExportResponse> {
    const epoch = this.stop.epoch;
    // Made only when needed: an Error captures a stack trace, and this runs for every batch.
    const abandoned = (): ExportResponse => ({ status: 'failure', error: abandonedError() });
    // An export in flight when a script ends holds the process (the batch
    // processor's own timer is ref'd) until it is done: at most the stop deadline.
    const timeoutMillis = Math.min(exportTimeoutMillis, this.maxMs);
    const deadline = Date.now() + timeoutMillis;
    let result = (await this.stop.race(this.inner.send(data, timeoutMillis))) ?? abandoned();
    let backoff = INITIAL_BACKOFF_MS;
    for (let retries = MAX_RETRIES; result.status === 'retryable' && retries > 0; retries--) {
      const wait = result.retryInMillis ?? Math.min(backoff * (1 + (Math.random() * 2 - 1) * JITTER), MAX_BACKOFF_MS);
      backoff *= BACKOFF_MULTIPLIER;
      const remaining = deadline - Date.now();
      if (wait > remaining) return result;
      await this.stop.race(new Promise<void>((resolve) => setTimeout(resolve, Math.max(wait, 0)).unref()));
      if (this.stop.epoch !== epoch) return abandoned();
      result = (await this.stop.race(this.inner.send(data, deadline - Date.now()))) ?? abandoned();
    }
    return this.stop.epoch !== epoch ? abandoned() : result;
  }

  shutdown(): void {
    this.inner.shutdown();
  }
}
