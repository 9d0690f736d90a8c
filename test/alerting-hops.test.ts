/**
 * The hops between the collector, Prometheus and Alertmanager, attacked on
 * loopback with the real binaries (docs/security.md): both servers behind
 * their own --web.config.file (TLS with the run's CA, basic auth), the
 * collector's remote write with its own credentials, Alertmanager's webhook
 * with the responder's bearer token over TLS, and one delivery per alert
 * transition. The webhook here is a plain node:https listener that records
 * what Alertmanager sends (the responder's own checks are its tests').
 */
import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { alertingClient } from '../scripts/alerting-http.cjs';
import { startCollector, type RunningCollector } from './support/collector';
import { ROOT } from './support/fixture';
import { sleep, waitFor } from '../scripts/lib/procs.cjs';
import { basicAuthorization, startAlerting, type RunningAlerting } from './support/prometheus';

const run = promisify(execFile);

/** A test CA and a server certificate for 127.0.0.1 made with openssl, as an operator would for the responder. */
function testCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=hops test CA',
    '-keyout', f('ca.key'), '-out', f('ca.crt'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  ssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=webhook', '-keyout', f('webhook.key'), '-out', f('webhook.csr'));
  fs.writeFileSync(f('webhook.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('webhook.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('webhook.ext'), '-out', f('webhook.crt'));
  return { ca: f('ca.crt'), cert: f('webhook.crt'), key: f('webhook.key') };
}

interface Delivery { authorization: string | undefined; body: { status: string; alerts: { labels: Record<string, string>; status: string }[] } }

/** An https webhook that records every delivery (and its Authorization header). */
async function startWebhook(cert: string, key: string): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      deliveries.push({ authorization: req.headers.authorization, body: JSON.parse(body) as Delivery['body'] });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    deliveries,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A hand-built OTLP/JSON monotonic counter, as a service would export it, posted to the collector. */
async function postCounter(collectorUrl: string, service: string, name: string, value: number): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const res = await fetch(`${collectorUrl}/v1/metrics`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'service.instance.id', value: { stringValue: 'hops-1' } }] },
        scopeMetrics: [{
          scope: { name: 'hops-test' },
          metrics: [{ name, unit: '1', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: String(value), startTimeUnixNano: String(now - 10_000_000_000n), timeUnixNano: String(now) }] } }],
        }],
      }],
    }),
  });
  assert.equal(res.status, 200, await res.text());
}

