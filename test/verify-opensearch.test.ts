/**
 * `filament verify --engine opensearch` and the verify at the end of `filament setup`, against a
 * real OpenSearch 2.19.1 with the security plugin (scripts/opensearch.sh; one node for the file,
 * shared with other OpenSearch specs of the same run). Each drift of issue 21 items 1–2 is made as
 * the admin through the security plugin's REST API, exactly as an operator would; verify must name
 * the principal, the access and what grants it, exit 3, and setup must stop saying "no changes".
 * Each case undoes its drift and proves the cluster verifies clean again.
 */
import assert from 'node:assert/strict';
import { asUser, startOpenSearch, type RunningOpenSearch, filamentCli, WRITER, type CliResult } from './support/opensearch';

const READALL = { username: 'auditor', password: 'Reads-Everything-5z!' };
const SECURITY_API = '/_plugins/_security/api';

const cli = filamentCli;

const verify = (node: RunningOpenSearch, args: string[] = ['--skip', 'retention'], env?: Record<string, string>) => cli(node, 'verify', args, env);
const setup = (node: RunningOpenSearch) => cli(node, 'setup', ['--skip', 'retention']);

function violations(r: CliResult): string[] {
  return r.stdout.split('\n').filter((l) => l.startsWith('  violation    '));
}

