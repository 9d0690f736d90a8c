/**
 * `filament verify --engine elasticsearch` against a stand-in (no Elasticsearch can run here, as
 * test/setup-elasticsearch.test.ts explains): the stand-in answers the read-only calls verify makes,
 * with the product header the official client requires, and bodies shaped as the client's types
 * describe them. The clean state is what `filament setup` writes plus Elasticsearch's built-ins
 * that matter (superuser, viewer, kibana_system); each drift of issue 21 on this engine — a viewer,
 * a role mapping to support, an API key's role descriptors, run_as, an audit ignore filter, an
 * excluded event, a writer allowed to overwrite, retention detached — must be named, exit 3.
 * It proves verify's reading and decisions, not what a real Elasticsearch returns.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './support/collector';
import { ROOT } from './support/fixture';
import { waitFor } from '../scripts/lib/procs.cjs';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const PATTERNS = ['logs-filament.*', 'traces-filament.*', 'metrics-filament.*'];

interface State {
  users: Record<string, { username: string; roles: string[]; enabled: boolean; metadata: object }>;
  roles: Record<string, object>;
  mappings: Record<string, object>;
  apiKeys: object[];
  settings: Record<string, unknown>;
  lifecycle: Record<string, string | undefined>;
}

const user = (username: string, roles: string[]) => ({ username, roles, enabled: true, metadata: {} });

function cleanState(): State {
  return {
    users: {
      elastic: user('elastic', ['superuser']),
      kibana_system: user('kibana_system', ['kibana_system']),
      support: user('support', ['support']),
      filament_writer: user('filament_writer', ['filament_writer']),
    },
    roles: {
      superuser: { cluster: ['all'], indices: [{ names: ['*'], privileges: ['all'], allow_restricted_indices: true }], run_as: ['*'], applications: [], metadata: { _reserved: true } },
      viewer: { cluster: [], indices: [{ names: ['/~(([.]|ilm-history-).*)/'], privileges: ['read', 'view_index_metadata'] }], applications: [], metadata: { _reserved: true } },
      kibana_system: { cluster: ['monitor', 'manage_index_templates', 'manage_ilm'], indices: [{ names: ['.kibana*', '.reporting-*'], privileges: ['all'] }], applications: [], metadata: { _reserved: true } },
      support: { cluster: [], indices: [{ names: PATTERNS, privileges: ['read', 'view_index_metadata'] }], applications: [], metadata: {} },
      filament_writer: { cluster: ['monitor'], indices: [{ names: PATTERNS, privileges: ['auto_configure', 'create_doc'] }], applications: [], metadata: {} },
    },
    mappings: {},
    apiKeys: [],
    settings: {
      'xpack.security.audit.logfile.events.include': ['access_denied', 'access_granted', 'anonymous_access_denied', 'authentication_failed', 'connection_denied', 'run_as_denied', 'run_as_granted', 'security_config_change', 'tampered_request'],
      'xpack.security.audit.logfile.events.emit_request_body': 'true',
      'xpack.security.audit.logfile.events.ignore_filters.filament_writer.users': ['filament_writer'],
    },
    lifecycle: { 'logs@custom': 'filament-retention', 'traces@custom': 'filament-retention', 'metrics@custom': 'filament-retention' },
  };
}

async function standIn(state: State): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const pathname = (req.url ?? '').split('?')[0] as string;
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-elastic-product', 'Elasticsearch');
      const send = (status: number, body: unknown) => { res.statusCode = status; res.end(JSON.stringify(body)); };
      if (req.method !== 'GET') return send(405, { error: 'verify must not write' });
      let m: RegExpExecArray | null;
      if (pathname === '/') return send(200, { name: 'es', cluster_name: 'es', version: { number: '8.19.0', build_flavor: 'default' }, tagline: 'You Know, for Search' });
      if (pathname === '/_security/user') return send(200, state.users);
      if (pathname === '/_security/role') return send(200, state.roles);
      if (pathname === '/_security/role_mapping') return send(200, state.mappings);
      if (pathname === '/_security/api_key') return send(200, { api_keys: state.apiKeys });
      if (pathname === '/_cluster/settings') return send(200, { persistent: state.settings, transient: {} });
      if (pathname === '/_license') return send(200, { license: { status: 'active', uid: 'x', type: 'platinum', issue_date: '2026-01-01T00:00:00.000Z', issue_date_in_millis: 0, max_nodes: 10, issued_to: 'es', issuer: 'elasticsearch', start_date_in_millis: -1 } });
      if (pathname === '/_nodes/settings') return send(200, { nodes: { n1: { settings: { xpack: { security: { audit: { enabled: 'true' } } } } } } });
      if (pathname === '/_ilm/policy/filament-retention') {
        return send(200, { 'filament-retention': { version: 1, modified_date: '2026-11-27T00:00:00Z', policy: { phases: { hot: { min_age: '0ms', actions: { rollover: { max_age: '1d' } } }, delete: { min_age: '179d', actions: { delete: {} } } } } } });
      }
      if ((m = /^\/_component_template\/(.+)$/.exec(pathname))) {
        const name = decodeURIComponent(m[1] as string);
        const policy = state.lifecycle[name];
        return send(200, { component_templates: [{ name, component_template: { template: { settings: policy ? { index: { lifecycle: { name: policy } } } : {} } } }] });
      }
      return send(404, { error: { type: 'resource_not_found_exception', reason: `stand-in has no ${pathname}` }, status: 404 });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

interface CliResult { code: number; stdout: string; stderr: string }

function verify(url: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'verify', '--engine', 'elasticsearch', '--url', url], {
      env: { PATH: process.env.PATH, FILAMENT_SETUP_USERNAME: 'elastic', FILAMENT_SETUP_PASSWORD: 'changeme-1' },
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

const violations = (r: CliResult) => r.stdout.split('\n').filter((l) => l.startsWith('  violation    '));

describe('filament verify --engine elasticsearch (stand-in Elasticsearch: none can run here)', () => {
  let state: State;
  let es: { url: string; close(): void };

  before(async () => {
    state = cleanState();
    es = await standIn(state);
  });
  after(() => es.close());

  it('the state setup leaves, with the built-in roles, verifies (exit 0)', async () => {
    const r = await verify(es.url);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(violations(r), []);
    assert.match(r.stdout, /^verify: the logging ADR's rules hold$/m);
  });

  const cases: Array<[string, (s: State) => void, RegExp]> = [
    ['a user with the built-in viewer role', (s) => { s.users.analyst = user('analyst', ['viewer']); },
      /^ {2}violation {4}\(a\) readers: user analyst reads logs-filament\.\*, traces-filament\.\*, metrics-filament\.\* — role viewer via roles of user analyst$/],
    ['a role mapping giving role support to a directory group', (s) => { s.mappings.helpdesk = { enabled: true, roles: ['support'], rules: { field: { groups: 'cn=helpdesk,dc=example' } }, metadata: {} }; },
      /^ {2}violation {4}\(a\) support role: any user matching role mapping helpdesk \(rules \{"field":\{"groups":"cn=helpdesk,dc=example"\}\}\) holds role support — role mapping helpdesk$/],
    ["an API key's role descriptors reading logs", (s) => { s.apiKeys.push({ id: 'k1', name: 'dashboards', type: 'rest', creation: 0, invalidated: false, username: 'elastic', realm: 'native', metadata: {}, role_descriptors: { reader: { cluster: [], indices: [{ names: ['logs-*'], privileges: ['read'] }] } } }); },
      /^ {2}violation {4}\(a\) readers: API key "dashboards" \(k1\) of user elastic reads logs-filament\.\* — role reader via role_descriptors of API key k1$/],
    ['run_as support', (s) => { s.roles.ops = { cluster: [], indices: [], run_as: ['support'], applications: [], metadata: {} }; s.users.ops_user = user('ops_user', ['ops']); },
      /^ {2}violation {4}\(a\) readers: user ops_user reads logs-filament\.\*, traces-filament\.\*, metrics-filament\.\* as user support — role ops run_as: support via roles of user ops_user$/],
    ['an audit ignore filter for support', (s) => { s.settings['xpack.security.audit.logfile.events.ignore_filters.quiet.users'] = ['support']; },
      /^ {2}violation {4}\(c\) audit: user support's reads of logs-filament\.\*, traces-filament\.\*, metrics-filament\.\* are not recorded — xpack\.security\.audit\.logfile\.events\.ignore_filters\.quiet \(users: support\)$/],
    ['access_granted excluded', (s) => { s.settings['xpack.security.audit.logfile.events.exclude'] = ['access_granted']; },
      /^ {2}violation {4}\(c\) audit: everyone's granted reads are not recorded — xpack\.security\.audit\.logfile\.events\.exclude: access_granted$/],
    ['the writer given index (overwrite)', (s) => { s.roles.filament_writer = { cluster: ['monitor'], indices: [{ names: PATTERNS, privileges: ['auto_configure', 'create_doc', 'index'] }], applications: [], metadata: {} }; },
      /^ {2}violation {4}\(d\) append-only: user filament_writer may index \(overwrite\) documents, update documents, update by query, change mappings in Filament's data streams — role filament_writer via roles of user filament_writer$/],
    ['a non-admin with cluster privilege manage', (s) => { s.roles.platform = { cluster: ['manage'], indices: [], applications: [], metadata: {} }; s.users.platform_user = user('platform_user', ['platform']); },
      /^ {2}violation {4}\(b\) audit settings: user platform_user may rewrite the audit filters \(cluster privilege manage\) — role platform via roles of user platform_user$/],
    ['retention detached from logs@custom', (s) => { s.lifecycle['logs@custom'] = undefined; },
      /^ {2}violation {4}\(e\) retention: new backing indices get no ILM policy — component template logs@custom index\.lifecycle\.name$/],
  ];

  for (const [name, drift, expected] of cases) {
    it(`${name}: named, exit 3; undone: clean again`, async () => {
      const saved = structuredClone(state);
      drift(state);
      try {
        const r = await verify(es.url);
        assert.equal(r.code, 3, r.stderr + r.stdout);
        assert.ok(violations(r).some((v) => expected.test(v)), `no violation matching ${expected} in:\n${r.stdout}`);
      } finally {
        for (const key of Object.keys(state) as Array<keyof State>) (state as unknown as Record<string, unknown>)[key] = saved[key];
      }
      assert.equal((await verify(es.url)).code, 0);
    });
  }
});

describe('filament verify --watch --audit-log (Elasticsearch audit log file, by contract)', () => {
  it("counts refused reads, failed logins and others' reads from appended lines; not support's reads nor the writer's bulk", async function () {
    this.timeout(60_000);
    const es = await standIn(cleanState());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-es-audit-'));
    const file = path.join(dir, 'es_audit.json');
    fs.writeFileSync(file, `${event('access_denied', 'earlier', 'indices:data/read/search', ['logs-filament.*'])}\n`);
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'verify', '--engine', 'elasticsearch', '--url', es.url, '--watch', '--interval', '1s', '--listen', `127.0.0.1:${port}`, '--insecure-loopback-metrics', '--audit-log', file], {
      env: { PATH: process.env.PATH, FILAMENT_SETUP_USERNAME: 'elastic', FILAMENT_SETUP_PASSWORD: 'changeme-1' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    try {
      const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await waitFor('the watcher', 20_000, async () => (/^filament_store_verify_up 1$/m.test(await metrics()) ? true : undefined));
      fs.appendFileSync(file, [
        event('access_denied', 'stranger', 'indices:data/read/search', ['logs-filament.*']),
        event('access_granted', 'support', 'indices:data/read/search', ['logs-filament.api.otel-default']),
        event('access_granted', 'filament_writer', 'indices:data/write/bulk[s]', ['logs-filament.api.otel-default']),
        event('access_granted', 'analyst', 'indices:data/read/search', ['*']),
        event('authentication_failed', 'mallory', undefined, undefined),
        event('access_denied', 'stranger', 'indices:data/read/search', ['payroll']),
        '{"type":"audit", "timestamp":"2026-12-06T12:00:00,000+0000", "event.action":"access_denied", "user.name":"half',
      ].join('\n'));
      const text = await waitFor('the counters', 20_000, async () => {
        const t = await metrics();
        return /principal="mallory"/.test(t) ? t : undefined;
      });
      const counted = text.split('\n').filter((l) => l.startsWith('filament_store_suspicious_access_total{')).sort();
      assert.deepEqual(counted, [
        'filament_store_suspicious_access_total{kind="failed_login",principal="mallory"} 1',
        'filament_store_suspicious_access_total{kind="read_by_other",principal="analyst"} 1',
        'filament_store_suspicious_access_total{kind="refused_read",principal="stranger"} 1',
      ], out);
    } finally {
      child.kill('SIGTERM');
      es.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** One line of <cluster>_audit.json as the Elasticsearch reference's "Elasticsearch audit events" shows it. */
function event(action: string, userName: string, transportAction: string | undefined, indices: string[] | undefined): string {
  return JSON.stringify({
    type: 'audit', timestamp: '2026-12-06T12:30:06,949+0000', 'node.id': 'n1', 'event.type': action === 'authentication_failed' ? 'rest' : 'transport',
    'event.action': action, 'user.name': userName, 'origin.type': 'rest', 'origin.address': '[::1]:52434', 'request.id': 'r1',
    ...(transportAction ? { action: transportAction, 'request.name': 'SearchRequest' } : {}), ...(indices ? { indices } : {}),
  });
}
