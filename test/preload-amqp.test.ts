import assert from 'node:assert/strict';
import { OtlpReceiver, type ReceivedLog } from './support/otlpReceiver';
import { sleep } from '../scripts/lib/procs.cjs';
import { startFixture, type RunningFixture } from './support/fixture';

/** RabbitMQ must be running (make test starts it via scripts/rabbitmq.sh). */
describe('preload: RabbitMQ (amqplib, real broker)', function () {
  this.timeout(90000);
  const otlp = new OtlpReceiver();
  const prefix = `t${process.pid}-${Date.now()}`;
  let app: RunningFixture;
  let exit: { code: number | null; signal: NodeJS.Signals | null };

  const deadLetters = (): ReceivedLog[] => otlp.events('queue.dead_lettered');

  before(async () => {
    await otlp.start();
    app = await startFixture('amqp-deadletters.cjs', {
      otlp: otlp.url, readyText: 'READY', env: { FIXTURE_PREFIX: prefix, OTEL_SERVICE_NAME: 'amqp-fixture' },
    });
    // rejected ×2, expired, maxlen, delivery_limit
    const all = await otlp.waitFor(() => deadLetters().length >= 5, 30000);
    assert.ok(all, `dead letters so far: ${JSON.stringify(deadLetters().map((d) => d.attributes))}\n${app.stderr()}`);
    await sleep(1000); // would-be duplicates, which must not come, get a chance to show up
    exit = await app.stop('SIGTERM');
  });

  after(() => otlp.stop());

  // That the records emitted up to and inside the app's handler are exported on the way out is
  // test/amqp-exit-flush.test.ts (here everything is exported before the signal).
  it('lets the app handle SIGTERM itself: it ends with code 0, not by the signal', () => {
    assert.equal(exit.code, 0, app.stderr());
    assert.equal(exit.signal, null);
  });

  it('emits queue.message for every publish with current messaging attributes', () => {
    const sends = otlp.events('queue.message').filter((e) => e.attributes['messaging.operation.type'] === 'send');
    assert.equal(sends.length, 9);
    const ok = sends.find((e) => e.attributes['messaging.message.id'] === 'm-ok');
    assert.ok(ok);
    assert.equal(ok.severityNumber, 9);
    assert.deepEqual(ok.attributes, {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.destination.name': `${prefix}.work`,
      'messaging.rabbitmq.destination.routing_key': `${prefix}.work`,
      'messaging.message.id': 'm-ok',
      'messaging.message.conversation_id': 'ORD-7',
      'messaging.message.body.size': Buffer.byteLength(JSON.stringify({ order: 'ORD-7', note: 'ok', email: 'bob@example.com' })),
      'filament.content.kind': 'json',
      'filament.content.masked': 1,
    });
    // In this order on the wire, and nothing that the message does not carry (no truncation marker).
    assert.deepEqual(Object.keys(ok.attributes), [
      'messaging.system', 'messaging.operation.type', 'messaging.destination.name', 'messaging.rabbitmq.destination.routing_key',
      'messaging.message.id', 'messaging.message.conversation_id', 'messaging.message.body.size', 'filament.content.kind',
      'filament.content.masked',
    ]);
    assert.equal(ok.body, '{"order":"ORD-7","note":"ok","email":"[MASKED]"}');
  });

  it('assigns a message id when the publisher gave none, and it travels with the message', () => {
    const sends = otlp.events('queue.message').filter((e) => e.body === 'no id given');
    const send = sends.find((e) => e.attributes['messaging.operation.type'] === 'send');
    const receive = sends.find((e) => e.attributes['messaging.operation.type'] === 'receive');
    assert.match(String(send?.attributes['messaging.message.id']), /^[0-9a-f-]{36}$/);
    assert.equal(receive?.attributes['messaging.message.id'], send?.attributes['messaging.message.id']);
  });

  it('emits queue.message for every delivery, naming the queue', () => {
    const receives = otlp.events('queue.message').filter((e) => e.attributes['messaging.operation.type'] === 'receive');
    const ids = receives.map((e) => e.attributes['messaging.message.id']);
    for (const id of ['m-ok', 'm-reject', 'm-nack', 'm-binary', 'm-poison']) assert.ok(ids.includes(id), `${id} in ${ids}`);
    const ok = receives.find((e) => e.attributes['messaging.message.id'] === 'm-ok');
    assert.equal(ok?.attributes['messaging.destination.name'], `${prefix}.work`);
    assert.deepEqual(Object.keys(ok?.attributes ?? {}), [
      'messaging.system', 'messaging.operation.type', 'messaging.destination.name', 'messaging.rabbitmq.destination.routing_key',
      'messaging.message.id', 'messaging.message.conversation_id', 'messaging.message.body.size', 'filament.content.kind',
      'filament.content.masked',
    ]);
    // The tap's own deliveries are not application messages.
    assert.ok(!receives.some((e) => String(e.attributes['messaging.destination.name']).startsWith('filament.')));
  });

  it('marks binary content instead of dumping it', () => {
    const bin = otlp.events('queue.message').find((e) => e.attributes['messaging.message.id'] === 'm-binary');
    assert.equal(bin?.attributes['filament.content.kind'], 'binary');
    assert.equal(bin?.body, '[binary content, 6 bytes, not captured]');
  });

  it('emits exactly one queue.dead_lettered WARN per dead-lettered message, for every reason', () => {
    const byId = new Map<string, ReceivedLog[]>();
    for (const d of deadLetters()) {
      const id = String(d.attributes['messaging.message.id']);
      byId.set(id, [...(byId.get(id) ?? []), d]);
    }
    const expected: Record<string, [string, string]> = {
      'm-reject': ['rejected', 'work'],
      'm-nack': ['rejected', 'work'],
      'm-ttl': ['expired', 'ttl'],
      'm-max-1': ['maxlen', 'maxlen'],
      'm-poison': ['delivery_limit', 'quorum'],
    };
    assert.deepEqual([...byId.keys()].sort(), Object.keys(expected).sort());
    for (const [id, [reason, queue]] of Object.entries(expected)) {
      const records = byId.get(id) ?? [];
      assert.equal(records.length, 1, `${id} reported ${records.length} times`);
      const d = records[0] as ReceivedLog;
      assert.equal(d.severityNumber, 13);
      assert.equal(d.severityText, 'WARN');
      assert.equal(d.attributes['queue.dead_letter.reason'], reason, id);
      assert.equal(d.attributes['queue.dead_letter.queue'], `${prefix}.${queue}`, id);
      assert.equal(d.attributes['messaging.system'], 'rabbitmq');
      // Each was dead-lettered once from its queue (a count of 2 is in test/amqp-settings.test.ts).
      assert.equal(d.attributes['queue.dead_letter.count'], 1, id);
    }
    assert.equal(byId.get('m-ttl')?.[0]?.body, 'expire-me');
  });

  it('keeps publisher and consumer in one trace, and the dead letter in it too', () => {
    const publish = otlp.events('queue.message').find(
      (e) => e.attributes['messaging.message.id'] === 'm-reject' && e.attributes['messaging.operation.type'] === 'send');
    const receive = otlp.events('queue.message').find(
      (e) => e.attributes['messaging.message.id'] === 'm-reject' && e.attributes['messaging.operation.type'] === 'receive');
    const dead = deadLetters().find((e) => e.attributes['messaging.message.id'] === 'm-reject');
    assert.match(publish?.traceId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(receive?.traceId, publish?.traceId);
    assert.equal(dead?.traceId, publish?.traceId);
    const root = otlp.spans.find((s) => s.name === 'order ORD-7');
    assert.equal(root?.traceId, publish?.traceId);
    const consumerSpans = otlp.spans.filter((s) => s.traceId === root?.traceId && s.kind === 5);
    assert.ok(consumerSpans.length >= 1, 'consumer span in the order trace');
  });

  it('counts dead letters and messages in metrics', () => {
    const points = otlp.metrics.filter((m) => m.name === 'filament.queue.dead_letters').flatMap((m) => m.points);
    const ttl = points.filter((p) => p.attributes['queue.dead_letter.reason'] === 'expired');
    assert.equal(ttl[ttl.length - 1]?.value, 1);
    assert.ok(otlp.metrics.some((m) => m.name === 'messaging.client.sent.messages'));
  });
});
