/**
 * filament-responder (dist/responder.js, the bin) against the real RabbitMQ:
 * Alertmanager webhooks in over HTTP, the dead-letter re-drive runbook, its
 * audit (JSON lines file + `responder.audit` events through the preload).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { ROOT, startFixture, type RunningFixture } from './support/fixture';
import { OtlpReceiver } from './support/otlpReceiver';
import { waitFor } from './support/prometheus';
import { startResponderBin } from './support/responder';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const P = `${process.env.FIXTURE_PREFIX ?? 'test.'}responder-${process.pid}.`;
const names = { exchange: `${P}work.x`, work: `${P}work`, dlx: `${P}dlx`, dlq: `${P}dlq`, parking: `${P}parking-lot` };
const ATTEMPTS = 'x-filament-redrive-attempts';


function startResponder(dir: string, name: string, extra: Record<string, unknown>, otlpUrl: string) {
  return startResponderBin(dir, name, {
    runbooks: [{
      action: 'redrive', match: { alertname: 'FilamentDeadLetterBurst', queue_dead_letter_queue: names.work },
      deadLetterQueue: names.dlq, parkingLotQueue: names.parking, maxAttempts: 2, backoffMs: 20, maxBackoffMs: 100,
    }],
    ...extra,
  }, otlpUrl);
}

function webhook(status: 'firing' | 'resolved', startsAt: string) {
  const labels = { alertname: 'FilamentDeadLetterBurst', queue_dead_letter_queue: names.work, queue_dead_letter_reason: 'delivery_limit', severity: 'warning' };
  return {
    version: '4', status, receiver: 'responder', groupKey: '{}:{alertname="FilamentDeadLetterBurst"}', groupLabels: labels,
    commonLabels: labels, commonAnnotations: {}, externalURL: 'http://127.0.0.1:9093', truncatedAlerts: 0,
    alerts: [{ status, labels, annotations: {}, startsAt, endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'a1b2c3d4e5f60718' }],
  };
}

async function post(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.text();
  return res.status;
}

/**
 * The consumer side: takes every message of the work queue; poison is rejected
 * (→ dead-lettered `rejected`), `fail(msg)` ones are returned until the quorum
 * queue's delivery limit dead-letters them, the rest are processed (acked).
 */
async function consumeAll(ch: Channel, fail: (order: number) => boolean): Promise<{ processed: number[]; attempts: number[] }> {
  const processed: number[] = [];
  const attempts: number[] = [];
  for (;;) {
    const msg = await ch.get(names.work, { noAck: false });
    if (msg === false) break;
    let body: { order: number } | undefined;
    try { body = JSON.parse(msg.content.toString()) as { order: number }; } catch { body = undefined; }
    if (body === undefined) ch.nack(msg, false, false);
    else if (fail(body.order)) ch.nack(msg, false, true);
    else {
      processed.push(body.order);
      attempts.push(Number(msg.properties.headers?.[ATTEMPTS] ?? 0));
      ch.ack(msg);
    }
  }
  return { processed: processed.sort((a, b) => a - b), attempts };
}

async function depth(ch: Channel, queue: string): Promise<number> {
  return (await ch.checkQueue(queue)).messageCount;
}

/** checkQueue on a throwaway channel: a missing queue closes the channel it was asked on. */
async function exists(conn: ChannelModel, queue: string): Promise<boolean> {
  const probe = await conn.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkQueue(queue);
    await probe.close();
    return true;
  } catch {
    return false;
  }
}

