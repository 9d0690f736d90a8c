/**
 * The metric instruments of the six events (names in semconv.ts), created on
 * the global meter. A leaf of events/: the runtime (runtime.ts) holds one set,
 * and the worker hand-over (workers.ts) records a worker's measurements on the
 * main thread's.
 */
import { metrics, type Counter, type Histogram } from '@opentelemetry/api';
import { BatchedCounter } from './batchedCounter';
import {
  METRIC_API_ERRORS, METRIC_MESSAGING_CONSUMED, METRIC_MESSAGING_SENT,
  METRIC_MODEL3D_PRICING_DURATION, METRIC_MODEL3D_PRICING_POLYGONS, METRIC_QUEUE_DEAD_LETTERS,
} from '../semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';

export interface Instruments {
  readonly apiErrors: Counter;
  readonly pricingDuration: Histogram;
  readonly pricingPolygons: Counter;
  readonly deadLetters: Counter;
  readonly messagesSent: Counter;
  readonly messagesConsumed: Counter;
}

/**
 * An instrument that never reports a value: the SDK runs a batch observable callback only for
 * observable instruments, and this one's is where the batched counters reach the SDK before each
 * collection (batchedCounter.ts). An instrument without a point is not exported.
 */
const COLLECTION_HOOK = 'filament.internal.collection_hook';

export function createInstruments(): Instruments {
  const meter = metrics.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
  const instruments = {
    apiErrors: meter.createCounter(METRIC_API_ERRORS, {
      description: 'API requests that ended in a server error (5xx or thrown), by route and status',
      unit: '{error}',
    }),
    pricingDuration: meter.createHistogram(METRIC_MODEL3D_PRICING_DURATION, {
      description: 'Processing time of 3D-model pricing as reported by modelPriced()',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
    }),
    pricingPolygons: meter.createCounter(METRIC_MODEL3D_PRICING_POLYGONS, {
      description: 'Polygons of the models priced (with model3d.pricing.duration: processing time per polygon)',
      unit: '{polygon}',
    }),
    deadLetters: meter.createCounter(METRIC_QUEUE_DEAD_LETTERS, {
      description: 'Messages dead-lettered by RabbitMQ, by original queue and reason',
      unit: '{message}',
    }),
    // One add per message published or consumed: batched per destination (batchedCounter.ts).
    messagesSent: new BatchedCounter(meter.createCounter(METRIC_MESSAGING_SENT, {
      description: 'Messages published to RabbitMQ', unit: '{message}',
    })),
    messagesConsumed: new BatchedCounter(meter.createCounter(METRIC_MESSAGING_CONSUMED, {
      description: 'Messages delivered to consumers', unit: '{message}',
    })),
  };
  meter.addBatchObservableCallback(() => {
    instruments.messagesSent.flush();
    instruments.messagesConsumed.flush();
  }, [meter.createObservableGauge(COLLECTION_HOOK)]);
  return instruments;
}
