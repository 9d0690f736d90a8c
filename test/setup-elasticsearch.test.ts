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

describe('filament setup --engine elasticsearch: refusals before the first write (stand-in Elasticsearch)', () => {
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
});
