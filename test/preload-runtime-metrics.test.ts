/**
 * Resource metrics by default (docs/events.md, "Runtime metrics"): a service under the preload
 * exports the process's CPU and memory, the event loop's delay and utilisation, GC and the V8
 * heap, under their semantic-convention names, through OTLP, with no setting; the standard
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS turns them off. Runs on every Node line: the values come
 * from perf_hooks, v8 and process APIs whose shapes are the runtime's.
 */
import assert from 'node:assert/strict';
import { OtlpReceiver, type ReceivedMetric } from './support/otlpReceiver';
import { startFixture } from './support/fixture';

import { EXPECTED, HOST, RUNTIME } from './support/runtimeMetrics';

const runtimeMetrics = (otlp: OtlpReceiver): ReceivedMetric[] =>
  otlp.metrics.filter((m) => m.scope === RUNTIME || m.scope === HOST || /^(process|v8js|nodejs|system)\./.test(m.name));
const values = (ms: ReceivedMetric[], name: string, key: string): Set<unknown> =>
  new Set(ms.filter((m) => m.name === name).flatMap((m) => m.points).map((p) => p.attributes[key]));

describe('preload: runtime metrics', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  it('by default: process.*, nodejs.eventloop.* and v8js.* with their units and attributes, nothing of the host', async () => {
    const app = await startFixture('runtime-metrics.cjs', {
      otlp: otlp.url, readyText: 'READY', env: { OTEL_SERVICE_NAME: 'runtime-probe', OTEL_METRIC_EXPORT_INTERVAL: '300' },
    });
    const names = (): Set<string> => new Set(runtimeMetrics(otlp).filter((m) => m.points.length > 0).map((m) => m.name));
    await otlp.waitFor(() => Object.keys(EXPECTED).every((n) => names().has(n)), 15000);
    assert.equal((await app.stop()).code, 0, app.stderr());

    const got = runtimeMetrics(otlp);
    assert.deepEqual([...names()].sort(), Object.keys(EXPECTED).sort(), 'exactly these runtime metrics, and no system.*');
    for (const [name, [scope, unit, keys]] of Object.entries(EXPECTED)) {
      const ms = got.filter((m) => m.name === name && m.points.length > 0);
      assert.deepEqual([...new Set(ms.map((m) => m.scope))], [scope], name);
      assert.deepEqual([...new Set(ms.map((m) => m.unit || undefined))], [unit], name);
      for (const p of ms.flatMap((m) => m.points)) assert.deepEqual(Object.keys(p.attributes).sort(), keys, name);
      assert.equal(ms[0]?.resource['service.name'], 'runtime-probe', name);
    }
    assert.deepEqual(values(got, 'process.cpu.time', 'cpu.mode'), new Set(['user', 'system']));
    assert.deepEqual(values(got, 'nodejs.eventloop.time', 'nodejs.eventloop.state'), new Set(['active', 'idle']));
    assert.ok(values(got, 'v8js.gc.duration', 'v8js.gc.type').has('minor'), JSON.stringify([...values(got, 'v8js.gc.duration', 'v8js.gc.type')]));
    assert.ok(values(got, 'v8js.memory.heap.used', 'v8js.heap.space.name').has('new_space'));
    assert.ok(values(got, 'v8js.resource.active', 'v8js.resource.type').has('Timeout'));
    // Values of the right kind: a ratio in [0, 1], a resident set of at least a few MiB.
    const elu = got.filter((m) => m.name === 'nodejs.eventloop.utilization').flatMap((m) => m.points).map((p) => p.value);
    assert.ok(elu.every((v) => v >= 0 && v <= 1), JSON.stringify(elu));
    const rss = got.filter((m) => m.name === 'process.memory.usage').flatMap((m) => m.points).map((p) => p.value);
    assert.ok(rss.every((v) => v > 4 * 1024 * 1024), JSON.stringify(rss));
  });

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=runtime-node,host-metrics turns them off; other metrics still export', async () => {
    const app = await startFixture('runtime-metrics.cjs', {
      otlp: otlp.url, readyText: 'READY',
      env: { OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime-node,host-metrics' },
    });
    // Two exports of the fixture's own counter: the runtime metrics would have been in them.
    await otlp.waitFor(() => otlp.metrics.filter((m) => m.name === 'fixture.ticks').length >= 2, 15000);
    assert.equal((await app.stop()).code, 0, app.stderr());
    assert.ok(otlp.metrics.some((m) => m.name === 'fixture.ticks'), otlp.metrics.map((m) => m.name).join(','));
    assert.deepEqual(runtimeMetrics(otlp).map((m) => m.name), []);
  });
});
