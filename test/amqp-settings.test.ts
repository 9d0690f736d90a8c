/**
 * The AMQP settings (docs/settings.md) against the real broker, and the value of
 * queue.dead_letter.count: FILAMENT_AMQP_MESSAGE_ID=keep leaves messages without an id
 * untouched; FILAMENT_DEAD_LETTER_TAP=off declares no tap queue and reports no dead letter;
 * with the tap on, the count is RabbitMQ's x-death count for that queue and reason.
 * With OTEL_LOGS_EXPORTER=none the AMQP hooks build no record (no content captured), while
 * spans and metrics stay as they are (test/amqp-records.test.ts proves nothing is masked).
 * RabbitMQ must be running (make test starts it via scripts/rabbitmq.sh).
 */
import assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import { OtlpReceiver, type ReceivedLog } from './support/otlpReceiver';
import { startFixture } from './support/fixture';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const TAP_QUEUE_PREFIX = 'filament.dead-letter-tap.';

/** Whether a queue exists (a passive declare); never creates one. */
async function queueExists(name: string): Promise<boolean> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined); // a 404 closes the channel
    return await ch.checkQueue(name).then(() => true, () => false);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Tap queues are durable and outlive the fixture (x-expires a week): the test removes its own. */
async function deleteQueues(names: string[]): Promise<void> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    for (const name of names) {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      await ch.deleteQueue(name).catch(() => undefined);
      await ch.close().catch(() => undefined);
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
}

