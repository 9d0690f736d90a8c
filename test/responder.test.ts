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
import { startTestAlertmanager, type TestAlertmanager } from './support/alertmanager';
import { sleep, waitFor } from '../scripts/lib/procs.cjs';
import { startResponderBin, type RunningResponder } from './support/responder';
import { makeCertificates } from './support/tls';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const P = `${process.env.FIXTURE_PREFIX ?? 'test.'}responder-${process.pid}.`;
const names = { exchange: `${P}work.x`, work: `${P}work`, dlx: `${P}dlx`, dlq: `${P}dlq`, parking: `${P}parking-lot` };
const ATTEMPTS = 'x-filament-redrive-attempts';


/** The responder's view of the test Alertmanager (TLS with the test CA). */
function alertmanagerConfig(am: TestAlertmanager) {
  return { alertmanager: { url: am.url, caFile: am.certificates.caFile } };
}

function startResponder(dir: string, name: string, extra: Record<string, unknown>, otlpUrl: string, am: TestAlertmanager) {
  return startResponderBin(dir, name, {
    ...alertmanagerConfig(am),
    runbooks: [{
      action: 'redrive', match: { alertname: 'FilamentDeadLetterBurst', queue_dead_letter_queue: names.work },
      deadLetterQueue: names.dlq, parkingLotQueue: names.parking, maxAttempts: 2, backoffMs: 20, maxBackoffMs: 100,
      // The 3 poison messages died in the same queue for another reason: this suite re-drives by queue.
      scopeBy: ['queue'],
    }],
    ...extra,
  }, otlpUrl);
}

const burstLabels = { alertname: 'FilamentDeadLetterBurst', queue_dead_letter_queue: names.work, queue_dead_letter_reason: 'delivery_limit', severity: 'warning' };

