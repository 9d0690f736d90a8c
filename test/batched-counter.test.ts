/**
 * The batched message counters (src/events/batchedCounter.ts) export what a plain SDK counter
 * exports: the same values and the same start and end times at every collection, cumulative and
 * delta, through the real SDK (a MeterProvider as the global one, createInstruments as the runtime
 * builds them), on a clock the test moves.
 */
import assert from 'node:assert/strict';
import { metrics, type Attributes, type HrTime } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { createInstruments } from '../src/events/instruments';

class ManualReader extends MetricReader {
  constructor(temporality: AggregationTemporality) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected onForceFlush(): Promise<void> { return Promise.resolve(); }
  protected onShutdown(): Promise<void> { return Promise.resolve(); }
}

interface Point { destination: string; value: number; start: HrTime; end: HrTime }

/** One collection: the points of each named metric. */
async function collect(reader: ManualReader, ...names: string[]): Promise<Point[][]> {
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  return names.map((name) => ((all.find((m) => m.descriptor.name === name)?.dataPoints ?? []) as DataPoint<number>[])
    .map((p) => ({ destination: String(p.attributes['messaging.destination.name']), value: p.value, start: p.startTime, end: p.endTime }))
    .sort((x, y) => x.destination.localeCompare(y.destination)));
}

for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
  describe(`unit: batched message counters (${temporality === AggregationTemporality.DELTA ? 'delta' : 'cumulative'})`, () => {
    const realNow = Date.now;
    let now = 1_000_000;
    let provider: MeterProvider;
    let reader: ManualReader;

    beforeEach(() => {
      Date.now = () => now;
      reader = new ManualReader(temporality);
      provider = new MeterProvider({ readers: [reader] });
      metrics.setGlobalMeterProvider(provider);
    });
    afterEach(async () => {
      Date.now = realNow;
      metrics.disable();
      await provider.shutdown();
    });

    it('exports the values and start times of a plain counter at every collection', async () => {
      const { messagesSent } = createInstruments();
      const plain = metrics.getMeter('plain').createCounter('plain');
      const a: Attributes = Object.freeze({ 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'a' });
      const b: Attributes = Object.freeze({ 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'b' });
      const both = (attributes: Attributes, at: number, value = 1): void => {
        now = at;
        messagesSent.add(value, attributes);
        plain.add(value, attributes);
      };
      const compare = async (at: number, step: string): Promise<void> => {
        now = at;
        const [batched, expected] = await collect(reader, 'messaging.client.sent.messages', 'plain');
        assert.ok(step === 'nothing added' || (expected?.length ?? 0) > 0, step);
        assert.deepEqual(batched, expected, step);
      };
      both(a, 1_000_100);
      both(a, 1_000_200);
      both(b, 1_000_300, 2);
      both(a, 1_000_400);
      await compare(1_001_000, 'first collection');
      both(a, 1_002_000);
      both(a, 1_002_500, 3);
      await compare(1_003_000, 'a again');
      await compare(1_004_000, 'nothing added');
      both(b, 1_005_000);
      both({ 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'b' }, 1_005_100); // unfrozen (a worker's): at once
      both(b, 1_005_200);
      await compare(1_006_000, 'b after an idle interval');
    });

    it('a collection after many destinations still counts every message', async () => {
      const { messagesConsumed } = createInstruments();
      let total = 0;
      // More destinations than the counter keeps apart (2048): each with messages still pending when it is forgotten.
      for (let i = 0; i < 2100; i++) {
        const attributes = Object.freeze({ 'messaging.system': 'rabbitmq', 'messaging.destination.name': `q${i}` });
        for (let k = 0; k < 3; k++) messagesConsumed.add(1, attributes);
        total += 3;
      }
      const [points = []] = await collect(reader, 'messaging.client.consumed.messages');
      assert.equal(points.reduce((sum, p) => sum + p.value, 0), total);
      const { resourceMetrics } = await reader.collect();
      const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
      assert.ok(names.includes('messaging.client.consumed.messages') || temporality === AggregationTemporality.DELTA, names.join(', '));
      assert.ok(!names.includes('filament.internal.collection_hook'), `the collection hook is not exported: ${names.join(', ')}`);
    });
  });
}
