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
import { connect, type ChannelModel } from 'amqplib';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { freePort, startCollector, type RunningCollector } from './support/collector';
import { request, ROOT, startFixture, type RunningFixture } from './support/fixture';
import { OtlpReceiver } from './support/otlpReceiver';
import { sleep, waitFor } from '../scripts/lib/procs.cjs';
import { startAlerting, type RunningAlerting } from './support/prometheus';
import { startResponderBin, type RunningResponder } from './support/responder';

const run = promisify(execFile);
/** The detection goal: an alert within 30 s of the fault's onset. */
const DETECTION_GOAL_MS = 30_000;
/** This run's RabbitMQ names. */
const QUEUE_PREFIX = `${process.env.FIXTURE_PREFIX ?? 'test'}-alerting-${process.pid}`;
/** The MES API's topology prefix (TOPOLOGY_PREFIX): inside QUEUE_PREFIX, so its queues are scraped. */
const MES_PREFIX = `${QUEUE_PREFIX}.`;
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The 30-minute baselines' subjects (docs/alerting.md, "Baselines"): the MES route and a pricing format. */
const LATENCY = { job: 'alerting-mes', http_route: '/v1/models/price' };
const PRICING = { job: 'alerting-pricing', model3d_format: 'stl-binary' };
/** Normal pricing in the baseline: 1 s for 10 000 polygons (0.1 ms per polygon), and its spread. */
const NORMAL_S_PER_POLYGON = 0.0001;

/**
 * 45 minutes of history, ending 30 s ago, of the two recorded series the
 * latency and pricing baselines read (job_route:…:p95_1m, job_format:…:1m),
 * in OpenMetrics for `promtool tsdb create-blocks-from openmetrics`. The label
 * sets are the recording rules' (`sum by (job, http_route)`, `sum by (job,
 * model3d_format)`), so the live recordings continue the same series.
 */
