/**
 * The stop deadline (FILAMENT_SHUTDOWN_TIMEOUT_MS) as a signal the export path
 * waits against: every wait of ours is raced against it, so no retry, socket
 * or request outlives the deadline (docs/events.md, "Stopping").
 */

/** Why a batch left unexported at the stop deadline failed (the processors count it as failed). */
const ABANDONED = 'filament-otel: abandoned at the stop deadline';

/**
 * Its name is the `error.type` the SDK's `otel.sdk.processor.*.processed`
 * counters carry for batches abandoned at the stop deadline (docs/events.md).
 */
export function abandonedError(): Error {
  const error = new Error(ABANDONED);
  error.name = 'StopDeadlineExceeded';
  return error;
}

/** Lets a stop abandon what an exporter still has in flight. */
export class StopSignal {
  private readonly waiters = new Set<() => void>();
  private generation = 0;
  /** Whether the collector's latest answer (or silence) was a failure. */
  lastExportFailed = false;
  /**
   * Attempts sent and not yet answered. One still open when the event loop ends has outlived
   * the batch processor's export timeout (whose ref'd timer held the loop until then): the
   * collector accepts and does not answer, which a stop treats as a failure.
   */
  attemptsInFlight = 0;

  /** Resolves with `promise`, or when abandon() is called first. */
  race<R>(promise: Promise<R>): Promise<R | void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      promise.then((value) => { this.waiters.delete(done); resolve(value); }, () => done());
    });
  }

  /** How many times abandon() was called: a transport compares it to stop retrying. */
  get epoch(): number {
    return this.generation;
  }

  abandon(): void {
    this.generation++;
    for (const done of [...this.waiters]) done();
  }
}
