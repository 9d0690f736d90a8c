/**
 * `filament setup --engine elasticsearch` refusals that need no real Elasticsearch to show: a
 * licence without audit and security switched off. Elasticsearch cannot run here (no Maven
 * artifact, no Docker), so a stand-in answers the few read-only calls setup makes before its first
 * write, with the product header the official client insists on. The stand-in records every
 * request: the point is that setup refuses with one line and writes nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ROOT } from './support/fixture';

const CLI = path.join(ROOT, 'dist', 'cli.js');

interface StandIn { url: string; requests: string[]; close(): void }

async function elasticsearchStandIn(licence: string, security: boolean): Promise<StandIn> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = `${req.method} ${(req.url ?? '').split('?')[0]}`;
      requests.push(route);
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-elastic-product', 'Elasticsearch');
      const send = (status: number, body: unknown) => { res.statusCode = status; res.end(JSON.stringify(body)); };
      if (route === 'GET /') return send(200, { name: 'es', cluster_name: 'es', version: { number: '8.19.0', build_flavor: 'default' }, tagline: 'You Know, for Search' });
      if (route === 'GET /_security/_authenticate') {
        if (!security) {
          const reason = 'Security must be explicitly enabled when using a [basic] license. Enable security by setting [xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.';
          return send(500, { error: { root_cause: [{ type: 'security_exception', reason }], type: 'security_exception', reason }, status: 500 });
        }
        return send(200, { username: 'elastic', roles: ['superuser'], enabled: true });
      }
      if (route === 'POST /_security/user/_has_privileges' || route === 'GET /_security/user/_has_privileges') {
        const asked = (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { cluster?: string[] }).cluster ?? [];
        return send(200, { username: 'elastic', has_all_requested: true, cluster: Object.fromEntries(asked.map((p) => [p, true])), index: {}, application: {} });
      }
      if (route === 'GET /_license') return send(200, { license: { status: 'active', uid: 'x', type: licence, issue_date: '2026-01-01T00:00:00.000Z', issue_date_in_millis: 0, max_nodes: 1000, issued_to: 'es', issuer: 'elasticsearch', start_date_in_millis: -1 } });
      return send(404, { error: { type: 'resource_not_found_exception', reason: `stand-in has no ${route}` }, status: 404 });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() };
}

function setup(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'setup', '--engine', 'elasticsearch', '--url', url, ...args], {
      env: { PATH: process.env.PATH, FILAMENT_SETUP_USERNAME: 'elastic', FILAMENT_SETUP_PASSWORD: 'changeme-1', FILAMENT_WRITER_PASSWORD: 'w-pass-1234', FILAMENT_SUPPORT_PASSWORD: 's-pass-1234' },
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

describe('filament setup --engine elasticsearch (stand-in Elasticsearch: none can run here)', () => {
  it('a basic licence has no audit logging: one line naming the licence and what it lacks, exit 1, nothing written', async () => {
    const es = await elasticsearchStandIn('basic', true);
    try {
      const r = await setup(es.url, []);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(r.stderr.trim(), 'filament setup: Elasticsearch licence "basic" has no audit logging (needs Gold, Platinum, Enterprise or a trial): the access audit cannot be provisioned; upgrade, or --skip audit to run without it');
      assert.doesNotMatch(r.stdout, /created|updated/);
      assert.deepEqual(es.requests.filter((q) => q.startsWith('PUT') || q.startsWith('DELETE')), []);
      assert.ok(es.requests.includes('GET /_license'));
    } finally {
      es.close();
    }
  });

  it('security switched off: one line naming xpack.security.enabled, exit 1', async () => {
    const es = await elasticsearchStandIn('basic', false);
    try {
      const r = await setup(es.url, []);
      assert.equal(r.code, 1);
      assert.match(r.stderr.trim(), /^filament setup: Elasticsearch at http:\/\/127\.0\.0\.1:\d+ has security disabled \(xpack\.security\.enabled: false\): roles, users and the audit trail cannot be provisioned; enable it, or --skip security,audit$/);
      assert.deepEqual(es.requests.filter((q) => q.startsWith('PUT')), []);
    } finally {
      es.close();
    }
  });

  it('provisions ILM, @custom templates (keeping what was there), roles, users and audit settings; a second run changes nothing (stateful stand-in)', async () => {
    // What this proves: the provisioner's calls, bodies and idempotency against responses shaped as
    // the client's types describe them. What it cannot: that a real Elasticsearch accepts them.
    const store = new Map<string, any>();
    const passwords = new Map<string, string>([['elastic', 'changeme-1']]);
    const writes: string[] = [];
    // A logs@custom the cluster owner already had: setup must keep it.
    store.set('ct:logs@custom', { template: { settings: { index: { codec: 'best_compression' } }, mappings: { dynamic_templates: [{ owners_template: { path_match: 'labels.*', mapping: { type: 'keyword' } } }] } } });
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const pathname = (req.url ?? '').split('?')[0] as string;
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
        const [user, pass] = Buffer.from((req.headers.authorization ?? '').replace('Basic ', ''), 'base64').toString().split(':');
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-elastic-product', 'Elasticsearch');
        const send = (status: number, b: unknown) => { res.statusCode = status; res.end(JSON.stringify(b)); };
        const notFound = () => send(404, { error: { type: 'resource_not_found_exception', reason: 'not found' }, status: 404 });
        if (passwords.get(user as string) !== pass) return send(401, { error: { type: 'security_exception', reason: 'unable to authenticate user' }, status: 401 });
        if (req.method !== 'GET' && !pathname.endsWith('_has_privileges')) writes.push(`${req.method} ${pathname}`);
        let m: RegExpExecArray | null;
        if (pathname === '/') return send(200, { name: 'es', cluster_name: 'es', version: { number: '8.19.0', build_flavor: 'default' }, tagline: 'You Know, for Search' });
        if (pathname === '/_security/_authenticate') return send(200, { username: user, roles: [], enabled: true });
        if (pathname === '/_security/user/_has_privileges') return send(200, { username: user, has_all_requested: true, cluster: Object.fromEntries((body?.cluster ?? []).map((p: string) => [p, true])), index: {}, application: {} });
        if (pathname === '/_license') return send(200, { license: { status: 'active', uid: 'x', type: 'platinum', issue_date: '2026-01-01T00:00:00.000Z', issue_date_in_millis: 0, max_nodes: 10, issued_to: 'es', issuer: 'elasticsearch', start_date_in_millis: -1 } });
        if (pathname === '/_nodes/settings') return send(200, { nodes: { n1: { settings: { xpack: { security: { audit: { enabled: 'true' } } } } } } });
        if ((m = /^\/_ilm\/policy\/(.+)$/.exec(pathname))) {
          if (req.method === 'PUT') { store.set(`ilm:${m[1]}`, body.policy); return send(200, { acknowledged: true }); }
          const p = store.get(`ilm:${m[1]}`);
          return p ? send(200, { [m[1] as string]: { version: 1, modified_date: '2026-11-27T00:00:00Z', policy: p } }) : notFound();
        }
        if ((m = /^\/_component_template\/(.+)$/.exec(pathname))) {
          const name = decodeURIComponent(m[1] as string);
          if (req.method === 'PUT') { store.set(`ct:${name}`, body); return send(200, { acknowledged: true }); }
          const t = store.get(`ct:${name}`);
          return t ? send(200, { component_templates: [{ name, component_template: t }] }) : notFound();
        }
        if ((m = /^\/_security\/role\/(.+)$/.exec(pathname))) {
          if (req.method === 'PUT') { store.set(`role:${m[1]}`, { ...body, metadata: {}, transient_metadata: { enabled: true } }); return send(200, { role: { created: true } }); }
          const r = store.get(`role:${m[1]}`);
          return r ? send(200, { [m[1] as string]: r }) : send(404, {});
        }
        if ((m = /^\/_security\/user\/(.+)$/.exec(pathname))) {
          const name = m[1] as string;
          if (req.method === 'PUT') { passwords.set(name, body.password); store.set(`user:${name}`, { username: name, roles: body.roles, full_name: body.full_name, email: null, metadata: {}, enabled: true }); return send(200, { created: true }); }
          const u = store.get(`user:${name}`);
          return u ? send(200, { [name]: u }) : send(404, {});
        }
        if (pathname === '/_cluster/settings') {
          if (req.method === 'PUT') { store.set('settings', { ...store.get('settings'), ...body.persistent }); return send(200, { acknowledged: true, persistent: body.persistent, transient: {} }); }
          return send(200, { persistent: store.get('settings') ?? {}, transient: {} });
        }
        // The list reads of the verify that ends every setup run (src/verify/elasticsearch-state.ts).
        const stored = (prefix: string) => Object.fromEntries([...store].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
        if (req.method === 'GET' && pathname === '/_security/user') return send(200, stored('user:'));
        if (req.method === 'GET' && pathname === '/_security/role') return send(200, stored('role:'));
        if (req.method === 'GET' && pathname === '/_security/role_mapping') return send(200, {});
        if (req.method === 'GET' && pathname === '/_security/api_key') return send(200, { api_keys: [] });
        return send(400, { error: { type: 'illegal_argument_exception', reason: `stand-in has no ${req.method} ${pathname}` }, status: 400 });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const first = await setup(url, []);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      for (const line of ['created      ILM policy filament-retention (delete after 180 days)', 'updated      component template logs@custom', 'created      component template traces@custom',
        'created      role support', 'created      role filament_writer', 'created      user support', 'created      user filament_writer', 'updated      audit settings']) {
        assert.ok(first.stdout.includes(line), `missing "${line}" in\n${first.stdout}`);
      }
      assert.match(first.stdout, /warning {6}Elasticsearch audit records go to each node's <cluster>_audit\.json log file \(Gold licence or higher\)/);
      assert.equal(store.get('ilm:filament-retention').phases.delete.min_age, '179d');
      const logsCustom = store.get('ct:logs@custom').template;
      assert.equal(logsCustom.settings.index.codec, 'best_compression');
      assert.equal(logsCustom.settings.index.lifecycle.name, 'filament-retention');
      assert.ok('owners_template' in logsCustom.mappings.dynamic_templates[0]);
      assert.ok(logsCustom.mappings.dynamic_templates.some((t: object) => 'filament_model3d_cost' in t));
      assert.deepEqual(store.get('user:filament_writer').roles, ['filament_writer']);
      const writesBefore = writes.length;
      const second = await setup(url, []);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /^no changes: everything was already in place$/m);
      assert.equal(writes.length, writesBefore, `second run wrote: ${writes.slice(writesBefore).join(', ')}`);
      // The verify at the end of setup: a reader besides support (the built-in viewer role) is named,
      // exit 3, and the verdict is not "no changes".
      store.set('role:viewer', { cluster: [], indices: [{ names: ['/~(([.]|ilm-history-).*)/'], privileges: ['read', 'view_index_metadata'] }], applications: [], metadata: { _reserved: true } });
      store.set('user:analyst', { username: 'analyst', roles: ['viewer'], full_name: null, email: null, metadata: {}, enabled: true });
      const drifted = await setup(url, []);
      assert.equal(drifted.code, 3, drifted.stderr + drifted.stdout);
      assert.match(drifted.stdout, /^ {2}violation {4}\(a\) readers: user analyst reads logs-filament\.\*, traces-filament\.\*, metrics-filament\.\* — role viewer via roles of user analyst$/m);
      assert.doesNotMatch(drifted.stdout, /no changes/);
      assert.match(drifted.stdout, /^setup changed nothing, but 1 violation\(s\) remain/m);
    } finally {
      server.close();
    }
  });
});
