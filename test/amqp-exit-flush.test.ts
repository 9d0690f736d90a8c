/**
 * docs/stopping.md: when the app handles SIGTERM itself, Filament never exits for it, and what
 * was emitted — even inside the app's own handler — is exported when the loop ends. The batch
 * delay is a minute, so nothing is exported before the signal: only the stop path can deliver.
 * RabbitMQ must be running (make test starts it via scripts/rabbitmq.sh).
 */
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { OtlpReceiver } from './support/otlpReceiver';
import { startFixture } from './support/fixture';

describe('preload: an AMQP app that handles SIGTERM itself', function () {
  this.timeout(90000);
  const otlp = new OtlpReceiver();
  const prefix = `x${process.pid}-${Date.now()}`;
  before(() => otlp.start());
  after(async () => {
    await otlp.stop();
    const conn = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
    const ch = await conn.createChannel();
    for (const q of ['dlx', 'back'].map((s) => `filament.dead-letter-tap.${prefix}.${s}`)) await ch.deleteQueue(q);
    await conn.close();
  });

  it('exits on its own (code 0) and every record, including those emitted in its handler, is exported', async () => {
    const app = await startFixture('amqp-settings.cjs', {
      otlp: otlp.url, readyText: 'SETTLED', env: { FIXTURE_PREFIX: prefix, OTEL_BLRP_SCHEDULE_DELAY: '60000' },
    });
    assert.deepEqual(otlp.logs, [], 'nothing is exported before the signal');
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
    const ops = otlp.events('queue.message').map((e) => `${e.attributes['messaging.operation.type']} ${String(e.body)}`).sort();
    assert.deepEqual(ops, [
      'receive no id given', 'receive reject me twice', 'receive reject me twice', 'receive reject me twice', 'receive with an id',
      'send goodbye', 'send no id given', 'send reject me twice', 'send with an id',
    ]);
  });
});
