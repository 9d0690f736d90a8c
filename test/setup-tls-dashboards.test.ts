/**
 * `filament setup --dashboards-url` (issue 21, item 4; named to run after setup-opensearch.test.ts,
 * whose first run must be the first setup on the shared node) against the real OpenSearch 2.19.1 with the
 * security plugin (scripts/opensearch.sh) and loopback stand-ins for the dashboards
 * (test/support/dashboards.ts; OpenSearch Dashboards cannot run here): a URL that answers but is
 * not OpenSearch Dashboards — the engine's own URL, or another server — is refused with one line
 * before the engine is changed and before the administrator's credentials are sent to it; and the
 * CA given with --ca-cert is used for an HTTPS Dashboards as it is for the engine.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDashboardsStandIn } from './support/dashboards';
import { asUser, filamentCli, startOpenSearch, type CliResult, type RunningOpenSearch } from './support/opensearch';
import { makeCertificates, type TestCertificates } from './support/tls';

const DRIFTED = 'edited by the cluster owner: setup restores this unless it stopped first';

function oneLine(r: CliResult): string {
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  return lines[0] as string;
}

describe('filament setup --dashboards-url: what it is, and its CA (real OpenSearch, stand-in dashboards)', function () {
  this.timeout(10 * 60 * 1000); // a fresh machine downloads OpenSearch first
  let node: RunningOpenSearch;
  let certs: TestCertificates;
  let dir: string;
  /**
   * --ca-cert replaces FILAMENT_SETUP_CA_CERT (the engine's CA, test/support/opensearch.ts): the
   * engine is HTTPS too, so one PEM bundle holds both CAs, as an operator's would.
   */
  let bothCas: string;

  const setup = (args: string[]) => filamentCli(node, 'setup', ['--skip', 'retention', ...args]);
  /** A change setup would undo (the writer role's description), made as admin before a run that must stop first. */
  const drift = async () => {
    const role = (await asUser(node, node.admin, 'GET', '/_plugins/_security/api/roles/filament_writer')).body.filament_writer;
    const { reserved: _r, hidden: _h, static: _s, ...body } = role;
    const res = await asUser(node, node.admin, 'PUT', '/_plugins/_security/api/roles/filament_writer', { ...body, description: DRIFTED });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const stillDrifted = async () => {
    const role = (await asUser(node, node.admin, 'GET', '/_plugins/_security/api/roles/filament_writer')).body.filament_writer;
    assert.equal(role.description, DRIFTED, 'setup changed the engine before refusing the dashboards URL');
  };

  before(async () => {
    node = await startOpenSearch();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-dashboards-'));
    certs = makeCertificates(dir, 'dashboards');
    bothCas = path.join(dir, 'engine-and-dashboards-ca.pem');
    fs.writeFileSync(bothCas, fs.readFileSync(node.caFile as string, 'utf8') + certs.ca);
    const first = await setup([]);
    assert.ok(first.code === 0 || first.code === 3, first.stderr + first.stdout);
  });

  after(async () => {
    await setup([]); // undoes the drift the refused runs kept
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the engine's own URL as --dashboards-url → one line, exit 1, the engine unchanged", async () => {
    await drift();
    const r = await setup(['--dashboards-url', node.url]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(oneLine(r), `filament setup: ${node.url} answers but is not OpenSearch Dashboards (GET /api/status without credentials: HTTP 400, neither its status object nor a login page): check --dashboards-url; nothing was changed`);
    await stillDrifted();
  });

  it('an HTTPS server that is not Dashboards → one line, exit 1, it never saw a credential, the engine unchanged', async () => {
    const other = await startDashboardsStandIn('not-dashboards', certs);
    try {
      await drift();
      const r = await setup(['--dashboards-url', other.url, '--ca-cert', bothCas]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(oneLine(r), /^filament setup: https:\/\/127\.0\.0\.1:\d+ answers but is not OpenSearch Dashboards \(GET \/api\/status without credentials: HTTP 404, neither its status object nor a login page\): check --dashboards-url; nothing was changed$/);
      assert.ok(other.seen.length > 0, 'the stand-in was never asked');
      assert.deepEqual(other.seen.filter((s) => s.auth !== undefined), [], 'credentials were sent to a server that is not Dashboards');
      await stillDrifted();
    } finally {
      await other.close();
    }
  });

  it('HTTPS Dashboards signed by a private CA: without --ca-cert one line naming it (engine unchanged); with it the import goes through', async () => {
    const dashboards = await startDashboardsStandIn('dashboards-with-security', certs);
    try {
      await drift();
      const untrusted = await setup(['--dashboards-url', dashboards.url]);
      assert.equal(untrusted.code, 1, untrusted.stdout + untrusted.stderr);
      assert.match(oneLine(untrusted), /^filament setup: cannot verify the TLS certificate of the dashboards at https:\/\/127\.0\.0\.1:\d+ \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): pass the CA that signed it with --ca-cert FILE \(FILAMENT_SETUP_CA_CERT\)$/);
      await stillDrifted();

      // Recognised by its login page (the security plugin answers /api/status with 401), then used with the CA.
      const r = await setup(['--dashboards-url', dashboards.url, '--ca-cert', bothCas]);
      assert.ok(r.code === 0 || r.code === 3, r.stdout + r.stderr);
      assert.match(r.stdout, /^ {2}created {6}OpenSearch Dashboards saved objects \(8 from dashboards\/opensearch-dashboards\.ndjson\)/m);
      assert.equal(dashboards.stored.size, 8);
      const probes = dashboards.seen.filter((s) => s.url === '/api/status' || s.url === '/app/login');
      assert.ok(probes.length >= 2 && probes.every((s) => s.auth === undefined), JSON.stringify(probes));
    } finally {
      await dashboards.close();
    }
  });
});
