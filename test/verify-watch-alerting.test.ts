/**
 * The store's rules end to end: the real OpenSearch 2.19.1 with security (shared node), `filament
 * verify --watch` every 5 s over TLS with a bearer token, the real Prometheus and Alertmanager of
 * scripts/prometheus.sh scraping it as job filament-verify (FILAMENT_VERIFY_METRICS). A clean
 * cluster raises nothing; support mapped into all_access through the security REST API fires
 * FilamentStorePolicyViolated in Alertmanager within 2 minutes; a stranger's refused read and a
 * readall user's read each raise FilamentStoreSuspiciousAccess naming them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './support/collector';
import { ROOT } from './support/fixture';
import { asUser, startOpenSearch, type RunningOpenSearch } from './support/opensearch';
import { waitFor } from '../scripts/lib/procs.cjs';
import { startAlerting, type AlertmanagerAlert, type RunningAlerting } from './support/prometheus';
import { cliEnv, startWatch, type RunningWatch } from './support/watch';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const SECURITY_API = '/_plugins/_security/api';
const STRANGER = { username: 'stranger2', password: 'Outsider-Peeks-6y!' };
const AUDITOR = { username: 'auditor2', password: 'Reads-Everything-6y!' };

describe('FilamentStorePolicyViolated and FilamentStoreSuspiciousAccess (real OpenSearch, verify --watch, Prometheus, Alertmanager)', function () {
  this.timeout(10 * 60 * 1000);
  let node: RunningOpenSearch;
  let alerting: RunningAlerting;
  let watch: RunningWatch;
  let dir: string;
  const admin = (method: string, p: string, body?: unknown) => asUser(node, node.admin, method, `${SECURITY_API}${p}`, body);
  const ok = (res: { status: number; body: unknown }) => assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  const storeAlerts = async (): Promise<AlertmanagerAlert[]> => (await alerting.alerts()).filter((a) => a.labels.alertname?.startsWith('FilamentStore'));

  before(async () => {
    node = await startOpenSearch();
    const setup = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'setup', '--engine', 'opensearch', '--url', node.url, '--skip', 'retention'], {
        env: cliEnv(node, { FILAMENT_WRITER_PASSWORD: 'Exporter-Writes-9x!', FILAMENT_SUPPORT_PASSWORD: 'Helpdesk-Reads-7q!' }),
        timeout: 120_000,
      }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, out: stdout + stderr }));
    });
    assert.equal(setup.code, 0, setup.out);
    // A stored log: a read of logs-filament.* names an index (on a pattern that matches none the
    // plugin answers an empty 200, refusing nothing).
    const doc = { '@timestamp': new Date().toISOString(), attributes: { 'event.name': 'watch.spec' }, body: 'a record of the watch specs' }; // not api.error nor 'pricing…': other specs count those on the shared node
    const write = await asUser(node, { username: 'filament_writer', password: 'Exporter-Writes-9x!' }, 'POST', '/_bulk?refresh=true', `${JSON.stringify({ create: { _index: 'logs-filament.api-default' } })}\n${JSON.stringify(doc)}\n`, 'application/x-ndjson');
    assert.equal(write.body.errors, false, JSON.stringify(write.body));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-watch-alerting-'));
    const tokenFile = path.join(dir, 'metrics.token');
    fs.writeFileSync(tokenFile, `watch-scrape-${Date.now()}-0123456789\n`, { mode: 0o600 });
    const port = await freePort();
    alerting = await startAlerting({ FILAMENT_VERIFY_METRICS: `127.0.0.1:${port}`, FILAMENT_VERIFY_METRICS_TOKEN_FILE: tokenFile });
    watch = await startWatch(node, ['--interval', '5s', '--listen', `127.0.0.1:${port}`], {
      FILAMENT_VERIFY_METRICS_TLS_CERT: alerting.verifyTlsCertFile,
      FILAMENT_VERIFY_METRICS_TLS_KEY: alerting.verifyTlsKeyFile,
      FILAMENT_VERIFY_METRICS_TOKEN_FILE: tokenFile,
    });
  });

  after(async () => {
    await watch?.stop();
    await alerting?.stop();
    for (const u of [STRANGER, AUDITOR]) await admin('DELETE', `/internalusers/${u.username}`).catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a clean cluster: Prometheus scrapes the watcher over TLS with its token, every invariant 0, no store alert', async () => {
    await waitFor('Prometheus to scrape five 0 gauges', 60_000, async () => {
      const up = await alerting.query('up{job="filament-verify"} == 1');
      const zero = await alerting.query('filament_store_policy_violations{job="filament-verify"} == 0');
      return up.length === 1 && zero.length === 5 ? true : undefined;
    });
    // Two more evaluations of the rules with the data present: nothing pending, nothing in Alertmanager.
    await alerting.evaluated(2);
    assert.deepEqual(await alerting.query('ALERTS{alertname=~"FilamentStore.*"}'), []);
    assert.deepEqual(await storeAlerts(), []);
  });

  it("support mapped into all_access fires FilamentStorePolicyViolated within 2 minutes; a stranger's refused read and a readall user's read each fire FilamentStoreSuspiciousAccess naming them", async () => {
    const changed = Date.now();
    ok(await admin('PATCH', '/rolesmapping/all_access', [{ op: 'add', path: '/users', value: ['support'] }]));
    try {
      ok(await admin('PUT', `/internalusers/${STRANGER.username}`, { password: STRANGER.password }));
      ok(await admin('PUT', `/internalusers/${AUDITOR.username}`, { password: AUDITOR.password, backend_roles: ['readall'] }));
      assert.equal((await asUser(node, STRANGER, 'POST', '/logs-filament.*/_search', { query: { match_all: {} } })).status, 403);
      assert.equal((await asUser(node, AUDITOR, 'POST', '/logs-filament.*/_search', { query: { match_all: {} } })).status, 200);

      const suspicious = await waitFor('both FilamentStoreSuspiciousAccess alerts', 60_000, async () => {
        const alerts = (await storeAlerts()).filter((a) => a.labels.alertname === 'FilamentStoreSuspiciousAccess');
        const stranger = alerts.find((a) => a.labels.principal === STRANGER.username && a.labels.kind === 'refused_read');
        const auditor = alerts.find((a) => a.labels.principal === AUDITOR.username && a.labels.kind === 'read_by_other');
        return stranger && auditor ? { stranger, auditor } : undefined;
      });
      assert.equal(suspicious.stranger.annotations.summary, `refused read of Filament's data by ${STRANGER.username} (refused_read): 1 in the last 10 minutes`);
      assert.equal(suspicious.auditor.annotations.summary, `read of Filament's data by someone besides support and the admins by ${AUDITOR.username} (read_by_other): 1 in the last 10 minutes`);
      assert.match(suspicious.auditor.annotations.description ?? '', /, the latest at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);

      const violated = await waitFor('FilamentStorePolicyViolated for (b)', 120_000, async () =>
        (await storeAlerts()).find((a) => a.labels.alertname === 'FilamentStorePolicyViolated' && a.labels.invariant === 'b'));
      const seconds = (Date.now() - changed) / 1000;
      assert.ok(seconds < 120, `fired ${seconds} s after the change`);
      assert.match(violated.annotations.summary ?? '', /^store rule \(b\) broken: someone besides the admins reads or changes the audit trail \(\d+ violation\(s\)\)$/);
      assert.equal(violated.labels.severity, 'critical');
      process.stdout.write(`      FilamentStorePolicyViolated in Alertmanager ${seconds.toFixed(1)} s after the change\n`);
    } finally {
      ok(await admin('PATCH', '/rolesmapping/all_access', [{ op: 'replace', path: '/users', value: [] }]));
    }
  });
});
