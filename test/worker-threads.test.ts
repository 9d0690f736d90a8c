/**
 * Worker threads (src/events/workers.ts, docs/events.md "Worker threads"): the typed API called in
 * a piscina pool's worker reaches the main thread's SDK with the trace the request handed over
 * (currentTraceparent() → job → withTraceparent()); after shutdown() and without any preload the
 * worker's records are lost with a line, never a crash or a hang.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import { OtlpReceiver } from './support/otlpReceiver';
import { ROOT, startFixture } from './support/fixture';

function post(port: number, path: string): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end('model bytes');
  });
}

describe('worker threads: typed-API records go to the main thread\'s SDK', function () {
  this.timeout(30000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  it('a model priced in a pool worker arrives with exact attributes, in the request\'s trace, and its metrics', async () => {
    const app = await startFixture('worker-pricing.cjs', { otlp: otlp.url });
    try {
      const answer = await post(app.port as number, '/price');
      assert.equal(answer.status, 200, answer.body);
      assert.ok(await otlp.waitFor(() => otlp.events('model3d.priced').length === 1 && otlp.events('order.status_changed').length === 1
        && otlp.spans.some((s) => s.kind === 2)
        && otlp.metrics.some((m) => m.name === 'model3d.pricing.polygons')), app.stderr());
    } finally {
      assert.deepEqual(await app.stop(), { code: 0, signal: null }, app.stderr());
    }
    assert.equal(app.stderr(), '');
    const server = otlp.spans.filter((s) => s.kind === 2);
    assert.equal(server.length, 1);
    const [priced] = otlp.events('model3d.priced');
    assert.deepEqual(priced?.attributes, {
      'customer.id': 'C-42', 'model3d.polygon_count': 12000, 'model3d.processing_time_ms': 12, 'model3d.cost': 5,
      'model3d.currency': 'EUR', 'model3d.format': 'stl-binary', 'model3d.material': 'PETG',
    });
    assert.equal(priced?.severityText, 'INFO');
    // The request's trace, parented on its SERVER span (the handler's active span).
    assert.equal(priced?.traceId, server[0]?.traceId);
    assert.equal(priced?.spanId, server[0]?.spanId);
    const [status] = otlp.events('order.status_changed');
    assert.deepEqual(status?.attributes, {
      'customer.id': 'C-42', 'order.number': `ORD-${'9'.repeat(124)}`, 'order.status': 'priced', 'order.previous_status': 'created',
    });
    assert.equal(status?.traceId, server[0]?.traceId);
    // The main thread's one resource: no second SDK in the worker.
    const instances = new Set([...otlp.spans, ...otlp.logs, ...otlp.metrics].map((x) => x.resource['service.instance.id']));
    assert.equal(instances.size, 1);
    const polygons = otlp.metrics.filter((m) => m.name === 'model3d.pricing.polygons').flatMap((m) => m.points);
    assert.deepEqual(polygons.at(-1), { attributes: { 'model3d.format': 'stl-binary', 'model3d.material': 'PETG' }, value: 12000 });
  });

  it('after the main thread\'s shutdown(): the worker\'s record is said lost, the pool ends, nothing exported', async () => {
    const app = await startFixture('worker-pricing.cjs', { otlp: otlp.url, args: ['after-shutdown'], readyText: 'DONE' });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.deepEqual(app.stderr().trim().split('\n').sort(), [
      'filament-otel: model3d.priced emitted after shutdown(): not recorded (said once per event)',
      'filament-otel: order.status_changed emitted after shutdown(): not recorded (said once per event)',
    ]);
    assert.deepEqual(otlp.events('model3d.priced'), []);
  });

  it('without any preload: the worker says once that nothing records it; the pool ends normally', async () => {
    const app = await startFixture('worker-pricing.cjs', { loader: 'none', otlp: otlp.url, args: ['once'], readyText: 'DONE' });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.match(app.stdout(), /"cost":5/);
    assert.match(app.stderr(), /^filament-otel: model3d\.priced emitted in worker thread \d+, but no Filament SDK runs in this process's main thread \(start it with node --require filament-otel\/preload\); not recorded \(said once\)\n$/);
    assert.deepEqual(otlp.requests, []);
  });

  it('withTraceparent(): round-trips through currentTraceparent(), also across an await; a bad string runs fn outside any trace, said once', () => {
    const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const script = `
      const f = require('filament-otel');
      (async () => {
        const seen = [f.currentTraceparent()];
        seen.push(await f.withTraceparent('${TP}', async () => { await new Promise((r) => setTimeout(r, 1)); return f.currentTraceparent(); }));
        seen.push(f.withTraceparent('${TP}', () => f.withTraceparent('00-bogus', () => f.currentTraceparent())));
        seen.push(f.withTraceparent('nope', () => 42), f.withTraceparent(undefined, () => 'as is'));
        // W3C: version ff, version 00 with more fields, an all-zero trace id, upper case are invalid; a later version may add fields.
        const ids = '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
        seen.push(['ff-' + ids, '00-' + ids + '-x', '00-' + '0'.repeat(32) + '-b7ad6b7169203331-01', '00-' + ids.toUpperCase(), '01-' + ids + '-x']
          .map((tp) => f.withTraceparent(tp, () => f.currentTraceparent()) ?? null));
        console.log(JSON.stringify(seen));
      })();`;
    const run = spawnSync(process.execPath, ['--require', 'filament-otel/preload', '-e', script], {
      cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [null, TP, null, 42, 'as is', [null, null, null, null, TP]]);
    assert.equal(run.stderr, 'filament-otel: withTraceparent() got "00-bogus" (not a W3C traceparent); the function runs outside any trace (said once)\n');
  });
});

