/**
 * A counter for a hot call site that counts the same few attribute sets over and over (one point
 * per RabbitMQ destination, per message published or consumed). Each `add` of the SDK's Counter
 * hashes its attributes (sorted keys, JSON text) and looks up the storage, about a quarter of the
 * SDK work per `queue.message` round trip that is not a record (docs/benchmarks.md, "The queue
 * path's own work"). Here the additions under a caller's reused attribute object are summed and
 * handed to the SDK once per collection instead.
 *
 * What is exported stays the same: `flush` runs in an observable callback of the same meter, and
 * the SDK runs a meter's observable callbacks before it reads its synchronous instruments' storages
 * at every collection (MeterSharedState.collect, sdk-metrics 3: "Call all observable callbacks
 * first"), so each collection — periodic, forceFlush or the last one at shutdown — sees every
 * measurement made before it. The first addition under an attribute object after each collection
 * goes to the SDK at once, so a point's start time (the first measurement of a cumulative series,
 * or of a delta interval the series was absent from before) is the time it was made, as without
 * batching. A meter that never collects (no SDK, a no-op provider) never calls `flush`: it exports
 * nothing either way.
 *
 * Batched are attribute objects the caller froze — its promise to reuse one object per attribute set
 * (amqp/messages.ts) — and never a negative or non-finite value, which the SDK rejects with a
 * warning of its own; everything else (a worker thread's measurements, replayed with fresh objects:
 * workers.ts) goes straight to the SDK.
 */
import type { Attributes, Context, Counter } from '@opentelemetry/api';

interface Tally {
  /** Added since the last flush, not yet given to the SDK. */
  count: number;
  /** The collection (flush number) of the last addition given to the SDK at once. */
  epoch: number;
}

/** Frozen attribute objects batched at once; beyond, everything is flushed and forgotten (bounded). */
const MAX_BATCHED_ATTRIBUTE_SETS = 2048;

export class BatchedCounter implements Counter {
  private readonly tallies = new Map<Readonly<Attributes>, Tally>();
  /** Flushes so far: one per collection of the meter. */
  private epoch = 0;

  constructor(private readonly counter: Counter) {}

  add(value: number, attributes?: Attributes, context?: Context): void {
    if (attributes === undefined || context !== undefined || !(value >= 0 && value < Infinity) || !Object.isFrozen(attributes)) {
      this.counter.add(value, attributes, context);
      return;
    }
    let tally = this.tallies.get(attributes);
    if (tally === undefined) {
      if (this.tallies.size >= MAX_BATCHED_ATTRIBUTE_SETS) this.forget();
      tally = { count: 0, epoch: -1 };
      this.tallies.set(attributes, tally);
    }
    if (tally.epoch === this.epoch) {
      tally.count += value;
      return;
    }
    tally.epoch = this.epoch;
    this.counter.add(value, attributes);
  }

  /** Gives the SDK what was added since the last flush; called before each collection reads the counter. */
  flush(): void {
    for (const [attributes, tally] of this.tallies) {
      if (tally.count > 0) {
        this.counter.add(tally.count, attributes);
        tally.count = 0;
      }
    }
    this.epoch++;
  }

  private forget(): void {
    for (const [attributes, tally] of this.tallies) if (tally.count > 0) this.counter.add(tally.count, attributes);
    this.tallies.clear();
  }
}