describe('filament verify --engine opensearch (real OpenSearch 2.19.1 with the security plugin)', function () {
  this.timeout(10 * 60 * 1000); // a fresh machine downloads OpenSearch from Maven Central first
  let node: RunningOpenSearch;
  const admin = (method: string, p: string, body?: unknown) => asUser(node, node.admin, method, `${SECURITY_API}${p}`, body);

  before(async () => {
    node = await startOpenSearch();
    const first = await setup(node);
    assert.ok(first.code === 0, first.stderr + first.stdout);
    // A stored document, so that "reads" below means reading a Filament log, not an empty pattern.
    // As the opensearch exporter writes it (SS4O; docs/collector.md, "OpenSearch").
    const doc = { '@timestamp': new Date().toISOString(), attributes: { 'event.name': 'api.error' }, severity: { text: 'ERROR', number: 17 }, body: 'pricing backend unavailable' };
    const write = await asUser(node, WRITER, 'POST', '/_bulk?refresh=true', `${JSON.stringify({ create: { _index: 'logs-filament.api-default' } })}\n${JSON.stringify(doc)}\n`, 'application/x-ndjson');
    assert.equal(write.status, 200, JSON.stringify(write.body));
    assert.equal(write.body.errors, false, JSON.stringify(write.body));
  });

  it('a clean set-up cluster verifies (exit 0), and setup says "no changes" after its own verify', async () => {
    const r = await verify(node);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(violations(r), []);
    assert.match(r.stdout, /^ {2}admins {7}admin \(accepted/m);
    assert.match(r.stdout, /^ {2}not checked {2}\(e\) retention \(--skip retention\): nothing deletes Filament's data or the audit indices automatically$/m);
    assert.match(r.stdout, /^verify: the logging ADR's rules hold/m);
    const again = await setup(node);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.match(again.stdout, /^verify: the logging ADR's rules hold/m);
    assert.match(again.stdout, /^no changes: everything was already in place$/m);
    // …and with --skip retention it does not end there: the last line says nothing is deleted.
    assert.equal(again.stdout.trim().split('\n').at(-1), "retention skipped (--skip retention): nothing will ever delete Filament's data or audit records; the ADR's 6-month limit is not enforced");
  });

  /**
   * Make the drift, see verify and setup name it (exit 3; setup's verdict no longer "no changes"),
   * undo it, see the cluster verify clean again.
   */
  async function drifted(make: () => Promise<void>, undo: () => Promise<void>, expected: RegExp[]): Promise<void> {
    await make();
    try {
      const r = await verify(node);
      assert.equal(r.code, 3, r.stderr + r.stdout);
      for (const line of expected) assert.ok(violations(r).some((v) => line.test(v)), `no violation matching ${line} in:\n${r.stdout}`);
      assert.match(r.stdout, /^verify: \d+ violation\(s\): the logging ADR's rules do not hold$/m);
      const s = await setup(node);
      assert.equal(s.code, 3, s.stderr + s.stdout);
      for (const line of expected) assert.ok(violations(s).some((v) => line.test(v)), `setup's verify: no violation matching ${line} in:\n${s.stdout}`);
      assert.doesNotMatch(s.stdout, /no changes/);
      assert.match(s.stdout, /^setup changed nothing, but \d+ violation\(s\) remain/m);
    } finally {
      await undo();
    }
    const clean = await verify(node);
    assert.equal(clean.code, 0, `after undoing the drift:\n${clean.stdout}`);
  }

  const ok = (res: { status: number; body: unknown }) => assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));

  it('support given backend role admin (→ all_access): named with the mapping that grants it', async () => {
    await drifted(
      async () => ok(await admin('PATCH', '/internalusers/support', [{ op: 'add', path: '/backend_roles', value: ['admin'] }])),
      async () => ok(await admin('PATCH', '/internalusers/support', [{ op: 'replace', path: '/backend_roles', value: [] }])),
      [
        /^ {2}violation {4}\(b\) audit index: user support reads and changes \(.*delete indices.*\) security-auditlog-\* — role all_access via role mapping all_access \(backend_roles: admin ← backend role admin of user support\)$/,
        /^ {2}violation {4}\(d\) append-only: user support may .*delete data streams.* in Filament's data streams — role all_access via role mapping all_access \(backend_roles: admin ← backend role admin of user support\)$/,
      ],
    );
  });

  it('support mapped into all_access', async () => {
    await drifted(
      async () => ok(await admin('PATCH', '/rolesmapping/all_access', [{ op: 'add', path: '/users', value: ['support'] }])),
      async () => ok(await admin('PATCH', '/rolesmapping/all_access', [{ op: 'replace', path: '/users', value: [] }])),
      [
        /^ {2}violation {4}\(b\) audit index: user support reads and changes .* — role all_access via role mapping all_access \(users: support\)$/,
        /^ {2}violation {4}\(d\) append-only: user support may .* — role all_access via role mapping all_access \(users: support\)$/,
      ],
    );
  });

  describe('the audit configuration', () => {
    let saved: unknown;
    const patchAudit = async (key: 'ignore_users' | 'ignore_requests', add: string) => {
      const current = (await admin('GET', '/audit')).body.config;
      saved = structuredClone(current);
      current.audit[key] = [...(current.audit[key] ?? []), add];
      ok(await admin('PUT', '/audit/config', current));
    };
    const restore = async () => ok(await admin('PUT', '/audit/config', saved));

    it('support added to ignore_users: its reads are named as unaudited', async () => {
      await drifted(() => patchAudit('ignore_users', 'support'), restore, [
        /^ {2}violation {4}\(c\) audit: user support's reads of logs-filament\.\*, traces-filament\.\*, metrics-filament\.\* are not recorded — audit ignore_users: support$/,
      ]);
    });

    it('ignore_requests SearchRequest: everyone\'s searches are named as unaudited', async () => {
      await drifted(() => patchAudit('ignore_requests', 'SearchRequest'), restore, [
        /^ {2}violation {4}\(c\) audit: everyone's reads \(SearchRequest\) are not recorded — audit ignore_requests: SearchRequest$/,
      ]);
    });
  });

  it("the writer's writes unaudited (an earlier setup's ignore_users, no compliance write history): named as (d); setup restores both", async () => {
    const saved = (await admin('GET', '/audit')).body.config;
    const drifted = structuredClone(saved);
    drifted.audit.ignore_users = [...drifted.audit.ignore_users, 'filament_writer'];
    drifted.compliance.write_watched_indices = [];
    ok(await admin('PUT', '/audit/config', drifted));
    try {
      const r = await verify(node);
      assert.equal(r.code, 3, r.stderr + r.stdout);
      assert.deepEqual(violations(r).filter((v) => v.includes('(d) writer audit')), [
        "  violation    (d) writer audit: user filament_writer's refused requests, mapping and settings changes are not recorded — audit ignore_users: filament_writer",
        '  violation    (d) writer audit: overwrites of stored documents in .ds-logs-filament.*, .ds-traces-filament.*, .ds-metrics-filament.* are not recorded — audit compliance write_watched_indices: (none)',
      ]);
      const s = await setup(node);
      assert.equal(s.code, 0, s.stderr + s.stdout);
      assert.match(s.stdout, /^ {2}updated {6}audit configuration/m);
      const after = (await admin('GET', '/audit')).body.config;
      assert.ok(!after.audit.ignore_users.includes('filament_writer'), JSON.stringify(after.audit));
      assert.deepEqual(after.compliance.write_watched_indices, ['.ds-logs-filament.*', '.ds-metrics-filament.*', '.ds-traces-filament.*']);
      assert.equal(after.compliance.write_metadata_only, true);
    } finally {
      ok(await admin('PUT', '/audit/config', saved));
    }
  });

  it('a user stranger added to the support role mapping', async () => {
    await drifted(
      async () => ok(await admin('PATCH', '/rolesmapping/support', [{ op: 'replace', path: '/users', value: ['support', 'stranger'] }])),
      async () => ok(await admin('PATCH', '/rolesmapping/support', [{ op: 'replace', path: '/users', value: ['support'] }])),
      [/^ {2}violation {4}\(a\) support mapping: user stranger is mapped to role support — role mapping support \(users: stranger\)$/],
    );
  });

  it('setup --dry-run on a drifted cluster: verify says it read the cluster as it is now; exit 3, no "no changes"', async () => {
    ok(await admin('PATCH', '/rolesmapping/support', [{ op: 'replace', path: '/users', value: ['support', 'stranger'] }]));
    try {
      const dry = await cli(node, 'setup', ['--skip', 'retention', '--dry-run']);
      assert.equal(dry.code, 3, dry.stderr + dry.stdout);
      assert.match(dry.stdout, /^filament verify \(the cluster as it is now, before the changes above\):$/m);
      assert.ok(violations(dry).some((v) => v.includes('user stranger is mapped to role support')), dry.stdout);
      assert.doesNotMatch(dry.stdout, /no changes/);
    } finally {
      ok(await admin('PATCH', '/rolesmapping/support', [{ op: 'replace', path: '/users', value: ['support'] }]));
    }
  });

  it('a user with backend role readall (built-in readall role) really reads logs and the audit index: both named', async () => {
    await drifted(
      async () => {
        ok(await admin('PUT', `/internalusers/${READALL.username}`, { password: READALL.password, backend_roles: ['readall'] }));
        // What verify claims is what the engine does: this user reads a stored log and the audit trail.
        const logs = await asUser(node, READALL, 'POST', '/logs-filament.*/_search', { query: { match: { body: 'pricing' } } });
        assert.equal(logs.status, 200, JSON.stringify(logs.body));
        assert.equal(logs.body.hits.total.value, 1);
        const audit = await asUser(node, READALL, 'POST', '/security-auditlog-*/_search', { size: 1 });
        assert.equal(audit.status, 200, JSON.stringify(audit.body));
      },
      async () => ok(await admin('DELETE', `/internalusers/${READALL.username}`)),
      [
        /^ {2}violation {4}\(a\) readers: user auditor reads logs-filament\.\*, traces-filament\.\*, metrics-filament\.\* — role readall via role mapping readall \(backend_roles: readall ← backend role readall of user auditor\)$/,
        /^ {2}violation {4}\(b\) audit index: user auditor reads security-auditlog-\* — role readall via role mapping readall \(backend_roles: readall ← backend role readall of user auditor\)$/,
      ],
    );
  });

  it('retention not skipped on an OpenSearch without ISM: said plainly, exit 3', async () => {
    const r = await verify(node, []);
    assert.equal(r.code, 3, r.stdout);
    assert.ok(violations(r).includes("  violation    (e) retention: nothing deletes Filament's data — no Index State Management plugin (opensearch-index-management); install it, or accept it with --skip retention"), r.stdout);
  });

  it('--admins accepts another administrator by name; without it that user is named', async () => {
    const other = { username: 'ops_admin', password: 'Second-Admin-3w!' };
    ok(await admin('PUT', `/internalusers/${other.username}`, { password: other.password, backend_roles: ['admin'] }));
    try {
      const named = await verify(node);
      assert.equal(named.code, 3, named.stdout);
      assert.ok(violations(named).some((v) => v.startsWith('  violation    (a) readers: user ops_admin reads logs-filament.*')), named.stdout);
      const accepted = await verify(node, ['--skip', 'retention', '--admins', other.username]);
      assert.equal(accepted.code, 0, accepted.stdout);
      assert.match(accepted.stdout, /^ {2}admins {7}admin, ops_admin /m);
    } finally {
      ok(await admin('DELETE', `/internalusers/${other.username}`));
    }
  });

  it('the HTTPS engine without its CA, and plain http:// to its TLS port: one line naming the fix, exit 1', async () => {
    const untrusted = await verify(node, ['--skip', 'retention'], { FILAMENT_SETUP_CA_CERT: '' });
    assert.equal(untrusted.code, 1, untrusted.stdout);
    assert.match(untrusted.stderr.trim(), new RegExp(`^filament verify: cannot verify the TLS certificate of ${node.url.replace(/[.]/g, '\\.')} \\(unable to verify the first certificate[^)\n]*\\): pass the CA that signed it with --ca-cert FILE \\(FILAMENT_SETUP_CA_CERT\\)$`));
    const plain = await verify({ ...node, url: node.url.replace(/^https:/, 'http:') });
    assert.equal(plain.code, 1, plain.stdout);
    assert.match(plain.stderr.trim(), /^filament verify: cannot reach http:\/\/127\.0\.0\.1:\d+ \(socket hang up\): no HTTP answer; if it serves HTTPS, use an https:\/\/ --url$/);
    for (const r of [untrusted, plain]) assert.ok(!(r.stdout + r.stderr).includes(node.admin.password), 'the password was printed');
  });

  it('wrong credentials: one line, exit 1', async () => {
    const r = await verify(node, ['--skip', 'retention'], { FILAMENT_SETUP_PASSWORD: 'not-the-password' });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stderr.trim(), `filament verify: authentication failed for user "admin" at ${node.url}: wrong user name or password`);
  });
});