function baselineHistory(nowS: number): string {
  const labels = (l: Record<string, string>) => Object.entries(l).sort().map(([k, v]) => `${k}="${v}"`).join(',');
  const p95 = 'job_route:http_server_request_duration_seconds:p95_1m';
  const perPolygon = 'job_format:model3d_pricing_seconds_per_polygon:1m';
  const lines = [`# TYPE ${p95} gauge`];
  const times: number[] = [];
  for (let t = nowS - 45 * 60; t <= nowS - 30; t += 15) times.push(t);
  for (const t of times) lines.push(`${p95}{${labels(LATENCY)}} ${0.02 + 0.005 * (t % 2)} ${t}`);
  lines.push(`# TYPE ${perPolygon} gauge`);
  for (const [i, t] of times.entries()) lines.push(`${perPolygon}{${labels(PRICING)}} ${NORMAL_S_PER_POLYGON * (1 + 0.02 * ((i % 5) - 2))} ${t}`);
  lines.push('# EOF', '');
  return lines.join('\n');
}

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
    let mes: RunningFixture | undefined;
    let results: ChannelModel | undefined;

    /**
     * Recoveries under way. A fault's alert resolves only once its rule's 1-minute window has passed
     * without the fault; instead of idling through that minute, each test that fires an alert hands its
     * recovery checks over here and the next tests run meanwhile. The last test awaits them all, so
     * every "and it resolves" below is still asserted, with the same waits and bounds.
     */
    const recoveries: { what: string; done: Promise<void> }[] = [];
    const recovering = (what: string, checks: () => Promise<void>): void => {
      const done = checks();
      done.catch(() => undefined); // reported by the last test, not as an unhandled rejection
      recoveries.push({ what, done });
    };

    /**
     * The real MES API (examples/mes-api) under the preload, its topology under
     * MES_PREFIX; its results queue is drained here (no order service runs).
     */
    async function startMes(): Promise<RunningFixture> {
      if (mes) return mes;
      mes = await startFixture(path.join(ROOT, 'examples', 'mes-api', 'server.mjs'), {
        loader: 'import', otlp: collector!.httpUrl,
        env: { TOPOLOGY_PREFIX: MES_PREFIX, AMQP_URL, PORT: '0', OTEL_SERVICE_NAME: 'alerting-mes', OTEL_METRIC_EXPORT_INTERVAL: undefined, OTEL_METRIC_EXPORT_TIMEOUT: undefined },
      });
      results = await connect(AMQP_URL);
      const ch = await results.createChannel();
      await ch.consume(`${MES_PREFIX}orders.pricing.results`, (msg) => { if (msg) ch.ack(msg); });
      return mes;
    }

    before(async () => {
      // The responder (dry run, no runbooks) only records what Alertmanager notifies.
      await otlp.start();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-alerting-test-'));
      // Alertmanager calls it with the bearer token from this 0600 file (http_config.authorization).
      const tokenFile = path.join(dir, 'webhook.token');
      fs.writeFileSync(tokenFile, 'alerting-test-webhook-token-0123456789\n', { mode: 0o600 });
      responder = await startResponderBin(dir, 'responder', { listen: `127.0.0.1:${await freePort()}`, dryRun: true, runbooks: [], tokenFile }, otlp.url);
      // RabbitMQ's own metrics: the rabbitmq_prometheus plugin, enabled online on loopback.
      const plugin = await run('bash', [path.join(ROOT, 'scripts', 'prometheus.sh'), 'rabbitmq-plugin'], { timeout: 120_000 });
      const rabbitmqMetrics = /RABBITMQ_METRICS=(\S+)/.exec(plugin.stdout)?.[1] as string;
      // The baselines' history, backfilled into Prometheus's fresh data directory before it starts.
      const backfill = path.join(dir, 'baselines.om');
      fs.writeFileSync(backfill, baselineHistory(Math.floor(Date.now() / 1000)));
      // Only this run's queues: the development broker is shared.
      alerting = await startAlerting({
        FILAMENT_PROMETHEUS_BACKFILL: backfill,
        FILAMENT_RESPONDER_URL: responder.url, FILAMENT_RESPONDER_TOKEN_FILE: tokenFile, FILAMENT_RABBITMQ_METRICS: rabbitmqMetrics, FILAMENT_RABBITMQ_QUEUES: `${QUEUE_PREFIX.replace(/\./g, '\\.')}.*`,
      });
      collector = await startCollector(alerting.collectorEnv, { overlays: ['config.prometheus.yaml'] });
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
      await mes?.stop();
      if (results) {
        const ch = await results.createChannel();
        for (const q of ['mes.pricing.requests', 'mes.pricing.expedite', 'orders.pricing.results', 'platform.dlq', 'filament.dead-letter-tap.' + MES_PREFIX + 'platform.dlx']) {
          await ch.deleteQueue(q.startsWith('filament.') ? q : MES_PREFIX + q).catch(() => undefined);
        }
        await ch.deleteExchange(`${MES_PREFIX}platform.dlx`).catch(() => undefined);
        await results.close().catch(() => undefined);
      }
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

    it('the runtime metrics reach Prometheus under their translated names, per replica (FilamentEventLoopSaturated reads them)', async () => {
      // OTLP → Prometheus naming (otlptranslator): unit s → _seconds, By → _bytes, a gauge of unit 1 → _ratio,
      // a counter → _total; a metric without a unit (host-metrics' process.memory.usage) keeps its name.
      for (const name of [
        'nodejs_eventloop_utilization_ratio', 'nodejs_eventloop_delay_p99_seconds', 'nodejs_eventloop_time_seconds_total',
        'process_cpu_time_seconds_total', 'process_memory_usage', 'v8js_memory_heap_used_bytes',
      ]) {
        const series = await waitFor(`${name} from both replicas`, 30_000, async () => {
          const result = await alerting!.query(`count by (job, instance) (${name}{job="alerting-express"})`);
          return result.length === 2 ? result : undefined;
        });
        assert.equal(new Set(series.map((s) => s.metric.instance)).size, 2, name);
      }
      const modes = await alerting!.query('group by (cpu_mode) (process_cpu_time_seconds_total{job="alerting-express"})');
      assert.deepEqual(modes.map((s) => s.metric.cpu_mode).sort(), ['system', 'user']);
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
      // A link under Prometheus's external label runbook_base (scripts/prometheus.sh: this checkout's docs by
      // default), which alert_relabel_configs keep out of the alert's labels (the deepEqual above).
      assert.equal(alert.annotations.runbook_url, `file://${ROOT}/docs/alerting.md#filamentapierrorratiohigh`);
      // Routed to the responder's webhook (the `responder` receiver).
      await waitFor('the webhook at the responder', 20_000, async () =>
        responder!.audit().find((a) => a.alertname === 'FilamentApiErrorRatioHigh' && a.status === 'firing'));
      // The 1-minute window passes, the alert resolves by itself. (This service's alert: a later test
      // holds the MES's FilamentApiErrorRatioHigh in Alertmanager meanwhile.)
      recovering('FilamentApiErrorRatioHigh of the 5xx burst resolves by itself, the responder notified', async () => {
        await waitFor('the alert to resolve', 150_000, async () => {
          const alerts = await alerting!.alerts('?filter=alertname%3D%22FilamentApiErrorRatioHigh%22');
          return alerts.some((x) => x.labels.job === 'alerting-express') ? undefined : true;
        });
        await waitFor('the resolved notification at the responder', 30_000, async () =>
          responder!.audit().find((a) => a.fingerprint === alert.fingerprint && a.status === 'resolved'));
      });
    });

    it('poison messages, transient failures to the delivery limit and an MES slowdown (expiry) each fire FilamentDeadLetterBurst (queue, reason) within 30 s, and each resolves after recovery', async () => {
      const prefix = QUEUE_PREFIX;
      const consumer = await startFixture('amqp-poison.cjs', {
        otlp: collector!.httpUrl, readyText: 'READY',
        env: { FIXTURE_PREFIX: prefix, OTEL_SERVICE_NAME: 'alerting-poison', OTEL_METRIC_EXPORT_INTERVAL: undefined, OTEL_METRIC_EXPORT_TIMEOUT: undefined },
      });
      // The demo's MES slowdown, on the real MES API: expedite quotes (TTL 3 s, at most 20 waiting)
      // expire while each pricing takes 1.5 s longer.
      const mes = await startMes();
      const conn = await connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
      try {
        const ch = await conn.createChannel();
        const slow = await fetch(`http://127.0.0.1:${mes.port}/admin/faults`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ slowMs: 1500, durationS: 6 }),
        });
        assert.equal(slow.status, 200);
        const onset = Date.now();
        for (let i = 0; i < 5; i++) {
          ch.sendToQueue(`${prefix}.work`, Buffer.from(`{"orderNumber": ${i}`), { contentType: 'application/json' });
          ch.sendToQueue(`${prefix}.quorum`, Buffer.from(JSON.stringify({ orderNumber: i })), { contentType: 'application/json' });
          ch.sendToQueue(`${prefix}.ttl`, Buffer.from(JSON.stringify({ orderNumber: i })), { contentType: 'application/json' });
        }
        for (let i = 0; i < 30; i++) {
          ch.sendToQueue(`${MES_PREFIX}mes.pricing.expedite`, Buffer.from(JSON.stringify({ orderNumber: `ORD-E${i}`, customerId: 'C-1', model: 'cube-10mm.stl', material: 'PLA' })),
            { contentType: 'application/json', persistent: true });
        }
        const expected = [[`${prefix}.work`, 'rejected'], [`${prefix}.quorum`, 'delivery_limit'], [`${prefix}.ttl`, 'expired'], [`${MES_PREFIX}mes.pricing.expedite`, 'expired']];
        const mine = async () => (await alerting!.alerts('?filter=alertname%3D%22FilamentDeadLetterBurst%22'))
          .filter((a) => (a.labels.queue_dead_letter_queue ?? '').startsWith(prefix));
        const alerts = await waitFor('four FilamentDeadLetterBurst alerts in Alertmanager', DETECTION_GOAL_MS, async () => {
          const got = await mine();
          return expected.every(([q, r]) => got.some((a) => a.labels.queue_dead_letter_queue === q && a.labels.queue_dead_letter_reason === r)) ? got : undefined;
        });
        console.log(`      detection: first dead letter → all four active in Alertmanager ${((Date.now() - onset) / 1000).toFixed(1)} s`);
        const byKey = (q: string, r: string) => alerts.find((a) => a.labels.queue_dead_letter_queue === q && a.labels.queue_dead_letter_reason === r)!;
        for (const [q, r] of expected.slice(0, 3) as [string, string][]) {
          assert.equal(byKey(q, r).annotations.summary, `5 messages dead-lettered from ${q} (${r}) in the last minute`);
        }
        // (The slowdown may also push expedite quotes out as maxlen: a second alert for that queue, same form.)
        for (const a of alerts) assert.deepEqual([a.labels.severity, a.labels.category, a.status.state], ['warning', 'queue', 'active']);
        assert.deepEqual(Object.keys(byKey(`${MES_PREFIX}mes.pricing.expedite`, 'expired').labels).sort(),
          ['alertname', 'category', 'queue_dead_letter_queue', 'queue_dead_letter_reason', 'severity']);

        // Recovery: no more dead letters; once the 1-minute window has passed, every one resolves.
        recovering('every FilamentDeadLetterBurst of this run resolves after recovery, the responder notified', async () => {
          await waitFor('every FilamentDeadLetterBurst of this run to resolve', 150_000, async () =>
            ((await mine()).length === 0 ? true : undefined));
          await waitFor('the resolved notifications at the responder', 30_000, async () => {
            const resolved = new Set(responder!.audit().filter((a) => a.alertname === 'FilamentDeadLetterBurst' && a.status === 'resolved').map((a) => a.fingerprint));
            return alerts.every((a) => resolved.has(a.fingerprint)) ? true : undefined;
          });
        });
      } finally {
        await conn.close();
        await consumer.stop();
      }
    });

    it('a queue growing without consumers fires FilamentQueueGrowingWithoutConsumers within 30 s (RabbitMQ\'s own metrics), and it resolves when a consumer returns', async () => {
      const queue = `${QUEUE_PREFIX}.orphan`;
      const conn = await connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
      const ch = await conn.createChannel();
      let feeding: NodeJS.Timeout | undefined;
      const cleanUp = async (): Promise<void> => {
        clearInterval(feeding);
        await ch.deleteQueue(queue).catch(() => undefined);
        await conn.close();
      };
      let handedOver = false;
      try {
        await ch.assertQueue(queue, { durable: false });
        await waitFor('the empty queue in Prometheus', 60_000, async () =>
          ((await alerting!.query(`rabbitmq_queue_messages_ready{queue="${queue}"}`)).length === 1 ? true : undefined));
        const onset = Date.now();
        for (let i = 0; i < 12; i++) ch.sendToQueue(queue, Buffer.from(`order ${i}`));
        feeding = setInterval(() => ch.sendToQueue(queue, Buffer.from('one more')), 2000);
        const mine = async () => (await alerting!.alerts('?filter=alertname%3D%22FilamentQueueGrowingWithoutConsumers%22')).filter((a) => a.labels.queue === queue);
        const [alert] = await waitFor('FilamentQueueGrowingWithoutConsumers in Alertmanager', DETECTION_GOAL_MS, async () => {
          const got = await mine();
          return got.length > 0 ? got : undefined;
        });
        console.log(`      detection: first message of an unconsumed queue → active in Alertmanager ${((Date.now() - onset) / 1000).toFixed(1)} s`);
        assert.equal(alert!.labels.severity, 'critical');
        assert.equal(alert!.labels.vhost, '/');
        assert.equal(alert!.status.state, 'active');
        assert.equal(alert!.annotations.summary, `queue ${queue} is growing and has no consumer`);
        await waitFor('the webhook at the responder', 20_000, async () =>
          responder!.audit().find((a) => a.fingerprint === alert!.fingerprint && a.status === 'firing'));

        // Recovery: a consumer comes back (and drains the queue) while messages keep arriving.
        await ch.consume(queue, (msg) => { if (msg) ch.ack(msg); });
        recovering('FilamentQueueGrowingWithoutConsumers resolves once a consumer returns, the responder notified', async () => {
          try {
            await waitFor('the queue alert to resolve', 60_000, async () => ((await mine()).length === 0 ? true : undefined));
            await waitFor('the resolved notification at the responder', 30_000, async () =>
              responder!.audit().find((a) => a.fingerprint === alert!.fingerprint && a.status === 'resolved'));
          } finally {
            await cleanUp();
          }
        });
        handedOver = true;
      } finally {
        if (!handedOver) await cleanUp();
      }
    });

    it('pausing the MES consumer silences its queue alert (Alertmanager API v2) so that it never notifies; the resume ends the silence; a dry run creates none', async () => {
      const m = await startMes();
      const requests = `${MES_PREFIX}mes.pricing.requests`;
      const am = alerting!.alertmanagerUrl;
      const silenceSpec = { matchers: { alertname: 'FilamentQueueGrowingWithoutConsumers', queue: requests }, afterResumeS: 30 };
      const toggle = (dryRun: boolean) => ({
        dryRun,
        // Alertmanager's API with the run's CA and the `responder` user's credentials (docs/security.md).
        alertmanager: { url: am, caFile: alerting!.caFile, credentialsFile: alerting!.alertmanagerResponderCredentialsFile },
        runbooks: [{
          action: 'http-toggle', match: { alertname: 'FilamentApiErrorRatioHigh', job: 'alerting-mes' },
          onFiring: { method: 'POST', url: `http://127.0.0.1:${m.port}/admin/consumers/pause` },
          onResolved: { method: 'POST', url: `http://127.0.0.1:${m.port}/admin/consumers/resume` },
          silence: silenceSpec,
        }],
      });
      // The MES's ratio alert, held by Alertmanager (posted into its API: the responder confirms every alert
      // there), as Alertmanager delivers it (the webhook), straight to the responder under test.
      const labels = { alertname: 'FilamentApiErrorRatioHigh', job: 'alerting-mes', http_route: '/v1/models/price', severity: 'critical' };
      const startsAt = new Date().toISOString();
      const hold = async (endsAt: number) => {
        const res = await alerting!.alertmanager('POST', `${am}/api/v2/alerts`, [{ labels, startsAt, endsAt: new Date(endsAt).toISOString() }]);
        assert.equal(res.status, 200, res.text);
      };
      await hold(Date.now() + 3600_000);
      const { fingerprint } = await waitFor('the outage held by Alertmanager', 10_000, async () =>
        (await alerting!.alerts('?filter=alertname%3D%22FilamentApiErrorRatioHigh%22')).find((a) => a.labels.job === 'alerting-mes'));
      const outage = (status: 'firing' | 'resolved') => ({
        version: '4', status, receiver: 'responder', groupKey: 'k', groupLabels: labels, commonLabels: labels, commonAnnotations: {}, externalURL: am, truncatedAlerts: 0,
        alerts: [{ status, labels, annotations: {}, startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint }],
      });
      const post = (r: RunningResponder, body: unknown) => r.post(body);
      interface Silence { id: string; status: { state: string }; matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[]; endsAt: string; createdBy: string; comment: string }
      const silences = async () => (JSON.parse((await alerting!.alertmanager('GET', `${am}/api/v2/silences`)).text) as Silence[])
        .filter((x) => x.createdBy === 'filament-responder' && x.matchers.some((y) => y.name === 'queue' && y.value === requests));
      const conn = await connect(AMQP_URL);
      const ch = await conn.createChannel();
      const consumers = async () => (await ch.checkQueue(requests)).consumerCount;
      const steps = (r: RunningResponder) => r.audit().map((a) => `${a.kind}:${a.what}:${a.outcome ?? ''}`);
      const target = `{alertname="FilamentQueueGrowingWithoutConsumers", queue="${requests}"}`;
      let feeding: NodeJS.Timeout | undefined;
      try {
        // Dry run: decides and audits, creates no silence, leaves the consumer alone.
        const dry = await startResponderBin(dir, 'silence-dry', toggle(true), otlp.url);
        try {
          assert.equal(await post(dry, outage('firing')), 200);
          assert.deepEqual(steps(dry), ['decision:dry-run:', `action:silence ${target}:skipped`, 'action:http-toggle on:skipped']);
        } finally {
          await dry.stop();
        }
        assert.deepEqual(await silences(), []);
        assert.equal(await consumers(), 1);

        const live = await startResponderBin(dir, 'silence-live', toggle(false), otlp.url);
        try {
          const before = Date.now();
          assert.equal(await post(live, outage('firing')), 200);
          assert.equal(await post(live, outage('firing')), 200);
          assert.equal(await consumers(), 0);
          const [silence, ...more] = await silences();
          assert.deepEqual(more, [], 'one silence, however often the notification arrives');
          assert.equal(silence!.status.state, 'active');
          assert.deepEqual(silence!.matchers.map((x) => [x.name, x.value, x.isRegex, x.isEqual]).sort(),
            [['alertname', 'FilamentQueueGrowingWithoutConsumers', false, true], ['queue', requests, false, true]]);
          // With an expiry (maxDurationS, default one hour) in case the resume never comes.
          const expiry = Date.parse(silence!.endsAt) - before;
          assert.ok(expiry > 3500_000 && expiry <= 3600_000 + 5000, `expires in ${expiry} ms`);
          assert.ok(silence!.comment.endsWith(`[FilamentApiErrorRatioHigh ${fingerprint} ${startsAt}]`), silence!.comment);
          const audit = live.audit();
          assert.deepEqual(steps(live), ['decision:act:', `action:silence ${target}:ok`, 'action:http-toggle on:ok', 'decision:duplicate:']);
          assert.equal(audit[1]!.silenceId, silence!.id);

          // The paused queue grows: Prometheus fires the queue alert, Alertmanager holds it silenced.
          const request = () => ch.sendToQueue(requests, Buffer.from(JSON.stringify({ orderNumber: 'ORD-S', customerId: 'C-1', model: 'cube-10mm.stl', material: 'PLA' })),
            { contentType: 'application/json', persistent: true });
          for (let i = 0; i < 12; i++) request();
          feeding = setInterval(request, 2000);
          const queueAlert = await waitFor('the queue alert, silenced, in Alertmanager', 60_000, async () =>
            (await alerting!.alerts('?filter=alertname%3D%22FilamentQueueGrowingWithoutConsumers%22')).find((a) => a.labels.queue === requests));
          assert.deepEqual([queueAlert.status.state, queueAlert.status.silencedBy], ['suppressed', [silence!.id]]);

          // The MES recovers: resume, and the silence ends afterResumeS later, once Prometheus has seen the consumer.
          clearInterval(feeding);
          const resumed = Date.now();
          await hold(Date.now());
          assert.equal(await post(live, outage('resolved')), 200);
          assert.equal(await consumers(), 1);
          assert.deepEqual(steps(live).slice(4), ['decision:act:', 'action:http-toggle off:ok', `action:unsilence ${target}:ok`]);
          assert.equal(live.audit()[6]!.silenceId, silence!.id);
          const [ending] = await silences();
          assert.equal(ending!.id, silence!.id, 'the same silence, its end moved forward');
          assert.ok(Date.parse(ending!.endsAt) - resumed <= 30_000 + 2000, `ends ${ending!.endsAt}`);
          await waitFor('the queue alert to resolve', 60_000, async () =>
            ((await alerting!.alerts('?filter=alertname%3D%22FilamentQueueGrowingWithoutConsumers%22')).some((a) => a.labels.queue === requests) ? undefined : true));
          recovering('the responder\'s silence expires afterResumeS after the resume; the queue alert was never notified', async () => {
            await waitFor('the silence to expire', 60_000, async () => ((await silences())[0]?.status.state === 'expired' ? true : undefined));
            // Alertmanager's webhook (the recording responder) never heard of the queue alert.
            assert.deepEqual(responder!.audit().filter((a) => a.fingerprint === queueAlert.fingerprint), []);
          });
        } finally {
          await live.stop();
        }
      } finally {
        clearInterval(feeding);
        await conn.close();
      }
    });

    it('with 30 minutes of baseline history (backfilled), a real MES slowdown fires FilamentLatencyP95Regression and a pricing drift fires FilamentPricingTimePerPolygonDrift', async () => {
      // The backfill is there: the baselines exist before any live sample of these series.
      const [latencyBaseline] = await alerting!.query(`job_route:http_server_request_duration_seconds:p95_1m:avg30m{job="${LATENCY.job}"}`);
      assert.deepEqual(latencyBaseline?.metric, { __name__: 'job_route:http_server_request_duration_seconds:p95_1m:avg30m', ...LATENCY });
      const [median] = await alerting!.query(`job_format:model3d_pricing_seconds_per_polygon:median30m{job="${PRICING.job}"}`);
      assert.equal(Number(median?.value[1]), NORMAL_S_PER_POLYGON);

      const m = await startMes();
      const pricing = await startFixture('http-express.cjs', {
        otlp: collector!.httpUrl,
        env: { OTEL_SERVICE_NAME: PRICING.job, OTEL_METRIC_EXPORT_INTERVAL: undefined, OTEL_METRIC_EXPORT_TIMEOUT: undefined },
      });
      const model = fs.readFileSync(path.join(ROOT, 'examples', 'models', 'cube-10mm.stl'));
      let driving = true;
      const load: Promise<void>[] = [];
      try {
        // The demo's MES slowdown: every pricing request 1.5 s slower, four clients at a time.
        const slow = async () => (await fetch(`http://127.0.0.1:${m.port}/admin/faults`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ slowMs: 1500, durationS: 120 }),
        })).status;
        assert.equal(await slow(), 200);
        for (let i = 0; i < 4; i++) load.push((async () => {
          while (driving) {
            const res = await fetch(`http://127.0.0.1:${m.port}/v1/models/price?customerId=C-1&material=PLA&filename=cube-10mm.stl`, {
              method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: model,
            });
            assert.equal(res.status, 200);
            await res.arrayBuffer();
          }
        })());
        // A pricing drift: four times the processing time per polygon of the baseline.
        load.push((async () => {
          while (driving) {
            const res = await request(pricing.port as number, 'POST', '/models/price', { customerId: 'C-2', polygonCount: 10_000, processingTimeMs: 4000, cost: 12.5 });
            assert.equal(res.status, 200);
            await sleep(1000); // one pricing a second: the drift is in the time per polygon, not the rate
          }
        })());
        const find = async (alertname: string, labels: Record<string, string>) =>
          (await alerting!.alerts(`?filter=alertname%3D%22${alertname}%22`)).find((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v));
        const latency = await waitFor('FilamentLatencyP95Regression in Alertmanager', 120_000, () => find('FilamentLatencyP95Regression', LATENCY));
        assert.deepEqual(latency.labels, { alertname: 'FilamentLatencyP95Regression', severity: 'warning', category: 'latency', ...LATENCY });
        assert.equal(latency.status.state, 'active');
        assert.match(latency.annotations.summary ?? '', /^alerting-mes \/v1\/models\/price: p95 \d+(\.\d+)?s, over twice its 30-minute baseline$/);
        const drift = await waitFor('FilamentPricingTimePerPolygonDrift in Alertmanager', 120_000, () => find('FilamentPricingTimePerPolygonDrift', PRICING));
        assert.deepEqual(drift.labels, { alertname: 'FilamentPricingTimePerPolygonDrift', severity: 'warning', category: 'pricing', ...PRICING });
        assert.equal(drift.status.state, 'active');
        // Both notified through the routing to the webhook.
        await waitFor('both at the responder', 20_000, async () => {
          const names = new Set(responder!.audit().filter((a) => a.status === 'firing').map((a) => a.fingerprint));
          return names.has(latency.fingerprint) && names.has(drift.fingerprint) ? true : undefined;
        });
        driving = false;
        await Promise.all(load);
      } finally {
        driving = false;
        await Promise.allSettled(load);
        await fetch(`http://127.0.0.1:${m.port}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"durationS": 0}' });
        await pricing.stop();
      }
    });

    it('an MES outage inhibits the downstream queue alerts; other services\' alerts still notify', async () => {
      const now = new Date().toISOString();
      const post = async (labels: Record<string, string>) => {
        const res = await alerting!.alertmanager('POST', `${alerting!.alertmanagerUrl}/api/v2/alerts`, [{ labels, annotations: { summary: 'test' }, startsAt: now }]);
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

    it('every alert fired above resolves after its recovery (the recoveries the tests handed over)', async () => {
      const failed: string[] = [];
      for (const r of recoveries) await r.done.catch((error: unknown) => { failed.push(`${r.what}: ${String(error)}`); });
      assert.deepEqual(failed, []);
    });
  });
});
