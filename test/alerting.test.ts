/**
 * The metrics-to-alert path end to end: services under the built preload →
 * the real collector (config.prometheus.yaml, remote write) → Prometheus
 * running alerting/rules → Alertmanager, read back through its API v2.
 * The promtool unit tests of every rule run first (alerting/tests).
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { freePort, startCollector, type RunningCollector } from './support/collector';
import { request, ROOT, startFixture, type RunningFixture } from './support/fixture';
import { OtlpReceiver } from './support/otlpReceiver';
import { startAlerting, waitFor, type RunningAlerting } from './support/prometheus';
import { startResponderBin, type RunningResponder } from './support/responder';

const run = promisify(execFile);
/** The detection goal: an alert within 30 s of the fault's onset. */
const DETECTION_GOAL_MS = 30_000;
/** This run's RabbitMQ names. */
const QUEUE_PREFIX = `${process.env.FIXTURE_PREFIX ?? 'test'}-alerting-${process.pid}`;

describe('alerting: rules, Prometheus and Alertmanager', function () {
  this.timeout(240_000);

  it('promtool check rules and promtool test rules pass (alerting/tests), amtool accepts the config', async () => {
    const { stderr } = await run('bash', [path.join(ROOT, 'scripts', 'prometheus.sh'), 'check'], { timeout: 10 * 60 * 1000 });
    assert.match(stderr, /SUCCESS: \d+ rules found/);
    assert.doesNotMatch(stderr, /FAILED/);
  });

  describe('faults through the real collector, Prometheus and Alertmanager', () => {
    let alerting: RunningAlerting | undefined;
    let collector: RunningCollector | undefined;
    let responder: RunningResponder | undefined;
    const otlp = new OtlpReceiver();
    const replicas: RunningFixture[] = [];
    let dir: string;

    before(async () => {
      // The responder (dry run, no runbooks) only records what Alertmanager notifies.
      await otlp.start();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-alerting-test-'));
      responder = await startResponderBin(dir, 'responder', { listen: `127.0.0.1:${await freePort()}`, dryRun: true, runbooks: [] }, otlp.url);
      // RabbitMQ's own metrics: the rabbitmq_prometheus plugin, enabled online on loopback.
      const plugin = await run('bash', [path.join(ROOT, 'scripts', 'prometheus.sh'), 'rabbitmq-plugin'], { timeout: 120_000 });
      const rabbitmqMetrics = /RABBITMQ_METRICS=(\S+)/.exec(plugin.stdout)?.[1] as string;
      // Only this run's queues: the development broker is shared.
      alerting = await startAlerting({
        FILAMENT_RESPONDER_URL: responder.url, FILAMENT_RABBITMQ_METRICS: rabbitmqMetrics, FILAMENT_RABBITMQ_QUEUES: `${QUEUE_PREFIX.replace(/\./g, '\\.')}.*`,
      });
      collector = await startCollector(
        { FILAMENT_PROMETHEUS_REMOTE_WRITE_URL: alerting.remoteWriteUrl },
        { overlays: ['config.prometheus.yaml'] },
      );
      // Two replicas of one service, with the preload's default metric export
      // interval and resource detectors (no OTEL_METRIC_EXPORT_* set).
      for (let i = 0; i < 2; i++) {
        replicas.push(await startFixture('http-express.cjs', {
          otlp: collector.httpUrl,
          env: { OTEL_SERVICE_NAME: 'alerting-express', OTEL_METRIC_EXPORT_INTERVAL: undefined, OTEL_METRIC_EXPORT_TIMEOUT: undefined },
        }));
      }
    });

    after(async () => {
      for (const r of replicas) await r.stop();
      await collector?.stop();
      await alerting?.stop();
      await responder?.stop();
      await otlp.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('every series names its replica: job = service.name, instance = service.instance.id', async () => {
      for (const r of replicas) {
        for (let i = 0; i < 3; i++) assert.equal((await request(r.port as number, 'GET', `/orders/ORD-${i}`)).status, 200);
      }
      const series = await waitFor('both replicas in Prometheus', 60_000, async () => {
        const result = await alerting!.query('http_server_request_duration_seconds_count{job="alerting-express", http_route="/orders/:orderNumber"}');
        return result.length === 2 ? result : undefined;
      });
      const instances = series.map((s) => s.metric.instance ?? '');
      assert.equal(new Set(instances).size, 2, `two distinct instances: ${instances.join(', ')}`);
      for (const id of instances) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      for (const s of series) assert.equal(s.value[1], '3');
    });

    it('normal traffic raises no alert; a 5xx burst fires FilamentApiErrorRatioHigh in Alertmanager within 30 s, and it resolves', async () => {
      const [a] = replicas as [RunningFixture];
      // Enough good traffic that 30 errors are a bad route, not a service outage (< 50 % of the service's requests).
      for (let i = 0; i < 40; i++) await request(a.port as number, 'GET', `/orders/ORD-${i}`);
      // (Scoped to this service: the shared broker's other queues are scraped too.)
      const mine = async () => (await alerting!.alerts()).filter((x) => x.labels.job === 'alerting-express');
      assert.deepEqual((await mine()).map((x) => x.labels.alertname), []);

      const onset = Date.now();
      for (let i = 0; i < 30; i++) assert.equal((await request(a.port as number, 'GET', '/unavailable')).status, 503);
      const alert = await waitFor('FilamentApiErrorRatioHigh in Alertmanager', DETECTION_GOAL_MS, async () => {
        const alerts = await alerting!.alerts('?filter=alertname%3D%22FilamentApiErrorRatioHigh%22');
        return alerts.find((x) => x.labels.job === 'alerting-express');
      });
      const delayS = (Date.now() - onset) / 1000;
      console.log(`      detection: onset → active in Alertmanager ${delayS.toFixed(1)} s`);
      assert.deepEqual(alert.labels, {
        alertname: 'FilamentApiErrorRatioHigh', severity: 'critical', category: 'api',
        job: 'alerting-express', http_route: '/unavailable',
      });
      assert.equal(alert.status.state, 'active');
      // A bad route, not an outage; the spike alert (no baseline yet: errors where there were none)
      // is inhibited by the ratio alert when it arrives.
      const active = (await mine()).filter((x) => x.status.state === 'active').map((x) => x.labels.alertname);
      assert.deepEqual(active, ['FilamentApiErrorRatioHigh']);
      assert.equal(alert.annotations.summary, 'alerting-express /unavailable: 100% of requests failed in the last minute');
      assert.equal(alert.annotations.query, 'event.name:"api.error" and service.name:"alerting-express" and http.route:"/unavailable"');
      // Routed to the responder's webhook (the `responder` receiver).
      await waitFor('the webhook at the responder', 20_000, async () =>
        responder!.audit().find((a) => a.alertname === 'FilamentApiErrorRatioHigh' && a.status === 'firing'));
      // The 1-minute window passes, the alert resolves by itself.
      await waitFor('the alert to resolve', 150_000, async () => {
        const alerts = await alerting!.alerts('?filter=alertname%3D%22FilamentApiErrorRatioHigh%22');
        return alerts.length === 0 ? true : undefined;
      });
      await waitFor('the resolved notification at the responder', 30_000, async () =>
        responder!.audit().find((a) => a.alertname === 'FilamentApiErrorRatioHigh' && a.status === 'resolved'));
    });

    it('poison messages, transient failures to the delivery limit and expiry each fire FilamentDeadLetterBurst (queue, reason) within 30 s', async () => {
      const prefix = QUEUE_PREFIX;
      const consumer = await startFixture('amqp-poison.cjs', {
        otlp: collector!.httpUrl, readyText: 'READY',
        env: { FIXTURE_PREFIX: prefix, OTEL_SERVICE_NAME: 'alerting-poison', OTEL_METRIC_EXPORT_INTERVAL: undefined, OTEL_METRIC_EXPORT_TIMEOUT: undefined },
      });
      const conn = await connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
      try {
        const ch = await conn.createChannel();
        const onset = Date.now();
        for (let i = 0; i < 5; i++) {
          ch.sendToQueue(`${prefix}.work`, Buffer.from(`{"orderNumber": ${i}`), { contentType: 'application/json' });
          ch.sendToQueue(`${prefix}.quorum`, Buffer.from(JSON.stringify({ orderNumber: i })), { contentType: 'application/json' });
          ch.sendToQueue(`${prefix}.ttl`, Buffer.from(JSON.stringify({ orderNumber: i })), { contentType: 'application/json' });
        }
        const expected = [['work', 'rejected'], ['quorum', 'delivery_limit'], ['ttl', 'expired']];
        const alerts = await waitFor('three FilamentDeadLetterBurst alerts in Alertmanager', DETECTION_GOAL_MS, async () => {
          const got = (await alerting!.alerts('?filter=alertname%3D%22FilamentDeadLetterBurst%22'))
            .filter((a) => a.labels.queue_dead_letter_queue?.startsWith(`${prefix}.`));
          return got.length === expected.length ? got : undefined;
        });
        console.log(`      detection: first dead letter → all three active in Alertmanager ${((Date.now() - onset) / 1000).toFixed(1)} s`);
        assert.deepEqual(
          alerts.map((a) => [a.labels.queue_dead_letter_queue, a.labels.queue_dead_letter_reason, a.annotations.summary]).sort(),
          expected.map(([q, r]) => [`${prefix}.${q}`, r, `5 messages dead-lettered from ${prefix}.${q} (${r}) in the last minute`]).sort(),
        );
        for (const a of alerts) assert.deepEqual([a.labels.severity, a.labels.category, a.status.state], ['warning', 'queue', 'active']);
      } finally {
        await conn.close();
        await consumer.stop();
      }
    });

    it('a queue growing without consumers fires FilamentQueueGrowingWithoutConsumers (RabbitMQ\'s own metrics)', async () => {
      const queue = `${QUEUE_PREFIX}.orphan`;
      const conn = await connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
      const ch = await conn.createChannel();
      let feeding: NodeJS.Timeout | undefined;
      try {
        await ch.assertQueue(queue, { durable: false });
        await waitFor('the empty queue in Prometheus', 60_000, async () =>
          ((await alerting!.query(`rabbitmq_queue_messages_ready{queue="${queue}"}`)).length === 1 ? true : undefined));
        const onset = Date.now();
        for (let i = 0; i < 12; i++) ch.sendToQueue(queue, Buffer.from(`order ${i}`));
        feeding = setInterval(() => ch.sendToQueue(queue, Buffer.from('one more')), 2000);
        const alert = await waitFor('FilamentQueueGrowingWithoutConsumers in Alertmanager', 90_000, async () =>
          (await alerting!.alerts('?filter=alertname%3D%22FilamentQueueGrowingWithoutConsumers%22')).find((a) => a.labels.queue === queue));
        console.log(`      detection: first message of an unconsumed queue → active in Alertmanager ${((Date.now() - onset) / 1000).toFixed(1)} s`);
        assert.equal(alert.labels.severity, 'critical');
        assert.equal(alert.labels.vhost, '/');
        assert.equal(alert.annotations.summary, `queue ${queue} is growing and has no consumer`);
      } finally {
        clearInterval(feeding);
        await ch.deleteQueue(queue).catch(() => undefined);
        await conn.close();
      }
    });

    it('an MES outage inhibits the downstream queue alerts; other services\' alerts still notify', async () => {
      const now = new Date().toISOString();
      const post = async (labels: Record<string, string>) => {
        const res = await fetch(`${alerting!.alertmanagerUrl}/api/v2/alerts`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify([{ labels, annotations: { summary: 'test' }, startsAt: now }]),
        });
        assert.equal(res.status, 200);
      };
      await post({ alertname: 'FilamentServiceOutage', job: 'mes-api', severity: 'critical', category: 'outage' });
      await post({ alertname: 'FilamentDeadLetterBurst', job: 'orders', severity: 'warning', queue_dead_letter_queue: 'mes.pricing.requests', queue_dead_letter_reason: 'delivery_limit' });
      await post({ alertname: 'FilamentQueueGrowingWithoutConsumers', severity: 'critical', queue: 'mes.pricing.requests', vhost: '/' });
      await post({ alertname: 'FilamentLatencyP95Regression', job: 'orders', severity: 'warning', http_route: '/v1/orders' });
      const all = await waitFor('four alerts, two inhibited', 20_000, async () => {
        // Only the four posted here (earlier tests' alerts may still be active).
        const got = (await alerting!.alerts()).filter((x) => ['mes-api', 'orders'].includes(x.labels.job ?? '') || x.labels.queue === 'mes.pricing.requests');
        return got.length === 4 && got.filter((a) => a.status.state === 'suppressed').length === 2 ? got : undefined;
      });
      const state = Object.fromEntries(all.map((a) => [a.labels.alertname as string, a.status.inhibitedBy.length > 0 ? 'inhibited' : a.status.state]));
      assert.deepEqual(state, {
        FilamentServiceOutage: 'active', FilamentDeadLetterBurst: 'inhibited',
        FilamentQueueGrowingWithoutConsumers: 'inhibited', FilamentLatencyP95Regression: 'active',
      });
      await waitFor('the two uninhibited alerts at the responder', 20_000, async () => {
        const names = new Set(responder!.audit().map((a) => a.alertname));
        return names.has('FilamentServiceOutage') && names.has('FilamentLatencyP95Regression') ? true : undefined;
      });
      const inhibited = all.filter((a) => a.status.inhibitedBy.length > 0).map((a) => a.fingerprint);
      const notified = new Set(responder!.audit().map((a) => a.fingerprint));
      assert.deepEqual(inhibited.filter((f) => notified.has(f)), [], 'inhibited alerts are not notified');
    });
  });
});
