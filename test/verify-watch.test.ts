/**
 * `filament verify --watch` against the real OpenSearch 2.19.1 with the security plugin (shared
 * node, scripts/opensearch.sh): its /metrics listener refuses to start open, refuses requests
 * without the right credentials, serves the rules' gauges, follows a drift made through the
 * security REST API within a few intervals, and counts suspicious access from the audit index.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './support/collector';
import { ROOT } from './support/fixture';
import { asUser, startOpenSearch, type RunningOpenSearch } from './support/opensearch';
import { waitFor } from '../scripts/lib/procs.cjs';
import { makeCertificates, type TestCertificates } from './support/tls';
import { cliEnv, sample, startWatch, type RunningWatch } from './support/watch';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const WRITER = { username: 'filament_writer', password: 'Exporter-Writes-9x!' };
const SUPPORT = { username: 'support', password: 'Helpdesk-Reads-7q!' };
const SECURITY_API = '/_plugins/_security/api';
const METRICS_USER = 'prometheus';
const METRICS_PASSWORD = 'scrape-Password-0123456789';
const METRICS_TOKEN = 'scrape-Token-abcdefghijklmnop';

function cli(node: RunningOpenSearch, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'verify', '--engine', 'opensearch', '--url', node.url, ...args], { env: cliEnv(node, env), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

function get(url: string, ca: string, authorization?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers: authorization ? { authorization } : {}, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('filament verify --watch (real OpenSearch 2.19.1 with the security plugin)', function () {
  this.timeout(10 * 60 * 1000);
  let node: RunningOpenSearch;
  let dir: string;
  let certs: TestCertificates;
  let secure: Record<string, string>;
  const admin = (method: string, p: string, body?: unknown) => asUser(node, node.admin, method, `${SECURITY_API}${p}`, body);
  const ok = (res: { status: number; body: unknown }) => assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));

  before(async () => {
    node = await startOpenSearch();
    const setup = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'setup', '--engine', 'opensearch', '--url', node.url, '--skip', 'retention'], {
        env: cliEnv(node, { FILAMENT_WRITER_PASSWORD: WRITER.password, FILAMENT_SUPPORT_PASSWORD: SUPPORT.password }), timeout: 120_000,
      }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, out: stdout + stderr }));
    });
    assert.equal(setup.code, 0, setup.out);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-watch-'));
    certs = makeCertificates(dir, 'watch');
    const passwordFile = path.join(dir, 'metrics.password');
    fs.writeFileSync(passwordFile, `${METRICS_PASSWORD}\n`, { mode: 0o600 });
    const tokenFile = path.join(dir, 'metrics.token');
    fs.writeFileSync(tokenFile, METRICS_TOKEN, { mode: 0o600 });
    secure = {
      FILAMENT_VERIFY_METRICS_TLS_CERT: certs.certFile,
      FILAMENT_VERIFY_METRICS_TLS_KEY: certs.keyFile,
      FILAMENT_VERIFY_METRICS_USERNAME: METRICS_USER,
      FILAMENT_VERIFY_METRICS_PASSWORD_FILE: passwordFile,
      FILAMENT_VERIFY_METRICS_TOKEN_FILE: tokenFile,
    };
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('the /metrics listener is secure by default', () => {
    it('without TLS and credentials it does not start: one line, exit 1', async () => {
      const r = await cli(node, ['--watch', '--listen', `127.0.0.1:${await freePort()}`], {});
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr.trim(), /^filament verify: the \/metrics listener 127\.0\.0\.1:\d+ needs TLS \(--tls-cert, --tls-key\) and credentials .* or, on loopback for development only, --insecure-loopback-metrics$/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });

    it('the opt-out is refused beyond loopback, and with TLS or credentials set', async () => {
      const wide = await cli(node, ['--watch', '--listen', '0.0.0.0:9', '--insecure-loopback-metrics'], {});
      assert.equal(wide.code, 1);
      assert.equal(wide.stderr.trim(), 'filament verify: --insecure-loopback-metrics applies to a loopback --listen only, not 0.0.0.0:9');
      const both = await cli(node, ['--watch', '--insecure-loopback-metrics'], secure);
      assert.equal(both.code, 1);
      assert.equal(both.stderr.trim(), 'filament verify: --insecure-loopback-metrics is set together with TLS or credentials: choose one');
    });

    it('a password file or TLS key that group or others can read is refused, naming the file', async () => {
      const loose = path.join(dir, 'loose.password');
      fs.writeFileSync(loose, METRICS_PASSWORD, { mode: 0o644 });
      fs.chmodSync(loose, 0o644);
      const r = await cli(node, ['--watch'], { ...secure, FILAMENT_VERIFY_METRICS_PASSWORD_FILE: loose });
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), `filament verify: FILAMENT_VERIFY_METRICS_PASSWORD_FILE: ${loose} is readable by group or others (mode 644); chmod 600 it`);
      assert.doesNotMatch(r.stdout + r.stderr, new RegExp(METRICS_PASSWORD));
    });

    it('bad --interval and watch flags without --watch: one line each, exit 1', async () => {
      const bad = await cli(node, ['--watch', '--interval', 'soon'], secure);
      assert.equal(bad.stderr.trim(), 'filament verify: --interval "soon" is not a duration (e.g. 60s, 5s, 2m)');
      const alone = await cli(node, ['--interval', '5s'], {});
      assert.equal(alone.stderr.trim(), 'filament verify: --interval only applies with --watch');
    });

    it('the loopback opt-out serves plain HTTP and says so in one line at start', async () => {
      const port = await freePort();
      const w = await startWatch(node, ['--interval', '5s', '--listen', `127.0.0.1:${port}`, '--insecure-loopback-metrics'], {});
      try {
        assert.equal(w.url, `http://127.0.0.1:${port}/metrics`);
        const notices = w.output().split('\n').filter((l) => l.includes('--insecure-loopback-metrics'));
        assert.deepEqual(notices, [`filament verify --watch: /metrics on 127.0.0.1:${port} is plain HTTP without authentication (--insecure-loopback-metrics): development only (docs/security.md)`]);
        await waitFor('verify_up 1 over plain HTTP', 30_000, async () => {
          const res = await fetch(w.url);
          return res.status === 200 && /^filament_store_verify_up 1$/m.test(await res.text()) ? true : undefined;
        });
      } finally {
        await w.stop();
      }
    });
  });

  describe('suspicious access, from the audit index', () => {
    const STRANGER = { username: 'stranger', password: 'Outsider-Peeks-5z!' };
    const AUDITOR = { username: 'auditor', password: 'Reads-Everything-5z!' };
    let w: RunningWatch;
    before(async () => {
      ok(await admin('PUT', `/internalusers/${STRANGER.username}`, { password: STRANGER.password }));
      ok(await admin('PUT', `/internalusers/${AUDITOR.username}`, { password: AUDITOR.password, backend_roles: ['readall'] }));
      // Before the watcher starts: not counted (it reads records from its start on).
      await asUser(node, STRANGER, 'GET', '/logs-filament.*/_search');
      w = await startWatch(node, ['--interval', '2s', '--listen', `127.0.0.1:${await freePort()}`], secure);
    });
    after(async () => {
      await w?.stop();
      ok(await admin('DELETE', `/internalusers/${STRANGER.username}`));
      ok(await admin('DELETE', `/internalusers/${AUDITOR.username}`));
    });

    it("counts a stranger's refused read, a readall user's read and a failed login, naming them; not support's reads, the writer's bulk creates or its own reads", async () => {
      const doc = { '@timestamp': new Date().toISOString(), attributes: { 'event.name': 'watch.spec' }, body: 'a record of the watch specs' }; // not api.error nor 'pricing…': other specs count those on the shared node
      const write = await asUser(node, WRITER, 'POST', '/_bulk?refresh=true', `${JSON.stringify({ create: { _index: 'logs-filament.api-default' } })}\n${JSON.stringify(doc)}\n`, 'application/x-ndjson');
      assert.equal(write.body.errors, false, JSON.stringify(write.body));
      assert.equal((await asUser(node, SUPPORT, 'POST', '/logs-filament.*/_search', { query: { match_all: {} } })).status, 200);
      assert.equal((await asUser(node, STRANGER, 'POST', '/logs-filament.*/_search', { query: { match_all: {} } })).status, 403);
      assert.equal((await asUser(node, AUDITOR, 'POST', '/logs-filament.*/_search', { query: { match_all: {} } })).status, 200);
      assert.equal((await asUser(node, { username: 'mallory', password: 'guess-1234567' }, 'GET', '/logs-filament.*/_search')).status, 401);
      const gauges = async () => (await get(w.url, certs.ca, `Bearer ${METRICS_TOKEN}`)).text;
      const series = [
        'filament_store_suspicious_access_total{kind="refused_read",principal="stranger"}',
        'filament_store_suspicious_access_total{kind="read_by_other",principal="auditor"}',
        'filament_store_suspicious_access_total{kind="failed_login",principal="mallory"}',
      ];
      const text = await waitFor('three suspicious-access series', 30_000, async () => {
        const t = await gauges();
        return series.every((x) => sample(t, x) !== undefined) ? t : undefined;
      });
      // Exactly one each: the stranger's read before the watcher started is not among them.
      for (const x of series) assert.equal(sample(text, x), 1, text);
      // Two more runs of the watcher (its last-run timestamp moves twice): nothing else appears (support,
      // the writer, the watcher's own audit reads).
      const lastRun = async () => sample(await gauges(), 'filament_store_verify_last_run_timestamp_seconds');
      const runs = new Set([await lastRun()]);
      await waitFor('two more runs of the watcher', 30_000, async () => {
        runs.add(await lastRun());
        return runs.size >= 3 ? true : undefined;
      });
      const later = (await gauges()).split('\n').filter((l) => l.startsWith('filament_store_suspicious_access_total{'));
      assert.deepEqual(later.sort(), [
        'filament_store_suspicious_access_total{kind="failed_login",principal="mallory"} 1',
        'filament_store_suspicious_access_total{kind="read_by_other",principal="auditor"} 1',
        'filament_store_suspicious_access_total{kind="refused_read",principal="stranger"} 1',
      ]);
      const last = sample(text, 'filament_store_suspicious_access_last_timestamp_seconds{kind="read_by_other",principal="auditor"}') ?? 0;
      assert.ok(Math.abs(Date.now() / 1000 - last) < 60, text);
      assert.match(w.output(), /^ {2}suspicious {3}read_by_other by auditor at \S+ indices:data\/read\/search on logs-filament\.\*$/m);
      assert.match(w.output(), /^ {2}suspicious {3}refused_read by stranger at \S+ indices:data\/read\/search on logs-filament\.\*$/m);
    });
  });

  describe("the writer's writes that are not creates (OpenSearch cannot refuse them: audited and flagged)", () => {
    let w: RunningWatch;
    before(async () => {
      w = await startWatch(node, ['--interval', '2s', '--listen', `127.0.0.1:${await freePort()}`], secure);
    });
    after(async () => {
      await w?.stop();
    });

    it('an overwrite through the backing index (bulk index, if_seq_no) and a put-mapping, each as filament_writer, are counted naming the writer; its creates are not', async () => {
      const doc = { '@timestamp': new Date().toISOString(), attributes: { 'event.name': 'watch.writer' }, body: 'stored once' };
      const created = await asUser(node, WRITER, 'POST', '/_bulk?refresh=true', `${JSON.stringify({ create: { _index: 'logs-filament.api-default' } })}\n${JSON.stringify(doc)}\n`, 'application/x-ndjson');
      assert.equal(created.body.errors, false, JSON.stringify(created.body));
      const item = created.body.items[0].create as { _index: string; _id: string; _seq_no: number; _primary_term: number };
      // What issue 21 measured: the backing index takes an `index` op with the document's seq_no — an overwrite.
      const overwrite = await asUser(node, WRITER, 'POST', '/_bulk?refresh=true',
        `${JSON.stringify({ index: { _index: item._index, _id: item._id, if_seq_no: item._seq_no, if_primary_term: item._primary_term } })}\n${JSON.stringify({ ...doc, body: 'TAMPERED' })}\n`, 'application/x-ndjson');
      assert.equal(overwrite.body.items[0].index.result, 'updated', JSON.stringify(overwrite.body));
      // A harmless explicit mapping change (dynamic: strict would break the other specs on the shared node).
      const mapping = await asUser(node, WRITER, 'PUT', '/logs-filament.api-default/_mapping', { properties: { attributes: { properties: { watch_writer_marker: { type: 'keyword' } } } } });
      assert.equal(mapping.status, 200, JSON.stringify(mapping.body));

      const series = [
        'filament_store_suspicious_access_total{kind="writer_overwrite",principal="filament_writer"}',
        'filament_store_suspicious_access_total{kind="writer_mapping_change",principal="filament_writer"}',
      ];
      const text = await waitFor("the writer's two series", 30_000, async () => {
        const t = (await get(w.url, certs.ca, `Bearer ${METRICS_TOKEN}`)).text;
        return series.every((x) => sample(t, x) !== undefined) ? t : undefined;
      });
      for (const x of series) assert.equal(sample(text, x), 1, text);
      assert.match(w.output(), new RegExp(`^ {2}suspicious {3}writer_overwrite by filament_writer at \\S+ document update ${item._id} on ${item._index.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(w.output(), /^ {2}suspicious {3}writer_mapping_change by filament_writer at \S+ indices:admin\/mapping\/put$/m);
      // The create (compliance CREATE, the bulk request's own record) is no kind of suspicious access.
      assert.doesNotMatch(text, /kind="[a-z_]+",principal="filament_writer"\} [^1]/);
      assert.equal(text.split('\n').filter((l) => l.startsWith('filament_store_suspicious_access_total{') && l.includes('filament_writer')).length, 2, text);
    });
  });

  describe('over TLS with basic auth or a bearer token', () => {
    let w: RunningWatch;
    before(async () => {
      w = await startWatch(node, ['--interval', '2s', '--listen', `127.0.0.1:${await freePort()}`], secure);
    });
    after(async () => {
      await w?.stop();
      assert.doesNotMatch(w.output(), new RegExp(`${METRICS_PASSWORD}|${METRICS_TOKEN}|${node.admin.password.replace(/[^A-Za-z0-9]/g, '.')}`), 'a secret in the output');
    });

    it('refuses no credentials, a wrong password, a wrong token, a wrong user (401)', async () => {
      assert.match(w.url, /^https:\/\/127\.0\.0\.1:\d+\/metrics$/);
      for (const authorization of [undefined, basic(METRICS_USER, 'wrong-password-0123456789'), basic('other', METRICS_PASSWORD), `Bearer ${METRICS_TOKEN}x`, basic(METRICS_USER, '')]) {
        const res = await get(w.url, certs.ca, authorization);
        assert.equal(res.status, 401, `accepted ${authorization}`);
        assert.doesNotMatch(res.text, /filament_store/);
      }
    });

    it('plain HTTP to the TLS listener gets no metrics', async () => {
      const res = await fetch(w.url.replace('https:', 'http:')).then((r) => r.text(), (e: unknown) => String(e));
      assert.doesNotMatch(res, /filament_store/);
    });

    it('serves the gauges of a clean cluster: every invariant 0, up 1, a recent last run', async () => {
      // Before its first run ends the watcher has no verify samples (not a false "down" or "holds").
      await waitFor('the first run', 30_000, async () => (sample((await get(w.url, certs.ca, `Bearer ${METRICS_TOKEN}`)).text, 'filament_store_verify_up') !== undefined ? true : undefined));
      for (const authorization of [basic(METRICS_USER, METRICS_PASSWORD), `Bearer ${METRICS_TOKEN}`]) {
        const res = await get(w.url, certs.ca, authorization);
        assert.equal(res.status, 200);
        for (const i of ['a', 'b', 'c', 'd', 'e']) assert.equal(sample(res.text, `filament_store_policy_violations{invariant="${i}"}`), 0, res.text);
        assert.equal(sample(res.text, 'filament_store_verify_up'), 1, w.output());
        const last = sample(res.text, 'filament_store_verify_last_run_timestamp_seconds') ?? 0;
        assert.ok(Date.now() / 1000 - last < 30, res.text);
      }
    });

    it('support mapped into all_access through the REST API: (b) and (d) go up within a few intervals, back to 0 when undone', async () => {
      const gauges = async () => (await get(w.url, certs.ca, basic(METRICS_USER, METRICS_PASSWORD))).text;
      ok(await admin('PATCH', '/rolesmapping/all_access', [{ op: 'add', path: '/users', value: ['support'] }]));
      try {
        const text = await waitFor('the (b) gauge to go up', 30_000, async () => {
          const t = await gauges();
          return (sample(t, 'filament_store_policy_violations{invariant="b"}') ?? 0) > 0 ? t : undefined;
        });
        assert.ok((sample(text, 'filament_store_policy_violations{invariant="d"}') ?? 0) > 0, text);
        assert.equal(sample(text, 'filament_store_policy_violations{invariant="c"}'), 0, text);
        assert.match(w.output(), /violation {4}\(b\) audit index: user support reads and changes .* — role all_access via role mapping all_access \(users: support\)/);
      } finally {
        ok(await admin('PATCH', '/rolesmapping/all_access', [{ op: 'replace', path: '/users', value: [] }]));
      }
      await waitFor('the gauges to return to 0', 30_000, async () => {
        const t = await gauges();
        return ['a', 'b', 'c', 'd'].every((i) => sample(t, `filament_store_policy_violations{invariant="${i}"}`) === 0) ? true : undefined;
      });
    });
  });
});
