/**
 * The typed API's promises (README "Both calls are safe without the preload…", src/events/domain.ts):
 * without the preload nothing is exported and no SDK is loaded; with or without it an invalid field
 * is left out and reported by one stderr line per field, once; `currency` defaults to EUR.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { OtlpReceiver } from './support/otlpReceiver';
import { startFixture } from './support/fixture';

const INVALID_FIELD_LINES = [
  'filament-otel: orderStatusChanged() got customerId="" (expected a non-empty string or a number); the attribute is left out',
  'filament-otel: modelPriced() got polygonCount=-1 (expected a whole number ≥ 0); the attribute is left out',
  'filament-otel: modelPriced() got null instead of an object; no record is emitted',
  'filament-otel: orderStatusChanged() got undefined instead of an object; no record is emitted',
  'filament-otel: orderStatusChanged() could not read its argument (lazy field failed); no record is emitted',
];
/** With a started SDK only: the calls after shutdown(). */
const AFTER_STOP_LINE = 'filament-otel: order.status_changed emitted after shutdown(): not recorded (said once per event)';

describe('typed API: with and without the preload', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  it('without the preload: safe, loads no SDK, exports nothing, reports each invalid field once', async () => {
    // The OTLP variables point at the receiver: only a (wrongly) started SDK could send there.
    const app = await startFixture('typed-api.cjs', { loader: 'none', otlp: otlp.url, readyText: 'DONE' });
    const exit = await app.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, app.stderr());
    assert.deepEqual(JSON.parse(app.stdout().split('\n')[0] as string), { sdkLoaded: [] });
    assert.deepEqual(app.stderr().trim().split('\n'), INVALID_FIELD_LINES);
    assert.deepEqual(otlp.requests, []);
  });

  it('without the preload: the configuration the API reads is reported once, one line per bad value', async () => {
    const app = await startFixture('typed-api.cjs', { loader: 'none', otlp: otlp.url, readyText: 'DONE', env: { FILAMENT_CONTENT_MAX_BYTES: 'lots' } });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.deepEqual(app.stderr().trim().split('\n'), [
      'filament-otel: FILAMENT_CONTENT_MAX_BYTES="lots" is not a whole number of bytes; using 8192', ...INVALID_FIELD_LINES,
    ]);
  });

  it('with the preload and OTEL_SDK_DISABLED: the API uses the configuration the preload read (its lines once)', async () => {
    const app = await startFixture('typed-api.cjs', {
      otlp: otlp.url, readyText: 'DONE', env: { OTEL_SDK_DISABLED: 'true', FILAMENT_CONTENT_MAX_BYTES: 'lots' },
    });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.deepEqual(app.stderr().trim().split('\n'), [
      'filament-otel: FILAMENT_CONTENT_MAX_BYTES="lots" is not a whole number of bytes; using 8192', ...INVALID_FIELD_LINES,
    ]);
    assert.deepEqual(otlp.requests, []);
  });

  it('with the preload: invalid fields left out and reported once; currency defaults to EUR', async () => {
    const app = await startFixture('typed-api.cjs', { otlp: otlp.url, readyText: 'DONE' });
    const exit = await app.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, app.stderr());
    assert.deepEqual(app.stderr().trim().split('\n'), [...INVALID_FIELD_LINES, AFTER_STOP_LINE]);

    const priced = otlp.events('model3d.priced').map((e) => e.attributes);
    assert.deepEqual(priced.find((a) => a['customer.id'] === 'C-1'), {
      'customer.id': 'C-1', 'model3d.polygon_count': 100, 'model3d.processing_time_ms': 20, 'model3d.cost': 3.5,
      'model3d.currency': 'EUR',
    });
    assert.equal(priced.find((a) => a['customer.id'] === 'C-2')?.['model3d.currency'], 'USD');
    const invalidCount = priced.filter((a) => a['customer.id'] === 'C-3');
    assert.deepEqual(invalidCount, [0, 1].map(() => ({
      'customer.id': 'C-3', 'model3d.processing_time_ms': 10, 'model3d.cost': 1, 'model3d.currency': 'EUR',
    })));
    assert.equal(priced.length, 4, 'modelPriced(null) emits nothing and does not throw');

    const orders = otlp.events('order.status_changed').map((e) => e.attributes);
    assert.deepEqual(orders.filter((a) => String(a['order.number']).startsWith('ORD-BAD-')), [0, 1].map((i) => ({
      'order.number': `ORD-BAD-${i}`, 'order.status': 'paid',
    })));
  });
});

describe('typed API: nothing passes silently', function () {
  this.timeout(30000);
  const sockets = new Set<net.Socket>();
  const blackHole = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  before(() => new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve)));
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  it('a getter throwing what cannot be printed, and a call after a shutdown() the deadline ended: no throw, one line each', async () => {
    const app = await startFixture('typed-api-stop.cjs', {
      otlp: `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`, readyText: 'DONE',
      env: { FILAMENT_SHUTDOWN_TIMEOUT_MS: '500', OTEL_BLRP_SCHEDULE_DELAY: '60000' },
    });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.deepEqual(JSON.parse(app.stdout().split('\n')[0] as string), { threw: false });
    assert.deepEqual(app.stderr().trim().split('\n'), [
      'filament-otel: modelPriced() could not read its argument (object); no record is emitted',
      'filament-otel: the stop deadline (FILAMENT_SHUTDOWN_TIMEOUT_MS=500) passed; abandoned unexported: 1 log records (OTLP logs)',
      AFTER_STOP_LINE,
    ]);
  });
});
