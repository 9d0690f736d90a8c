/**
 * docs/stopping.md: an app that calls process.exit() should `await shutdown()` first.
 * process.exit() skips beforeExit and no signal arrives, so only shutdown() can deliver.
 */
import assert from 'node:assert/strict';
import { OtlpReceiver } from './support/otlpReceiver';
import { startFixture } from './support/fixture';

describe('typed API: shutdown() before process.exit()', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());

  it('delivers every event buffered so far; events after it are not exported', async () => {
    const app = await startFixture('exit-after-shutdown.cjs', {
      otlp: otlp.url, readyText: 'EMITTED', env: { OTEL_BLRP_SCHEDULE_DELAY: '60000', FIXTURE_EVENTS: '300' },
    });
    assert.deepEqual(await app.exited, { code: 3, signal: null }, app.stderr());
    // The call after shutdown() is lost, and said so (once per event).
    assert.equal(app.stderr(), 'filament-otel: order.status_changed emitted after shutdown(): not recorded (said once per event)\n');
    const numbers = otlp.events('order.status_changed').map((e) => e.attributes['order.number']);
    assert.equal(new Set(numbers).size, 300);
    assert.deepEqual(numbers.filter((n) => !/^ORD-\d+$/.test(String(n))), [], 'nothing after shutdown()');
    assert.equal(numbers.length, 300);
  });
});
