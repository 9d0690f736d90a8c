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
import { startCollector, type RunningCollector } from './support/collector';
import { request, ROOT, startFixture, type RunningFixture } from './support/fixture';
import { startAlerting, waitFor, type RunningAlerting } from './support/prometheus';

const run = promisify(execFile);
/** The detection goal: an alert within 30 s of the fault's onset. */
const DETECTION_GOAL_MS = 30_000;

describe('alerting: rules, Prometheus and Alertmanager', function () {
  this.timeout(240_000);

  it('promtool check rules and promtool test rules pass (alerting/tests), amtool accepts the config', async () => {
    const { stderr } = await run('bash', [path.join(ROOT, 'scripts', 'prometheus.sh'), 'check'], { timeout: 10 * 60 * 1000 });
    assert.match(stderr, /SUCCESS: \d+ rules found/);
    assert.doesNotMatch(stderr, /FAILED/);
  });

  describe('a 5xx burst through the collector', () => {
    let alerting: RunningAlerting | undefined;
    let collector: RunningCollector | undefined;
    const replicas: RunningFixture[] = [];

    before(async () => {
      alerting = await startAlerting();
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
      for (let i = 0; i < 20; i++) await request(a.port as number, 'GET', `/orders/ORD-${i}`);
      assert.deepEqual((await alerting!.alerts()).map((x) => x.labels.alertname), []);

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
      assert.equal(alert.annotations.summary, 'alerting-express /unavailable: 100% of requests failed in the last minute');
      assert.equal(alert.annotations.query, 'event.name:"api.error" and service.name:"alerting-express" and http.route:"/unavailable"');
      // The 1-minute window passes, the alert resolves by itself.
      await waitFor('the alert to resolve', 150_000, async () => {
        const alerts = await alerting!.alerts('?filter=alertname%3D%22FilamentApiErrorRatioHigh%22');
        return alerts.length === 0 ? true : undefined;
      });
    });
  });
});