describe('filament-responder: webhook, dead-letter re-drive, audit', function () {
  this.timeout(120_000);
  const otlp = new OtlpReceiver();
  let conn: ChannelModel;
  let ch: Channel;
  let dir: string;

  before(async () => {
    await otlp.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-responder-'));
    conn = await connect(AMQP_URL);
    ch = await conn.createChannel();
    await ch.assertExchange(names.dlx, 'fanout', { durable: false, autoDelete: false });
    await ch.assertQueue(names.dlq, { durable: true });
    await ch.bindQueue(names.dlq, names.dlx, '');
    await ch.assertExchange(names.exchange, 'direct', { durable: false });
    await ch.assertQueue(names.work, { durable: true, deadLetterExchange: names.dlx, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 1 } });
    await ch.bindQueue(names.work, names.exchange, 'price');
    // 7 orders that fail transiently until the delivery limit, 3 poison messages.
    for (let i = 0; i < 7; i++) ch.publish(names.exchange, 'price', Buffer.from(JSON.stringify({ order: i })), { contentType: 'application/json', persistent: true, messageId: `m-${i}` });
    for (let i = 0; i < 3; i++) ch.publish(names.exchange, 'price', Buffer.from(`{not json ${i}`), { contentType: 'application/json', persistent: true });
    await waitFor('10 messages in the work queue', 10_000, async () => ((await depth(ch, names.work)) === 10 ? true : undefined));
    await consumeAll(ch, () => true);
    await waitFor('10 dead letters', 10_000, async () => ((await depth(ch, names.dlq)) === 10 ? true : undefined));
  });

  after(async () => {
    for (const q of [names.work, names.dlq, names.parking]) await ch.deleteQueue(q).catch(() => undefined);
    for (const x of [names.exchange, names.dlx]) await ch.deleteExchange(x).catch(() => undefined);
    await conn.close().catch(() => undefined);
    await otlp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dry run plans and never acts: the dead letters stay, nothing is parked', async () => {
    const responder = await startResponder(dir, 'dry', { dryRun: true }, otlp.url);
    try {
      assert.equal(await post(responder.url, webhook('resolved', '2026-11-27T10:00:00Z')), 200);
      assert.equal(await post(responder.url, webhook('resolved', '2026-11-27T10:00:00Z')), 200);
      const actions = responder.audit().filter((a) => a.kind === 'action');
      assert.equal(actions.length, 2, 'a dry run acts never, so it never marks a notification handled');
      for (const a of actions) {
        assert.equal(a.outcome, 'skipped');
        assert.deepEqual(a.counts, { found: 10, redriven: 7, parked: 3, parkedPermanent: 3, parkedExhausted: 0 });
      }
      assert.equal(await depth(ch, names.dlq), 10);
      assert.equal(await depth(ch, names.work), 0);
      assert.equal(await exists(conn, names.parking), false, 'no parking lot declared');
    } finally {
      await responder.stop();
    }
  });

  it('re-drives on resolve with exact counts, acts once per notification, parks after maxAttempts; every message processed or parked', async () => {
    const responder = await startResponder(dir, 'live', {}, otlp.url);
    try {
      // Firing: the re-drive waits for the cause to recover.
      assert.equal(await post(responder.url, webhook('firing', '2026-11-27T11:00:00Z')), 200);
      assert.equal(await depth(ch, names.dlq), 10);

      // Resolved, delivered twice (Alertmanager is at-least-once): one action.
      assert.equal(await post(responder.url, webhook('resolved', '2026-11-27T11:00:00Z')), 200);
      assert.equal(await post(responder.url, webhook('resolved', '2026-11-27T11:00:00Z')), 200);
      let audit = responder.audit();
      assert.deepEqual(audit.map((a) => `${a.kind}:${a.what}`), [
        'decision:wait', 'decision:act', `action:redrive ${names.dlq}`, 'decision:duplicate',
      ]);
      assert.deepEqual(audit[2]?.counts, { found: 10, redriven: 7, parked: 3, parkedPermanent: 3, parkedExhausted: 0 });
      assert.equal(await depth(ch, names.dlq), 0);
      assert.equal(await depth(ch, names.parking), 3);
      assert.equal(await depth(ch, names.work), 7);

      // Back at their original exchange and routing key, attempt 1: 4 succeed, 3 fail again.
      const round1 = await consumeAll(ch, (order) => order >= 4);
      assert.deepEqual(round1.processed, [0, 1, 2, 3]);
      assert.deepEqual(round1.attempts, [1, 1, 1, 1]);
      await waitFor('3 dead letters again', 10_000, async () => ((await depth(ch, names.dlq)) === 3 ? true : undefined));

      // The next resolution (a new startsAt): attempt 2; they fail once more.
      assert.equal(await post(responder.url, webhook('resolved', '2026-11-27T11:05:00Z')), 200);
      const round2 = await consumeAll(ch, () => true);
      assert.deepEqual(round2.processed, []);
      await waitFor('3 dead letters again', 10_000, async () => ((await depth(ch, names.dlq)) === 3 ? true : undefined));

      // Attempts exhausted (maxAttempts 2): parked, not re-driven.
      assert.equal(await post(responder.url, webhook('resolved', '2026-11-27T11:10:00Z')), 200);
      audit = responder.audit().filter((a) => a.kind === 'action');
      assert.deepEqual(audit.map((a) => a.counts), [
        { found: 10, redriven: 7, parked: 3, parkedPermanent: 3, parkedExhausted: 0 },
        { found: 3, redriven: 3, parked: 0, parkedPermanent: 0, parkedExhausted: 0 },
        { found: 3, redriven: 0, parked: 3, parkedPermanent: 0, parkedExhausted: 3 },
      ]);
      // Nothing lost, nothing duplicated: 4 processed + 6 parked = the 10 published.
      assert.equal(await depth(ch, names.dlq), 0);
      assert.equal(await depth(ch, names.work), 0);
      const parked: string[] = [];
      for (;;) {
        const msg = await ch.get(names.parking, { noAck: true });
        if (msg === false) break;
        parked.push(`${msg.content.toString()} | ${String(msg.properties.headers?.['x-filament-parked-reason'])} | ${String(msg.properties.headers?.[ATTEMPTS])}`);
      }
      assert.deepEqual(parked.sort(), [
        '{"order":4} | exhausted: 2 re-drives | 2',
        '{"order":5} | exhausted: 2 re-drives | 2',
        '{"order":6} | exhausted: 2 re-drives | 2',
        '{not json 0 | permanent: dead-lettered as rejected | 0',
        '{not json 1 | permanent: dead-lettered as rejected | 0',
        '{not json 2 | permanent: dead-lettered as rejected | 0',
      ]);
    } finally {
      await responder.stop();
    }
    // Every decision and action also left as a log event through the preload.
    const events = otlp.logs.filter((l) => l.eventName === 'responder.audit' && l.resource['service.name'] === 'filament-responder');
    const live = events.filter((l) => l.attributes['responder.dry_run'] === false);
    assert.equal(live.length, 8);
    assert.deepEqual(live.filter((l) => l.attributes['responder.kind'] === 'action').map((l) => l.attributes['responder.count.parked']), [3, 0, 3]);
  });

  it('a failed action answers 500 (Alertmanager delivers again) and the next delivery acts', async () => {
    let calls = 0;
    const target = http.createServer((_req, res) => { calls++; res.writeHead(calls === 1 ? 503 : 200).end(); });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as { port: number }).port}/toggle`;
    const responder = await startResponder(dir, 'retry', { runbooks: [{
      action: 'http-toggle', match: { alertname: 'FilamentDeadLetterBurst' }, onFiring: { method: 'POST', url }, onResolved: { method: 'POST', url },
    }] }, otlp.url);
    try {
      assert.equal(await post(responder.url, webhook('firing', '2026-11-27T13:00:00Z')), 500);
      assert.equal(await post(responder.url, webhook('firing', '2026-11-27T13:00:00Z')), 200);
      assert.equal(await post(responder.url, webhook('firing', '2026-11-27T13:00:00Z')), 200);
      assert.equal(calls, 2);
      assert.deepEqual(responder.audit().map((a) => `${a.kind}:${a.what}:${a.outcome ?? ''}`), [
        'decision:act:', 'action:http-toggle on:failed', 'decision:act:', 'action:http-toggle on:ok', 'decision:duplicate:',
      ]);
    } finally {
      await responder.stop();
      target.close();
    }
  });

  it('refuses a body that is not an Alertmanager webhook with 400', async () => {
    const responder = await startResponder(dir, 'bad', {}, otlp.url);
    try {
      assert.equal(await post(responder.url, { hello: 'world' }), 400);
      assert.equal(await post(responder.url, { alerts: [{ labels: {} }] }), 400);
    } finally {
      await responder.stop();
    }
  });
});

describe('filament-responder: pausing and resuming the MES pricing consumer (reversible runbook)', function () {
  this.timeout(120_000);
  const prefix = `${process.env.FIXTURE_PREFIX ?? 'test.'}responder-mes-${process.pid}.`;
  const requests = `${prefix}mes.pricing.requests`;
  const results = `${prefix}orders.pricing.results`;
  const otlp = new OtlpReceiver();
  let mes: RunningFixture;
  let conn: ChannelModel;
  let ch: Channel;
  let dir: string;

  function mesOutage(status: 'firing' | 'resolved', job = 'mes-api') {
    const labels = { alertname: 'FilamentApiErrorRatioHigh', job, http_route: '/v1/models/price', severity: 'critical' };
    return {
      version: '4', status, receiver: 'responder', groupKey: 'k', groupLabels: labels, commonLabels: labels, commonAnnotations: {},
      externalURL: '', truncatedAlerts: 0,
      alerts: [{ status, labels, annotations: {}, startsAt: '2026-11-27T12:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `f-${job}` }],
    };
  }
  const consumers = async (): Promise<number> => (await ch.checkQueue(requests)).consumerCount;
  const toggle = (dryRun: boolean) => ({
    dryRun,
    runbooks: [{
      action: 'http-toggle', match: { alertname: 'FilamentApiErrorRatioHigh', job: 'mes-api' },
      onFiring: { method: 'POST', url: `http://127.0.0.1:${mes.port}/admin/consumers/pause` },
      onResolved: { method: 'POST', url: `http://127.0.0.1:${mes.port}/admin/consumers/resume` },
    }],
  });

  before(async () => {
    await otlp.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-responder-mes-'));
    mes = await startFixture(path.join(ROOT, 'examples', 'mes-api', 'server.mjs'), {
      loader: 'import', otlp: otlp.url, env: { TOPOLOGY_PREFIX: prefix, AMQP_URL, PORT: '0', OTEL_SERVICE_NAME: 'mes-api' },
    });
    conn = await connect(AMQP_URL);
    ch = await conn.createChannel();
  });

  after(async () => {
    await mes?.stop();
    for (const q of [requests, `${prefix}mes.pricing.expedite`, results, `${prefix}platform.dlq`]) await ch.deleteQueue(q).catch(() => undefined);
    await ch.deleteExchange(`${prefix}platform.dlx`).catch(() => undefined);
    await conn.close().catch(() => undefined);
    await otlp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dry run leaves the consumer alone; firing pauses it once, requests wait in the queue; resolved resumes and they are priced', async () => {
    assert.equal(await consumers(), 1);
    const dry = await startResponder(dir, 'toggle-dry', toggle(true), otlp.url);
    try {
      assert.equal(await post(dry.url, mesOutage('firing')), 200);
      assert.equal(await consumers(), 1);
      assert.deepEqual(dry.audit().map((a) => `${a.kind}:${a.what}:${a.outcome ?? ''}`), ['decision:dry-run:', 'action:http-toggle on:skipped']);
    } finally {
      await dry.stop();
    }

    const live = await startResponder(dir, 'toggle', toggle(false), otlp.url);
    try {
      assert.equal(await post(live.url, mesOutage('firing', 'orders')), 200, 'another service: no runbook');
      assert.equal(await consumers(), 1);
      assert.equal(await post(live.url, mesOutage('firing')), 200);
      assert.equal(await post(live.url, mesOutage('firing')), 200);
      assert.equal(await consumers(), 0);
      ch.sendToQueue(requests, Buffer.from(JSON.stringify({ orderNumber: 'ORD-P1', customerId: 'C-1', model: 'cube-10mm.stl', material: 'PLA' })),
        { contentType: 'application/json', persistent: true });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await ch.checkQueue(requests)).messageCount, 1, 'paused: the request waits');
      assert.equal(await post(live.url, mesOutage('resolved')), 200);
      assert.equal(await consumers(), 1);
      await waitFor('the waiting request priced', 20_000, async () => ((await ch.checkQueue(results)).messageCount === 1 ? true : undefined));
      assert.deepEqual(live.audit().map((a) => `${a.kind}:${a.what}:${a.outcome ?? ''}`), [
        'decision:no-runbook:', 'decision:act:', 'action:http-toggle on:ok', 'decision:duplicate:', 'decision:act:', 'action:http-toggle off:ok',
      ]);
    } finally {
      await live.stop();
    }
  });
});