describe('alerting hops: collector → Prometheus → Alertmanager → webhook, with TLS and authentication', function () {
  this.timeout(120_000);
  let dir: string;
  let alerting: RunningAlerting | undefined;
  let webhook: Awaited<ReturnType<typeof startWebhook>> | undefined;
  const collectors: RunningCollector[] = [];
  let token: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-alerting-hops-'));
    const certs = testCertificates(dir);
    webhook = await startWebhook(certs.cert, certs.key);
    token = `t-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(path.join(dir, 'responder.token'), token, { mode: 0o600 });
    alerting = await startAlerting({
      FILAMENT_RESPONDER_URL: webhook.url, FILAMENT_RESPONDER_TOKEN_FILE: path.join(dir, 'responder.token'), FILAMENT_RESPONDER_CA_FILE: certs.ca,
    });
  });

  after(async () => {
    for (const c of collectors) await c.stop();
    await alerting?.stop();
    await webhook?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('start prints https URLs, the CA and credential files — no password — and every secret it writes is 0600', () => {
    const a = alerting!;
    assert.match(a.prometheusUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(a.alertmanagerUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(a.remoteWriteUrl, /^https:\/\/127\.0\.0\.1:\d+\/api\/v1\/write$/);
    const secrets = path.join(a.dir, 'secrets');
    const passwords = fs.readdirSync(secrets).filter((f) => f.endsWith('.password')).map((f) => fs.readFileSync(path.join(secrets, f), 'utf8').trim());
    assert.equal(passwords.length, 5, 'Prometheus: operator, collector; Alertmanager: operator, Prometheus, responder');
    assert.equal(new Set(passwords).size, 5, 'one password per client');
    for (const p of passwords) {
      assert.ok(p.length >= 32, 'random, 24 bytes');
      assert.ok(!a.output.includes(p), 'no password on stdout or stderr');
    }
    for (const f of [a.prometheusCredentialsFile, a.remoteWriteCredentialsFile, a.alertmanagerCredentialsFile, a.alertmanagerResponderCredentialsFile]) {
      assert.ok(f.startsWith(secrets), f);
    }
    // Keys, passwords, credentials, the web configs with the hashes, the generated configs, logs.
    const written = [...fs.readdirSync(secrets).map((f) => path.join(secrets, f)),
      ...['prometheus-web.yml', 'alertmanager-web.yml', 'prometheus.yml', 'alertmanager.yml'].map((f) => path.join(a.dir, f))];
    const loose = written.filter((f) => (fs.statSync(f).mode & 0o077) !== 0).map((f) => `${path.basename(f)} ${(fs.statSync(f).mode & 0o777).toString(8)}`);
    assert.deepEqual(loose, []);
    assert.equal(fs.statSync(secrets).mode & 0o777, 0o700);
  });

  it('Prometheus and Alertmanager refuse reads and writes without credentials or with a wrong password (401); the right ones work', async () => {
    const a = alerting!;
    const anonymous = alertingClient({ caFile: a.caFile });
    const wrong = { authorization: `Basic ${Buffer.from('filament:not-the-password').toString('base64')}` };
    // Another client's valid credentials on the other server: each server has its own users.
    const otherServer = { authorization: basicAuthorization(a.prometheusCredentialsFile) };
    const silence = await a.alertmanager('POST', `${a.alertmanagerUrl}/api/v2/silences`, {
      matchers: [{ name: 'alertname', value: 'HopsTest', isRegex: false, isEqual: true }],
      startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), createdBy: 'hops-test', comment: 'hops',
    });
    assert.equal(silence.status, 200, silence.text);
    const silenceId = (JSON.parse(silence.text) as { silenceID: string }).silenceID;
    const alert = [{ labels: { alertname: 'HopsForged', severity: 'critical', job: 'mes-api' }, startsAt: new Date().toISOString() }];
    const attempts: [string, string, unknown?][] = [
      ['GET', `${a.prometheusUrl}/api/v1/query?query=up`],
      ['POST', `${a.prometheusUrl}/api/v1/write`, Buffer.from('forged')],
      ['GET', `${a.alertmanagerUrl}/api/v2/alerts`],
      ['POST', `${a.alertmanagerUrl}/api/v2/alerts`, alert],
      ['GET', `${a.alertmanagerUrl}/api/v2/silences`],
      ['DELETE', `${a.alertmanagerUrl}/api/v2/silence/${silenceId}`],
    ];
    const statuses: string[] = [];
    for (const [method, url, body] of attempts) {
      const where = `${method} ${new URL(url).pathname}`;
      statuses.push(`${where} anonymous ${(await anonymous(method, url, body)).status}`);
      statuses.push(`${where} wrong password ${(await anonymous(method, url, body, wrong)).status}`);
      if (url.startsWith(a.alertmanagerUrl)) statuses.push(`${where} Prometheus's credentials ${(await anonymous(method, url, body, otherServer)).status}`);
    }
    assert.deepEqual(statuses.filter((s) => !s.endsWith(' 401')), [], statuses.join('\n'));
    // Nothing of it happened: the forged alert is not there, the silence still is.
    assert.deepEqual((await a.alerts()).filter((x) => x.labels.alertname === 'HopsForged'), []);
    const silences = JSON.parse((await a.alertmanager('GET', `${a.alertmanagerUrl}/api/v2/silences`)).text) as { id: string; status: { state: string } }[];
    assert.equal(silences.find((s) => s.id === silenceId)?.status.state, 'active');
    // The right credentials: reads, the silence delete.
    assert.equal((await a.prometheus('GET', `${a.prometheusUrl}/api/v1/query?query=vector(1)`)).status, 200);
    assert.equal((await a.alertmanager('GET', `${a.alertmanagerUrl}/api/v2/alerts`)).status, 200);
    assert.equal((await a.alertmanager('DELETE', `${a.alertmanagerUrl}/api/v2/silence/${silenceId}`)).status, 200);
  });

  it('plain http to either fails, and so does TLS without the run\'s CA', async () => {
    const a = alerting!;
    for (const [url, credentials] of [[a.prometheusUrl, a.prometheusCredentialsFile], [a.alertmanagerUrl, a.alertmanagerCredentialsFile]] as const) {
      // Go's TLS listener answers a plain request with 400 and nothing else.
      const plain = await fetch(`${url.replace('https:', 'http:')}/-/ready`, { headers: { authorization: basicAuthorization(credentials) } });
      assert.equal(plain.status, 400);
      assert.match(await plain.text(), /HTTP request to an HTTPS server/);
      // The system's roots do not know the run's CA.
      await assert.rejects(fetch(`${url}/-/ready`), (err: Error & { cause?: { code?: string } }) => {
        assert.match(String(err.cause?.code), /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
        return true;
      });
    }
  });

  it('Prometheus sends its alerts to Alertmanager over https, and Alertmanager calls the webhook over TLS with the responder\'s bearer token', async () => {
    const a = alerting!;
    // (Prometheus's notifier picks up its static target a few seconds after start.)
    const ams = await waitFor('Prometheus\'s Alertmanager', 20_000, async () => {
      const got = JSON.parse((await a.prometheus('GET', `${a.prometheusUrl}/api/v1/alertmanagers`)).text) as { data: { activeAlertmanagers: { url: string }[] } };
      return got.data.activeAlertmanagers.length > 0 ? got.data.activeAlertmanagers : undefined;
    });
    assert.deepEqual(ams.map((x) => x.url), [`${a.alertmanagerUrl}/api/v2/alerts`]);
    const posted = await a.alertmanager('POST', `${a.alertmanagerUrl}/api/v2/alerts`, [{ labels: { alertname: 'HopsWebhook', severity: 'warning', job: 'orders' }, startsAt: new Date().toISOString() }]);
    assert.equal(posted.status, 200);
    const delivery = await waitFor('the webhook delivery', 20_000, async () =>
      webhook!.deliveries.find((d) => d.body.alerts.some((x) => x.labels.alertname === 'HopsWebhook')));
    assert.equal(delivery.authorization, `Bearer ${token}`);
    // The token is read from its file by Alertmanager: not in the generated config, not in the log.
    assert.ok(!fs.readFileSync(path.join(a.dir, 'alertmanager.yml'), 'utf8').includes(token));
    assert.ok(!fs.readFileSync(path.join(a.dir, 'alertmanager.log'), 'utf8').includes(token));
  });

  it('a critical MES alert reaches the webhook once per transition (one route delivers), amtool agrees', async () => {
    const a = alerting!;
    const { stdout } = await run('amtool', ['config', 'routes', 'test', `--config.file=${path.join(ROOT, 'alerting', 'alertmanager.yml')}`,
      'alertname=FilamentApiErrorRatioHigh', 'severity=critical', 'job=mes-api']);
    assert.equal(stdout.trim(), 'responder');
    const labels = { alertname: 'HopsOnce', severity: 'critical', job: 'mes-api', http_route: '/v1/models/price' };
    assert.equal((await a.alertmanager('POST', `${a.alertmanagerUrl}/api/v2/alerts`, [{ labels, startsAt: new Date().toISOString() }])).status, 200);
    const mine = () => webhook!.deliveries.filter((d) => d.body.alerts.some((x) => x.labels.alertname === 'HopsOnce'));
    await waitFor('the first delivery', 20_000, async () => (mine().length > 0 ? true : undefined));
    // Every matching route's group flushes group_wait (1 s) after the alert arrives; a second
    // delivery — which must not come — would have arrived by the time this pause is over.
    await sleep(4000);
    assert.equal(mine().length, 1, JSON.stringify(mine().map((d) => d.body.status)));
  });

  it('the explicit plain-loopback overlay: the collector writes plain HTTP to 127.0.0.1, which the secured Prometheus refuses', async () => {
    const a = alerting!;
    const plain = await startCollector({ ...a.collectorEnv, FILAMENT_PROMETHEUS_PLAIN_PORT: new URL(a.prometheusUrl).port },
      { overlays: ['config.prometheus.yaml', 'config.prometheus.plain-loopback.yaml'] });
    collectors.push(plain);
    await postCounter(plain.httpUrl, 'hops-plain', 'filament.hops.plain', 3);
    await waitFor('the refusal in the collector\'s log', 30_000, async () => (/400 Bad Request/.test(plain.logs()) ? true : undefined));
    assert.match(plain.logs(), /http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write/);
    assert.deepEqual(await a.query('{__name__=~"filament_hops_plain.*"}'), []);
  });

  it('the collector\'s remote write: a wrong password is refused by Prometheus (401), the collector\'s own credentials land', async () => {
    const a = alerting!;
    const wrong = await startCollector({ ...a.collectorEnv, FILAMENT_PROMETHEUS_REMOTE_WRITE_AUTHORIZATION: `Basic ${Buffer.from('collector:not-the-password').toString('base64')}` },
      { overlays: ['config.prometheus.yaml'] });
    collectors.push(wrong);
    const right = await startCollector(a.collectorEnv, { overlays: ['config.prometheus.yaml'] });
    collectors.push(right);
    await postCounter(wrong.httpUrl, 'hops-wrong', 'filament.hops.probe', 3);
    await postCounter(right.httpUrl, 'hops-right', 'filament.hops.probe', 3);
    const landed = await waitFor('the right collector\'s series in Prometheus', 30_000, async () => {
      const got = await a.query('{__name__=~"filament_hops_probe.*"}');
      return got.length > 0 ? got : undefined;
    });
    await waitFor('the 401 in the wrong collector\'s log', 30_000, async () => (/401/.test(wrong.logs()) ? true : undefined));
    assert.match(wrong.logs(), /401 Unauthorized/);
    assert.deepEqual(landed.map((s) => s.metric.job), ['hops-right']);
    assert.deepEqual((await a.query('{__name__=~"filament_hops_probe.*", job="hops-wrong"}')), []);
    assert.doesNotMatch(right.logs(), /401 Unauthorized/);
  });
});