describe('preload: AMQP settings and dead-letter counts (real broker)', function () {
  this.timeout(90000);
  const otlp = new OtlpReceiver();
  const prefixes: string[] = [];
  const newPrefix = (what: string): string => {
    const p = `s${what}${process.pid}-${Date.now()}`;
    prefixes.push(p);
    return p;
  };
  before(() => otlp.start());
  after(async () => {
    await otlp.stop();
    await deleteQueues(prefixes.flatMap((p) => [`${TAP_QUEUE_PREFIX}${p}.dlx`, `${TAP_QUEUE_PREFIX}${p}.back`]));
  });
  beforeEach(() => otlp.clear());

  const messages = (op: 'send' | 'receive', body: string): ReceivedLog[] => otlp.events('queue.message')
    .filter((e) => e.attributes['messaging.operation.type'] === op && e.body === body);

  it('default: queue.dead_letter.count is the x-death count per queue and reason (1, then 2); ids are assigned', async () => {
    const prefix = newPrefix('count');
    const app = await startFixture('amqp-settings.cjs', { otlp: otlp.url, readyText: 'SETTLED', env: { FIXTURE_PREFIX: prefix } });
    const all = await otlp.waitFor(() => otlp.events('queue.dead_lettered').length >= 4, 30000);
    assert.ok(all, `dead letters: ${JSON.stringify(otlp.events('queue.dead_lettered').map((d) => d.attributes))}\n${app.stderr()}`);
    // Positive control for the tap-off test: with the tap on, its queue exists.
    assert.equal(await queueExists(`${TAP_QUEUE_PREFIX}${prefix}.dlx`), true);
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');

    const deaths = otlp.events('queue.dead_lettered').map((d) => [
      d.attributes['messaging.message.id'], d.attributes['queue.dead_letter.reason'],
      d.attributes['queue.dead_letter.queue'], d.attributes['queue.dead_letter.count']]);
    assert.deepEqual(deaths.sort(), [
      ['m-twice', 'expired', `${prefix}.retry`, 1],
      ['m-twice', 'expired', `${prefix}.retry`, 2],
      ['m-twice', 'rejected', `${prefix}.work`, 1],
      ['m-twice', 'rejected', `${prefix}.work`, 2],
    ]);
    const counter = otlp.metrics.filter((m) => m.name === 'filament.queue.dead_letters');
    const last = counter[counter.length - 1]?.points.map((p) => [p.attributes['queue.dead_letter.queue'], p.attributes['queue.dead_letter.reason'], p.value]);
    assert.deepEqual(last?.sort(), [[`${prefix}.retry`, 'expired', 2], [`${prefix}.work`, 'rejected', 2]]);

    const [send] = messages('send', 'no id given');
    const [receive] = messages('receive', 'no id given');
    assert.match(String(send?.attributes['messaging.message.id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(receive?.attributes['messaging.message.id'], send?.attributes['messaging.message.id']);
  });

  it('FILAMENT_AMQP_MESSAGE_ID=keep: a message without an id stays without one; given ids are reported', async () => {
    const app = await startFixture('amqp-settings.cjs', {
      otlp: otlp.url, readyText: 'SETTLED', env: { FIXTURE_PREFIX: newPrefix('keep'), FILAMENT_AMQP_MESSAGE_ID: 'keep' },
    });
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
    const noId = [...messages('send', 'no id given'), ...messages('receive', 'no id given')];
    assert.equal(noId.length, 2);
    for (const e of noId) assert.equal(e.attributes['messaging.message.id'], undefined, JSON.stringify(e.attributes));
    assert.equal(messages('send', 'with an id')[0]?.attributes['messaging.message.id'], 'm-id');
    assert.equal(messages('receive', 'with an id')[0]?.attributes['messaging.message.id'], 'm-id');
  });

  it('FILAMENT_DEAD_LETTER_TAP=off: no tap queue, no queue.dead_lettered, no dead-letter metric', async () => {
    const prefix = newPrefix('tapoff');
    // SETTLED: m-twice was dead-lettered twice through each exchange.
    const app = await startFixture('amqp-settings.cjs', {
      otlp: otlp.url, readyText: 'SETTLED', env: { FIXTURE_PREFIX: prefix, FILAMENT_DEAD_LETTER_TAP: 'off' },
    });
    const tapQueues = [`${TAP_QUEUE_PREFIX}${prefix}.dlx`, `${TAP_QUEUE_PREFIX}${prefix}.back`];
    assert.deepEqual(await Promise.all(tapQueues.map(queueExists)), [false, false]);
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
    assert.equal(messages('receive', 'reject me twice').length, 3, 'the work consumer saw all three deliveries');
    assert.deepEqual(otlp.events('queue.dead_lettered'), []);
    assert.deepEqual(otlp.metrics.filter((m) => m.name === 'filament.queue.dead_letters').flatMap((m) => m.points), []);
  });

  it('OTEL_LOGS_EXPORTER=none: no record at all; spans keep their message ids, the messaging and dead-letter metrics still count', async () => {
    const prefix = newPrefix('logsoff');
    const app = await startFixture('amqp-settings.cjs', {
      otlp: otlp.url, readyText: 'SETTLED', env: { FIXTURE_PREFIX: prefix, OTEL_LOGS_EXPORTER: 'none' },
    });
    const deadLetterPoints = (): [unknown, unknown, unknown][] | undefined => {
      const counter = otlp.metrics.filter((m) => m.name === 'filament.queue.dead_letters');
      return counter[counter.length - 1]?.points.map((p) => [p.attributes['queue.dead_letter.queue'], p.attributes['queue.dead_letter.reason'], p.value]);
    };
    const counted = await otlp.waitFor(() => (deadLetterPoints() ?? []).reduce((n, p) => n + Number(p[2]), 0) >= 4, 30000);
    assert.ok(counted, `dead-letter points: ${JSON.stringify(deadLetterPoints())}\n${app.stderr()}`);
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
    assert.deepEqual(otlp.logs, []);
    assert.deepEqual(deadLetterPoints()?.sort(), [[`${prefix}.retry`, 'expired', 2], [`${prefix}.work`, 'rejected', 2]]);
    const sent = otlp.spans.filter((s) => s.attributes['messaging.operation.type'] === 'send').map((s) => String(s.attributes['messaging.message.id']));
    assert.ok(sent.includes('m-id') && sent.includes('m-twice'), sent.join(', '));
    assert.ok(sent.some((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)), `an assigned id: ${sent.join(', ')}`);
    for (const name of ['messaging.client.sent.messages', 'messaging.client.consumed.messages']) {
      assert.ok(otlp.metrics.some((m) => m.name === name && m.points.length > 0), name);
    }
    // One point per destination, each counting that destination's messages (the hooks share one
    // attribute object per destination: a mix-up would merge or misname the points).
    const lastPoints = (name: string): Record<string, number> => {
      const exported = otlp.metrics.filter((m) => m.name === name);
      const points = exported[exported.length - 1]?.points ?? [];
      return Object.fromEntries(points.map((p) => [String(p.attributes['messaging.destination.name']), Number(p.value)]));
    };
    const perDestination = (operation: string): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const s of otlp.spans.filter((x) => x.attributes['messaging.operation.type'] === operation)) {
        const destination = String(s.attributes['messaging.destination.name']);
        counts[destination] = (counts[destination] ?? 0) + 1;
      }
      return counts;
    };
    const sentPerDestination = perDestination('send');
    assert.ok(Object.keys(sentPerDestination).length >= 2, JSON.stringify(sentPerDestination));
    assert.deepEqual(lastPoints('messaging.client.sent.messages'), sentPerDestination);
    const consumed = lastPoints('messaging.client.consumed.messages');
    assert.ok(Object.keys(consumed).length >= 2, JSON.stringify(consumed));
    assert.ok(consumed[`${prefix}.work`] === 3, `the work consumer saw all three deliveries: ${JSON.stringify(consumed)}`);
  });
});