/** Alertmanager's webhook payload (version 4) for one alert, as it delivers it. */
export function webhookOf(status: 'firing' | 'resolved', labels: Record<string, string>, startsAt: string, fingerprint: string) {
  return {
    version: '4', status, receiver: 'responder', groupKey: `{}:{alertname="${labels.alertname}"}`, groupLabels: labels,
    commonLabels: labels, commonAnnotations: {}, externalURL: 'https://127.0.0.1:9093', truncatedAlerts: 0,
    alerts: [{ status, labels, annotations: {}, startsAt, endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z', generatorURL: '', fingerprint }],
  };
}

/**
 * A genuine alert transition: posted into Alertmanager first (fired or
 * resolved there), then the webhook Alertmanager would send for it.
 */
async function genuine(am: TestAlertmanager, status: 'firing' | 'resolved', labels: Record<string, string>, startsAt: string) {
  const key = `${JSON.stringify(labels)}|${startsAt}`;
  let fingerprint = fingerprints.get(key);
  if (fingerprint === undefined || status === 'firing') {
    fingerprint = (await am.fire(labels, startsAt)).fingerprint;
    fingerprints.set(key, fingerprint);
  }
  if (status === 'resolved') await am.resolve(labels, startsAt);
  return webhookOf(status, labels, startsAt, fingerprint);
}
const fingerprints = new Map<string, string>();

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
  let am: TestAlertmanager;

  before(async () => {
    await otlp.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-responder-'));
    am = await startTestAlertmanager(path.join(dir, 'alertmanager'));
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
    await am?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dry run plans and never acts: the dead letters stay, nothing is parked', async () => {
    const responder = await startResponder(dir, 'dry', { dryRun: true }, otlp.url, am);
    try {
      const startsAt = new Date().toISOString();
      assert.equal(await responder.post(await genuine(am, 'firing', burstLabels, startsAt)), 200);
      const resolved = await genuine(am, 'resolved', burstLabels, startsAt);
      assert.equal(await responder.post(resolved), 200);
      assert.equal(await responder.post(resolved), 200);
      const actions = responder.audit().filter((a) => a.kind === 'action');
      assert.equal(actions.length, 2, 'a dry run acts never, so it never marks a notification handled');
      for (const a of actions) {
        assert.equal(a.outcome, 'skipped');
        assert.deepEqual(a.counts, { found: 10, redriven: 7, parked: 3, parkedPermanent: 3, parkedExhausted: 0, otherFaults: 0, leftByLimit: 0 });
      }
      assert.equal(await depth(ch, names.dlq), 10);
      assert.equal(await depth(ch, names.work), 0);
      assert.equal(await exists(conn, names.parking), false, 'no parking lot declared');
    } finally {
      await responder.stop();
    }
  });

  it('re-drives on resolve with exact counts, acts once per notification, parks after maxAttempts; every message processed or parked', async () => {
    const responder = await startResponder(dir, 'live', {}, otlp.url, am);
    /** One alert transition as Alertmanager holds and delivers it: firing (the runbook waits), then resolved. */
    const transition = async (): Promise<unknown> => {
      const startsAt = new Date().toISOString();
      assert.equal(await responder.post(await genuine(am, 'firing', burstLabels, startsAt)), 200);
      return genuine(am, 'resolved', burstLabels, startsAt);
    };
    try {
      // Firing: the re-drive waits for the cause to recover.
      const resolved1 = await transition();
      assert.equal(await depth(ch, names.dlq), 10);

      // Resolved, delivered twice (Alertmanager is at-least-once): one action.
      assert.equal(await responder.post(resolved1), 200);
      assert.equal(await responder.post(resolved1), 200);
      let audit = responder.audit();
      assert.deepEqual(audit.map((a) => `${a.kind}:${a.what}`), [
        'decision:wait', 'decision:act', `action:redrive ${names.dlq}`, 'decision:duplicate',
      ]);
      assert.deepEqual(audit[2]?.counts, { found: 10, redriven: 7, parked: 3, parkedPermanent: 3, parkedExhausted: 0, otherFaults: 0, leftByLimit: 0 });
      // Who called, for which notification and alert: in every record.
      assert.match(audit[2]?.source ?? '', /^127\.0\.0\.1:\d+$/);
      assert.equal(audit[2]?.groupKey, '{}:{alertname="FilamentDeadLetterBurst"}');
      assert.deepEqual(audit[2]?.labels, burstLabels);
      assert.equal(await depth(ch, names.dlq), 0);
      assert.equal(await depth(ch, names.parking), 3);
      assert.equal(await depth(ch, names.work), 7);

      // Back at their original exchange and routing key, attempt 1: 4 succeed, 3 fail again.
      const round1 = await consumeAll(ch, (order) => order >= 4);
      assert.deepEqual(round1.processed, [0, 1, 2, 3]);
      assert.deepEqual(round1.attempts, [1, 1, 1, 1]);
      await waitFor('3 dead letters again', 10_000, async () => ((await depth(ch, names.dlq)) === 3 ? true : undefined));

      // The next resolution (a new startsAt): attempt 2; they fail once more.
      assert.equal(await responder.post(await transition()), 200);
      const round2 = await consumeAll(ch, () => true);
      assert.deepEqual(round2.processed, []);
      await waitFor('3 dead letters again', 10_000, async () => ((await depth(ch, names.dlq)) === 3 ? true : undefined));

      // Attempts exhausted (maxAttempts 2): parked, not re-driven.
      assert.equal(await responder.post(await transition()), 200);
      audit = responder.audit().filter((a) => a.kind === 'action');
      assert.deepEqual(audit.map((a) => a.counts), [
        { found: 10, redriven: 7, parked: 3, parkedPermanent: 3, parkedExhausted: 0, otherFaults: 0, leftByLimit: 0 },
        { found: 3, redriven: 3, parked: 0, parkedPermanent: 0, parkedExhausted: 0, otherFaults: 0, leftByLimit: 0 },
        { found: 3, redriven: 0, parked: 3, parkedPermanent: 0, parkedExhausted: 3, otherFaults: 0, leftByLimit: 0 },
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
    assert.equal(live.length, 10, 'wait, act, action, duplicate; then twice wait, act, action');
    assert.deepEqual(live.filter((l) => l.attributes['responder.kind'] === 'action').map((l) => l.attributes['responder.count.parked']), [3, 0, 3]);
  });

  it('a failed action answers 500 (Alertmanager delivers again) and the next delivery acts', async () => {
    let calls = 0;
    const target = http.createServer((_req, res) => { calls++; res.writeHead(calls === 1 ? 503 : 200).end(); });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as { port: number }).port}/toggle`;
    const responder = await startResponder(dir, 'retry', { runbooks: [{
      action: 'http-toggle', match: { alertname: 'FilamentDeadLetterBurst' }, onFiring: { method: 'POST', url }, onResolved: { method: 'POST', url },
    }] }, otlp.url, am);
    try {
      const firing = await genuine(am, 'firing', { ...burstLabels, queue_dead_letter_queue: `${names.work}-retry` }, new Date().toISOString());
      assert.equal(await responder.post(firing), 500);
      assert.equal(await responder.post(firing), 200);
      assert.equal(await responder.post(firing), 200);
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
    const responder = await startResponder(dir, 'bad', {}, otlp.url, am);
    try {
      assert.equal(await responder.post({ hello: 'world' }), 400);
      assert.equal(await responder.post({ alerts: [{ labels: {} }] }), 400);
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
  let am: TestAlertmanager;

  const outageLabels = (job: string) => ({ alertname: 'FilamentApiErrorRatioHigh', job, http_route: '/v1/models/price', severity: 'critical' });
  const consumers = async (): Promise<number> => (await ch.checkQueue(requests)).consumerCount;
  const toggle = (dryRun: boolean) => ({
    dryRun,
    ...alertmanagerConfig(am),
    runbooks: [{
      action: 'http-toggle', match: { alertname: 'FilamentApiErrorRatioHigh', job: 'mes-api' },
      onFiring: { method: 'POST', url: `http://127.0.0.1:${mes.port}/admin/consumers/pause` },
      onResolved: { method: 'POST', url: `http://127.0.0.1:${mes.port}/admin/consumers/resume` },
    }],
  });

  before(async () => {
    await otlp.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-responder-mes-'));
    am = await startTestAlertmanager(path.join(dir, 'alertmanager'));
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
    await am?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dry run leaves the consumer alone; firing pauses it once, requests wait in the queue; resolved resumes and they are priced', async () => {
    assert.equal(await consumers(), 1);
    const startsAt = new Date().toISOString();
    const firing = await genuine(am, 'firing', outageLabels('mes-api'), startsAt);
    const dry = await startResponderBin(dir, 'toggle-dry', toggle(true), otlp.url);
    try {
      assert.equal(await dry.post(firing), 200);
      assert.equal(await consumers(), 1);
      assert.deepEqual(dry.audit().map((a) => `${a.kind}:${a.what}:${a.outcome ?? ''}`), ['decision:dry-run:', 'action:http-toggle on:skipped']);
    } finally {
      await dry.stop();
    }

    const live = await startResponderBin(dir, 'toggle', toggle(false), otlp.url);
    try {
      assert.equal(await live.post(webhookOf('firing', outageLabels('orders'), startsAt, 'f-orders')), 200, 'another service: no runbook');
      assert.equal(await consumers(), 1);
      assert.equal(await live.post(firing), 200);
      assert.equal(await live.post(firing), 200);
      assert.equal(await consumers(), 0);
      ch.sendToQueue(requests, Buffer.from(JSON.stringify({ orderNumber: 'ORD-P1', customerId: 'C-1', model: 'cube-10mm.stl', material: 'PLA' })),
        { contentType: 'application/json', persistent: true });
      await sleep(500); // a consumer — which must not be there — would have taken it by now
      assert.equal((await ch.checkQueue(requests)).messageCount, 1, 'paused: the request waits');
      assert.equal(await live.post(await genuine(am, 'resolved', outageLabels('mes-api'), startsAt)), 200);
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

describe('filament-responder: only genuine alerts drive it, within the operator\'s limits', function () {
  this.timeout(120_000);
  const S = `${P}sec.`;
  const q = { dlq: `${S}dlq`, parking: `${S}parking-lot`, work: `${S}work`, died: `${S}orders` };
  const otlp = new OtlpReceiver();
  let conn: ChannelModel;
  let ch: Channel;
  let dir: string;
  let am: TestAlertmanager;
  const burst = (reason: string) => ({ alertname: 'FilamentDeadLetterBurst', queue_dead_letter_queue: q.died, queue_dead_letter_reason: reason, severity: 'warning' });
  const redriveRunbook = { action: 'redrive', match: { alertname: 'FilamentDeadLetterBurst' }, deadLetterQueue: q.dlq, parkingLotQueue: q.parking, backoffMs: 0 };

  /**
   * Dead letters as RabbitMQ leaves them: x-death names the queue they died in, the reason, and where
   * they came from. Resolves once the broker holds them (sendToQueue only buffers them in the client).
   */
  async function deadLetters(n: number, reason: string): Promise<void> {
    const before = await depth(ch, q.dlq);
    for (let i = 0; i < n; i++) {
      ch.sendToQueue(q.dlq, Buffer.from(JSON.stringify({ reason, i })), {
        contentType: 'application/json', persistent: true,
        headers: { 'x-death': [{ queue: q.died, reason, exchange: '', 'routing-keys': [q.work], count: 1 }] },
      });
    }
    await waitFor(`${n} ${reason} dead letters in ${q.dlq}`, 10_000, async () => ((await depth(ch, q.dlq)) === before + n ? true : undefined));
  }
  async function transition(responder: RunningResponder, labels: Record<string, string>): Promise<ReturnType<typeof webhookOf>> {
    const startsAt = new Date().toISOString();
    assert.equal(await responder.post(await genuine(am, 'firing', labels, startsAt)), 200);
    return genuine(am, 'resolved', labels, startsAt);
  }
  const kinds = (r: RunningResponder): string[] => r.audit().map((a) => `${a.kind}:${a.what}`);

  before(async () => {
    await otlp.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-responder-sec-'));
    am = await startTestAlertmanager(path.join(dir, 'alertmanager'));
    conn = await connect(AMQP_URL);
    ch = await conn.createChannel();
    for (const name of [q.dlq, q.work]) await ch.assertQueue(name, { durable: true });
  });
  beforeEach(async () => { for (const name of [q.dlq, q.work]) await ch.purgeQueue(name); await ch.deleteQueue(q.parking).catch(() => undefined); });
  after(async () => {
    for (const name of [q.dlq, q.work, q.parking]) await ch.deleteQueue(name).catch(() => undefined);
    await conn.close().catch(() => undefined);
    await otlp.stop();
    await am?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a webhook without the token or with a wrong one (401), audited with the caller\'s address; nothing moves', async () => {
    const responder = await startResponderBin(dir, 'auth', { ...alertmanagerConfig(am), runbooks: [redriveRunbook] }, otlp.url);
    try {
      await deadLetters(5, 'delivery_limit');
      const resolved = await transition(responder, burst('delivery_limit'));
      assert.equal(await responder.post(resolved, null), 401);
      assert.equal(await responder.post(resolved, `${responder.token ?? ''}x`), 401);
      assert.equal(await responder.post(resolved, 'a'.repeat(32)), 401);
      assert.equal(await depth(ch, q.dlq), 5, 'nothing re-driven');
      const refused = responder.audit().filter((a) => a.kind === 'refused');
      assert.deepEqual(refused.map((a) => a.why), ['no Authorization header', 'wrong token', 'wrong token']);
      for (const a of refused) assert.match(a.source ?? '', /^127\.0\.0\.1:\d+$/);
      assert.deepEqual(kinds(responder), ['decision:wait', 'refused:unauthenticated', 'refused:unauthenticated', 'refused:unauthenticated']);
      // The same notification with the token acts.
      assert.equal(await responder.post(resolved), 200);
      assert.equal(await depth(ch, q.work), 5);
    } finally {
      await responder.stop();
    }
  });

  it('with the token, an alert Alertmanager does not hold moves nothing — forged, relabelled, or "resolved" while still firing — audited as unconfirmed', async () => {
    const responder = await startResponderBin(dir, 'forged', { ...alertmanagerConfig(am), runbooks: [redriveRunbook] }, otlp.url);
    const startsAt = new Date().toISOString();
    try {
      await deadLetters(4, 'delivery_limit');
      const forged = webhookOf('resolved', burst('delivery_limit'), startsAt, '0123456789abcdef');
      // 20 at once: each is checked, none acts.
      const statuses = await Promise.all(Array.from({ length: 20 }, () => responder.post(forged)));
      assert.deepEqual([...new Set(statuses)], [200]);
      assert.equal(await responder.post(webhookOf('firing', burst('delivery_limit'), startsAt, '0123456789abcdef')), 200);
      const firing = await genuine(am, 'firing', burst('delivery_limit'), startsAt);
      const fingerprint = firing.alerts[0]?.fingerprint ?? '';
      // A real fingerprint with other labels; the real alert "resolved" while Alertmanager still holds it firing.
      assert.equal(await responder.post(webhookOf('firing', { ...burst('delivery_limit'), severity: 'critical' }, startsAt, fingerprint)), 200);
      assert.equal(await responder.post(webhookOf('resolved', burst('delivery_limit'), startsAt, fingerprint)), 200);
      assert.equal(await depth(ch, q.dlq), 4);
      assert.equal(await depth(ch, q.work), 0);
      const audit = responder.audit();
      assert.equal(audit.length, 23);
      assert.deepEqual([...new Set(audit.map((a) => `${a.kind}:${a.what}`))], ['decision:unconfirmed']);
      assert.match(audit[0]?.why ?? '', /never confirmed firing with Alertmanager by this responder: nothing done$/);
      assert.match(audit[20]?.why ?? '', /holds no FilamentDeadLetterBurst with this fingerprint and startsAt: nothing done$/);
      assert.match(audit[21]?.why ?? '', /labels differ/);
      assert.match(audit[22]?.why ?? '', /still holds this alert as firing/);
    } finally {
      await am.resolve(burst('delivery_limit'), startsAt);
      await responder.stop();
    }
  });

  it('a resolved alert re-drives only its own fault: the dead letters of its queue and reason', async () => {
    const responder = await startResponderBin(dir, 'scoped', { ...alertmanagerConfig(am), runbooks: [redriveRunbook] }, otlp.url);
    try {
      await deadLetters(3, 'delivery_limit');
      await deadLetters(2, 'expired');
      await deadLetters(2, 'rejected');
      assert.equal(await responder.post(await transition(responder, burst('delivery_limit'))), 200);
      assert.equal(await depth(ch, q.work), 3);
      assert.equal(await depth(ch, q.dlq), 4);
      assert.equal(await responder.post(await transition(responder, burst('rejected'))), 200);
      const actions = responder.audit().filter((a) => a.kind === 'action');
      assert.deepEqual(actions.map((a) => [a.counts, a.why]), [
        [{ found: 7, redriven: 3, parked: 0, parkedPermanent: 0, parkedExhausted: 0, otherFaults: 4, leftByLimit: 0 }, `runbook, scoped to ${q.died} delivery_limit`],
        [{ found: 4, redriven: 0, parked: 2, parkedPermanent: 2, parkedExhausted: 0, otherFaults: 2, leftByLimit: 0 }, `runbook, scoped to ${q.died} rejected`],
      ]);
      assert.equal(await depth(ch, q.dlq), 2, 'the expired ones wait for their own alert');
    } finally {
      await responder.stop();
    }
  });

  it('limits: a run re-drives at most redrivePerAlert, an hour at most redrivePerHour; each limit reached is audited and notified through Alertmanager', async () => {
    const responder = await startResponderBin(dir, 'limits', {
      ...alertmanagerConfig(am), limits: { redrivePerAlert: 3, redrivePerHour: 5 }, runbooks: [redriveRunbook],
    }, otlp.url);
    try {
      await deadLetters(8, 'delivery_limit');
      for (let i = 0; i < 3; i++) assert.equal(await responder.post(await transition(responder, burst('delivery_limit'))), 200);
      assert.equal(await depth(ch, q.work), 5);
      assert.equal(await depth(ch, q.dlq), 3);
      const audit = responder.audit();
      assert.deepEqual(audit.filter((a) => a.kind === 'action').map((a) => [a.counts?.redriven, a.counts?.leftByLimit]), [[3, 5], [2, 3]]);
      assert.deepEqual(audit.filter((a) => a.what === 'limit').map((a) => a.why.split(':')[0]), ['redrivePerAlert', 'redrivePerHour', 'redrivePerHour']);
      const notified = await waitFor('the limit alerts in Alertmanager', 10_000, async () => {
        const held = (await am.api('GET', 'api/v2/alerts?filter=alertname%3D%22FilamentResponderLimitReached%22')) as { labels: Record<string, string> }[];
        return held.length === 2 ? held.map((a) => a.labels.limit).sort() : undefined;
      });
      assert.deepEqual(notified, ['redrivePerAlert', 'redrivePerHour']);
      assert.match(responder.output(), /limit redrivePerHour reached for FilamentDeadLetterBurst: 5 messages re-driven in the last hour already: nothing re-driven/);
    } finally {
      await responder.stop();
    }
  });

  it('a pause ends by itself after maxPauseS, its silence with it; pausesPerHour refuses the next pause, notified', async () => {
    const calls: string[] = [];
    const target = http.createServer((req, res) => { calls.push(req.url ?? ''); res.writeHead(200).end(); });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
    const queueAlert = `${S}pricing`;
    const responder = await startResponderBin(dir, 'pause', {
      ...alertmanagerConfig(am), limits: { maxPauseS: 10, pausesPerHour: 1 },
      runbooks: [{
        action: 'http-toggle', match: { alertname: 'FilamentApiErrorRatioHigh' },
        onFiring: { method: 'POST', url: `${base}/pause` }, onResolved: { method: 'POST', url: `${base}/resume` },
        silence: { matchers: { alertname: 'FilamentQueueGrowingWithoutConsumers', queue: queueAlert }, afterResumeS: 0 },
      }],
    }, otlp.url);
    const ours = async () => ((await am.api('GET', 'api/v2/silences')) as { status: { state: string }; matchers: { value: string }[] }[])
      .filter((x) => x.matchers.some((m) => m.value === queueAlert) && x.status.state === 'active');
    try {
      const labels = { alertname: 'FilamentApiErrorRatioHigh', job: `${S}mes` };
      const startsAt = new Date().toISOString();
      assert.equal(await responder.post(await genuine(am, 'firing', labels, startsAt)), 200);
      assert.deepEqual(calls, ['/pause']);
      assert.equal((await ours()).length, 1);
      // No resolution comes: the responder resumes by itself and ends the silence.
      await waitFor('the automatic resume', 20_000, async () => (calls.length === 2 ? true : undefined));
      assert.deepEqual(calls, ['/pause', '/resume']);
      await waitFor('the silence ended', 5_000, async () => ((await ours()).length === 0 ? true : undefined));
      // The real resolution later finds the pause over: nothing more.
      assert.equal(await responder.post(await genuine(am, 'resolved', labels, startsAt)), 200);
      // A second pause within the hour: refused by pausesPerHour.
      assert.equal(await responder.post(await genuine(am, 'firing', { ...labels, job: `${S}mes2` }, new Date().toISOString())), 200);
      assert.deepEqual(calls, ['/pause', '/resume']);
      assert.deepEqual(kinds(responder), [
        'decision:act', 'action:silence {alertname="FilamentQueueGrowingWithoutConsumers", queue="' + queueAlert + '"}', 'action:http-toggle on',
        'decision:limit', 'action:http-toggle off', 'action:unsilence {alertname="FilamentQueueGrowingWithoutConsumers", queue="' + queueAlert + '"}',
        'decision:duplicate', 'decision:act', 'decision:limit',
      ]);
      const held = (await am.api('GET', 'api/v2/alerts?filter=alertname%3D%22FilamentResponderLimitReached%22')) as { labels: Record<string, string> }[];
      assert.ok(held.some((a) => a.labels.limit === 'pausesPerHour' && a.labels.runbook_alert === 'FilamentApiErrorRatioHigh'));
      assert.ok(held.some((a) => a.labels.limit === 'maxPauseS'));
    } finally {
      await responder.stop();
      target.close();
    }
  });

  it('serves the webhook over TLS with the operator\'s certificate; the token still required', async () => {
    const tls = makeCertificates(path.join(dir, 'responder-tls'), 'responder');
    const responder = await startResponderBin(dir, 'tls', {
      ...alertmanagerConfig(am), tls: { certFile: tls.certFile, keyFile: tls.keyFile }, runbooks: [redriveRunbook],
    }, otlp.url, { ca: tls.ca });
    try {
      assert.match(responder.url, /^https:/);
      assert.equal(await responder.post({ hello: 'world' }, null), 401);
      assert.equal(await responder.post({ hello: 'world' }), 400);
      await assert.rejects(fetch(responder.url.replace('https:', 'http:'), { method: 'POST', body: '{}' }));
      assert.doesNotMatch(responder.output(), /plain HTTP/);
    } finally {
      await responder.stop();
    }
  });
});
