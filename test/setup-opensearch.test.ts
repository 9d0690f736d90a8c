/**
 * `filament setup --engine opensearch` against a real OpenSearch 2.19.1 with the security plugin and
 * its audit log (scripts/opensearch.sh). The CLI runs as a user runs it: `node dist/cli.js setup …`
 * in a child process. Documents are written as the elasticsearch exporter's otel mode shapes them
 * (docs/collector.md). ISM is not on Maven Central, so retention runs with --skip retention here;
 * the retention request bodies are checked by types and contract (test/setup-contract.test.ts).
 * OpenSearch Dashboards cannot run here either: its saved-objects API is a stand-in.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { waitFor } from '../scripts/lib/procs.cjs';
import { freePort } from './support/collector';
import { startDashboardsStandIn } from './support/dashboards';
import { ROOT } from './support/fixture';
import { asUser, startOpenSearch, withOpenSearchWithoutSecurity, type RunningOpenSearch, filamentCli, SUPPORT, WRITER, type CliResult } from './support/opensearch';

const OUTSIDER = { username: 'warehouse', password: 'Outsider-Reads-4k!' };

function setup(node: RunningOpenSearch | { url: string }, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return filamentCli(node, 'setup', args, env);
}

/**
 * A log record as the opensearch exporter writes it (its default mapping mode, the Simple Schema for
 * Observability: encoder.go encodeLogSSO, sso_model.go; docs/collector.md, "OpenSearch"), with the
 * attributes collector/config.yaml and config.opensearch.yaml set: the data stream's and `event.name`.
 */
function ss4oLog(eventName: string, attributes: Record<string, unknown>, service = 'mes-api', severity: [string, number] = ['INFO', 9]) {
  const dataset = eventName.startsWith('api.') ? 'filament.api' : 'filament.mes';
  return {
    attributes: { ...attributes, 'event.name': eventName, 'data_stream.dataset': dataset, 'data_stream.namespace': 'default' },
    body: '',
    instrumentationScope: { name: 'filament-otel', version: '0.1.0' },
    observedTimestamp: new Date().toISOString(),
    '@timestamp': new Date().toISOString().replace('Z', '123456Z'), // Go's RFC 3339 with nanoseconds
    resource: { 'service.name': service, 'telemetry.distro.name': 'filament-otel' },
    severity: { text: severity[0], number: severity[1] },
    spanId: '1d2e3f4a5b6c7d8e',
    traceId: '85a78318be85fd2380ddcd773d86da07',
  };
}

/**
 * A span as the same exporter writes it (encodeTrace, ssoSpan): its `@timestamp` is never set, so Go's
 * zero time (year 1) is what arrives — the traces data streams order by `startTime` instead.
 */
function ss4oSpan(service = 'mes-api') {
  const start = new Date();
  return {
    attributes: { 'http.route': '/v1/models/:modelId/price', 'http.response.status_code': 200, 'data_stream.dataset': 'filament.api', 'data_stream.namespace': 'default' },
    droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0,
    endTime: new Date(start.getTime() + 12).toISOString(),
    instrumentationScope: { droppedAttributesCount: 0, name: '@opentelemetry/instrumentation-http', schemaUrl: '', version: '0.301.2' },
    kind: 'Server', name: 'POST /v1/models/:modelId/price', parentSpanId: '',
    resource: { 'service.name': service },
    spanId: '2e3f4a5b6c7d8e9f', startTime: start.toISOString(),
    status: { code: 'Unset', message: '' },
    '@timestamp': '0001-01-01T00:00:00Z',
    traceId: '85a78318be85fd2380ddcd773d86da07', traceState: '',
  };
}

/** The exporter's bulk: `create` actions into data streams. */
function bulk(docs: Array<[string, unknown]>): string {
  return docs.map(([index, doc]) => `${JSON.stringify({ create: { _index: index } })}\n${JSON.stringify(doc)}\n`).join('');
}

async function auditRecords(node: RunningOpenSearch, query: unknown, attempts = 60): Promise<any[]> {
  // Audit documents are written asynchronously (observed 0.2–0.6 s): poll, never sleep a fixed time.
  return waitFor('audit records', attempts * 250, async () => {
    await asUser(node, node.admin, 'POST', '/security-auditlog-*/_refresh');
    const res = await asUser(node, node.admin, 'POST', '/security-auditlog-*/_search', { size: 20, query, sort: [{ '@timestamp': 'desc' }] });
    return res.status === 200 && res.body.hits.hits.length > 0 ? res.body.hits.hits.map((h: { _source: unknown }) => h._source) : undefined;
  }).catch(() => []);
}

describe('filament setup --engine opensearch (real OpenSearch 2.19.1 with the security plugin)', function () {
  this.timeout(10 * 60 * 1000); // a fresh machine downloads ~100 MB from Maven Central first
  let node: RunningOpenSearch;
  let first: CliResult;

  before(async () => {
    node = await startOpenSearch();
    first = await setup(node, ['--skip', 'retention']);
  });

  it('provisions templates, roles, users and the audit configuration (exit 0)', () => {
    assert.equal(first.code, 0, first.stderr + first.stdout);
    for (const line of [
      'created      component template filament-events@mappings',
      'created      index template filament-logs (logs-filament.*)',
      'created      role support',
      'created      role filament_writer',
      'created      user support',
      'created      user filament_writer',
      'updated      audit configuration',
      'skipped      retention',
    ]) assert.ok(first.stdout.includes(line), `missing "${line}" in:\n${first.stdout}`);
  });

  it('the writer creates the opensearch exporter\'s documents (log records and a span) in the data streams but cannot read them', async () => {
    const docs: Array<[string, unknown]> = [
      // A whole-number cost first: dynamic mapping would make model3d.cost a long and truncate 7.35.
      ['logs-filament.mes-default', ss4oLog('model3d.priced', { 'customer.id': '42', 'model3d.polygon_count': 12, 'model3d.processing_time_ms': 120, 'model3d.cost': 7, 'model3d.currency': 'EUR' })],
      ['logs-filament.mes-default', ss4oLog('model3d.priced', { 'customer.id': '43', 'model3d.polygon_count': 1200, 'model3d.processing_time_ms': 250.5, 'model3d.cost': 7.35, 'model3d.currency': 'EUR' })],
      ['logs-filament.api-default', ss4oLog('api.request', { 'api.request.name': 'POST /v1/models/:modelId/price', 'http.request.method': 'POST', 'http.route': '/v1/models/:modelId/price', 'http.response.status_code': 200, 'api.request.duration_ms': 12 })],
      ['logs-filament.api-default', ss4oLog('api.error', { 'api.request.name': 'POST /v1/models/:modelId/price', 'http.request.method': 'POST', 'http.route': '/v1/models/:modelId/price', 'http.response.status_code': 503, 'error.type': '503', 'error.message': 'pricing backend unavailable' }, 'mes-api', ['ERROR', 17])],
      // A span with the zero @timestamp: refused by a date_nanos timestamp field (before 1970), taken with startTime.
      ['traces-filament.api-default', ss4oSpan()],
    ];
    const write = await asUser(node, WRITER, 'POST', '/_bulk?refresh=true', bulk(docs), 'application/x-ndjson');
    assert.equal(write.status, 200, JSON.stringify(write.body));
    assert.equal(write.body.errors, false, JSON.stringify(write.body.items));
    assert.deepEqual(write.body.items.map((i: { create: { status: number } }) => i.create.status), [201, 201, 201, 201, 201]);

    const read = await asUser(node, WRITER, 'GET', '/logs-filament.*/_search');
    assert.equal(read.status, 403, JSON.stringify(read.body));
    assert.match(JSON.stringify(read.body), /no permissions for \[indices:data\/read\/search\] and User \[name=filament_writer/);
  });

  it('maps the event contract with the intended types', async () => {
    const res = await asUser(node, node.admin, 'GET', '/logs-filament.mes-default/_mapping');
    assert.equal(res.status, 200);
    const mapping = (Object.values(res.body)[0] as { mappings: any }).mappings.properties;
    const attrs = mapping.attributes.properties;
    assert.equal(mapping['@timestamp'].type, 'date_nanos');
    assert.equal(attrs.event.properties.name.type, 'keyword');
    assert.equal(mapping.severity.properties.text.type, 'keyword');
    assert.equal(mapping.traceId.type, 'keyword');
    assert.equal(mapping.resource.properties.service.properties.name.type, 'keyword');
    assert.equal(mapping.body.type, 'text');
    assert.equal(attrs.customer.properties.id.type, 'keyword');
    assert.equal(attrs.model3d.properties.polygon_count.type, 'long');
    assert.equal(attrs.model3d.properties.cost.type, 'double');
    assert.equal(attrs.model3d.properties.processing_time_ms.type, 'double');
    // The 7.35 survived a whole-number first value: a range only a double matches.
    const search = await asUser(node, node.admin, 'POST', '/logs-filament.mes-default/_search', { query: { range: { 'attributes.model3d.cost': { gt: 7.1 } } } });
    assert.equal(search.body.hits.total.value, 1, JSON.stringify(search.body));
    // Spans: ordered by startTime, their zero @timestamp kept as a plain date.
    const spans = await asUser(node, node.admin, 'GET', '/traces-filament.api-default/_mapping');
    const spanMapping = (Object.values(spans.body)[0] as { mappings: any }).mappings;
    assert.equal(spanMapping._data_stream_timestamp?.enabled, true, JSON.stringify(spanMapping));
    assert.equal(spanMapping.properties.startTime.type, 'date_nanos');
    assert.equal(spanMapping.properties['@timestamp'].type, 'date');
    assert.equal(spanMapping.properties.traceId.type, 'keyword');
    const stream = await asUser(node, node.admin, 'GET', '/_data_stream/traces-filament.api-default');
    assert.equal(stream.body.data_streams?.[0]?.timestamp_field?.name, 'startTime', JSON.stringify(stream.body));
    // Why: the zero time the exporter writes is refused by a date_nanos field (its range starts in 1970).
    const probe = '/filament-zero-time-probe';
    assert.equal((await asUser(node, node.admin, 'PUT', probe, { mappings: { properties: { '@timestamp': { type: 'date_nanos' } } } })).status, 200);
    try {
      const zero = await asUser(node, node.admin, 'POST', `${probe}/_doc`, { '@timestamp': '0001-01-01T00:00:00Z' });
      assert.equal(zero.status, 400, JSON.stringify(zero.body));
    } finally {
      await asUser(node, node.admin, 'DELETE', probe);
    }
  });

  it('brings data streams of an older setup to the exporter\'s documents: a logs stream whose body was an object is rolled over, an empty traces stream ordered by @timestamp deleted', async () => {
    const admin = (method: string, p: string, body?: unknown) => asUser(node, node.admin, method, p, body);
    // An upgrade, as it happens: the templates as a setup before the SS4O mappings left them (a body
    // object in filament-logs@mappings; filament-traces ordered by @timestamp), two streams made from
    // them, then this version's setup.
    const traces = (await admin('GET', '/_index_template/filament-traces')).body.index_templates[0].index_template;
    assert.equal((await admin('PUT', '/_component_template/filament-logs@mappings', { template: { mappings: { properties: { body: { properties: { text: { type: 'text' } } } } } } })).status, 200);
    assert.equal((await admin('PUT', '/_index_template/filament-traces', { ...traces, data_stream: {} })).status, 200);
    for (const stream of ['logs-filament.older-default', 'traces-filament.older-default']) assert.equal((await admin('PUT', `/_data_stream/${stream}`)).status, 200);
    let restored = false;
    try {
      const refused = await asUser(node, WRITER, 'POST', '/_bulk?refresh=true', bulk([['logs-filament.older-default', ss4oLog('api.request', {})]]), 'application/x-ndjson');
      assert.equal(refused.body.items[0].create.status, 400, JSON.stringify(refused.body.items));

      const r = await setup(node, ['--skip', 'retention']);
      restored = r.code === 0;
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /^ {2}updated {6}component template filament-logs@mappings$/m);
      assert.match(r.stdout, /^ {2}updated {6}data stream logs-filament\.older-default \(rolled over: its write index maps body as an object/m);
      assert.match(r.stdout, /^ {2}updated {6}data stream traces-filament\.older-default \(deleted while empty: ordered by @timestamp/m);
      assert.doesNotMatch(r.stdout, /data stream logs-filament\.(api|mes)-default/, 'streams with the current mappings are left alone');

      const taken = await asUser(node, WRITER, 'POST', '/_bulk?refresh=true', bulk([['logs-filament.older-default', ss4oLog('api.request', {})]]), 'application/x-ndjson');
      assert.equal(taken.body.items[0].create.status, 201, JSON.stringify(taken.body.items));
      assert.equal((await admin('GET', '/_data_stream/traces-filament.older-default')).status, 404);
    } finally {
      for (const stream of ['logs-filament.older-default', 'traces-filament.older-default']) await admin('DELETE', `/_data_stream/${stream}`);
      if (!restored) await setup(node, ['--skip', 'retention']); // the current templates for the specs after this one
    }
  });

  it('support searches logs-filament.* (200) and cannot write (403); a user without the role is refused (403)', async () => {
    const query = { query: { term: { 'attributes.event.name': 'api.error' } } };
    const read = await asUser(node, SUPPORT, 'POST', '/logs-filament.*/_search', query);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.hits.total.value, 1);
    assert.equal(read.body.hits.hits[0]._source.attributes['error.message'], 'pricing backend unavailable');

    const write = await asUser(node, SUPPORT, 'POST', '/logs-filament.api-default/_doc', ss4oLog('api.request', {}));
    assert.equal(write.status, 403, JSON.stringify(write.body));

    const created = await asUser(node, node.admin, 'PUT', `/_plugins/_security/api/internalusers/${OUTSIDER.username}`, { password: OUTSIDER.password });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const refused = await asUser(node, OUTSIDER, 'POST', '/logs-filament.*/_search', query);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.match(JSON.stringify(refused.body), /no permissions for \[indices:data\/read\/search\] and User \[name=warehouse/);
  });

  it('the audit log names the support user, the time, the indices and the query of the search, and the refused user', async () => {
    const marker = `audit-marker-${Date.now()}`;
    const before = Date.now();
    const read = await asUser(node, SUPPORT, 'POST', '/logs-filament.*/_search', { query: { match: { body: marker } } });
    assert.equal(read.status, 200);
    const refused = await asUser(node, OUTSIDER, 'POST', '/logs-filament.*/_search', { query: { match: { body: marker } } });
    assert.equal(refused.status, 403);

    const granted = await auditRecords(node, { bool: { filter: [
      { match: { audit_category: 'GRANTED_PRIVILEGES' } },
      { match: { audit_request_effective_user: 'support' } },
      { match_phrase: { audit_request_body: marker } },
    ] } });
    assert.ok(granted.length > 0, 'no GRANTED_PRIVILEGES audit record for the support search');
    const g = granted[0];
    assert.equal(g.audit_request_privilege, 'indices:data/read/search');
    assert.ok(g.audit_trace_indices.includes('logs-filament.*'), JSON.stringify(g));
    assert.ok(Date.parse(g['@timestamp']) >= before - 1000 && Date.parse(g['@timestamp']) <= Date.now(), g['@timestamp']);

    const missing = await auditRecords(node, { bool: { filter: [
      { match: { audit_category: 'MISSING_PRIVILEGES' } },
      { match: { audit_request_effective_user: OUTSIDER.username } },
    ] } });
    assert.ok(missing.length > 0, 'no MISSING_PRIVILEGES audit record for the refused user');
    assert.equal(missing[0].audit_request_privilege, 'indices:data/read/search');

    // The writer is in the trail (issue 21: OpenSearch cannot make it append-only, so what it does is
    // recorded), one record per bulk request — never a read, never a per-document action.
    const writer = await auditRecords(node, { bool: { filter: [{ match: { audit_category: 'GRANTED_PRIVILEGES' } }, { match: { audit_request_effective_user: WRITER.username } }] } });
    assert.ok(writer.length > 0, 'no GRANTED_PRIVILEGES audit record for the writer');
    for (const w of writer) assert.match(w.audit_request_privilege, /^indices:(data\/write\/bulk|admin\/(auto_create|mapping\/auto_put))$/, JSON.stringify(w));
  });

  it('a second run changes nothing and says so', async () => {
    const again = await setup(node, ['--skip', 'retention']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /^\s+(created|updated)\s/m, again.stdout);
    assert.match(again.stdout, /^no changes: everything was already in place$/m);
  });

  it('--dry-run reports what it would change and changes nothing; the next run restores it', async () => {
    const removed = await asUser(node, node.admin, 'DELETE', '/_plugins/_security/api/roles/support');
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    const dry = await setup(node, ['--skip', 'retention', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^ {2}would create role support$/m);
    assert.match(dry.stdout, /^dry run: 1 change\(s\) would be made; nothing was applied$/m);
    assert.equal((await asUser(node, node.admin, 'GET', '/_plugins/_security/api/roles/support')).status, 404);
    const fixed = await setup(node, ['--skip', 'retention']);
    assert.match(fixed.stdout, /^ {2}created {6}role support$/m);
    assert.equal((await asUser(node, SUPPORT, 'POST', '/logs-filament.*/_search')).status, 200);
  });

  it('names any other role that can read the data streams (the ADR allows only support), without changing it', async () => {
    const role = { index_permissions: [{ index_patterns: ['logs-*'], allowed_actions: ['read'] }] };
    assert.equal((await asUser(node, node.admin, 'PUT', '/_plugins/_security/api/roles/analyst', role)).status, 201);
    assert.equal((await asUser(node, node.admin, 'PUT', '/_plugins/_security/api/roles/metrics_other', { index_permissions: [{ index_patterns: ['metrics-other-*'], allowed_actions: ['read'] }] })).status, 201);
    const r = await setup(node, ['--skip', 'retention']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}warning {6}role analyst can also read Filament's data streams \(the ADR allows only support\): review it$/m);
    assert.doesNotMatch(r.stdout, /metrics_other/);
    assert.match(r.stdout, /^no changes/m);
    assert.equal((await asUser(node, node.admin, 'GET', '/_plugins/_security/api/roles/analyst')).status, 200);
  });

  it('imports the dashboards through the saved-objects API, once (a stand-in for OpenSearch Dashboards)', async () => {
    // OpenSearch Dashboards cannot run here: a stand-in with the API's paths, statuses and its
    // anti-CSRF rule records what setup sends; the objects themselves are checked in setup-contract.
    const stub = await startDashboardsStandIn('dashboards');
    const { stored, seen, url: dashboardsUrl } = stub;
    try {
      const firstImport = await setup(node, ['--skip', 'retention', '--dashboards-url', dashboardsUrl]);
      assert.equal(firstImport.code, 0, firstImport.stderr);
      assert.match(firstImport.stdout, /^ {2}created {6}OpenSearch Dashboards saved objects \(8 from dashboards\/opensearch-dashboards\.ndjson\)/m);
      assert.equal(stored.size, 8);
      assert.ok(stored.has('dashboard/filament-overview'));
      const post = seen.find((r) => r.method === 'POST');
      assert.equal(post?.xsrf, 'true');
      assert.equal(post?.auth, `Basic ${Buffer.from(`admin:${node.admin.password}`).toString('base64')}`);
      const again = await setup(node, ['--skip', 'retention', '--dashboards-url', dashboardsUrl]);
      assert.match(again.stdout, /^ {2}unchanged {4}OpenSearch Dashboards saved objects/m);
      assert.match(again.stdout, /^no changes/m);
      assert.equal(seen.filter((r) => r.method === 'POST').length, 1);
    } finally {
      await stub.close();
    }
    const unreachable = await setup(node, ['--skip', 'retention', '--dashboards-url', `http://127.0.0.1:${await freePort()}`]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr.trim(), /^filament setup: cannot reach the dashboards at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): check --dashboards-url$/);
  });

  describe('bad input: one line naming what is missing, nothing applied, non-zero exit', () => {
    function oneLine(r: CliResult): string {
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      return lines[0] as string;
    }

    it('an engine without ISM: retention refused unless skipped', async () => {
      const r = await setup(node, []);
      assert.equal(r.code, 1);
      assert.match(oneLine(r), /has no Index State Management plugin \(opensearch-index-management\): retention cannot be applied/);
      assert.doesNotMatch(r.stdout, /created|updated/);
    });

    it('a wrong URL', async () => {
      const r = await setup({ url: `http://127.0.0.1:${await freePort()}` }, []);
      assert.equal(r.code, 1);
      assert.match(oneLine(r), /^filament setup: cannot reach http:\/\/127\.0\.0\.1:\d+ \(.*\): check --url$/);
    });

    it('wrong credentials', async () => {
      const r = await setup(node, ['--skip', 'retention'], { FILAMENT_SETUP_PASSWORD: 'not-the-password' });
      assert.equal(r.code, 1);
      assert.equal(oneLine(r), `filament setup: authentication failed for user "admin" at ${node.url}: wrong user name or password`);
    });

    it('a user without the security REST API permission', async () => {
      const r = await setup(node, ['--skip', 'retention'], { FILAMENT_SETUP_USERNAME: SUPPORT.username, FILAMENT_SETUP_PASSWORD: SUPPORT.password });
      assert.equal(r.code, 1);
      assert.match(oneLine(r), /^filament setup: user "support" may not read the cluster information: no permissions for \[cluster:monitor\/main\]/);
    });

    it('a support password OpenSearch would refuse (weak; similar to the user name): refused in --dry-run and before the first write', async () => {
      for (const [weak, why] of [['Password1', /too weak \(zxcvbn score 0, the plugin requires 3: password_score_based_validation_strength strong\)/], ['Troppus-Support-17!', /too similar to the user name "support"/]] as const) {
        // The engine itself refuses it (400): setup's preflight says what the write would have said.
        const direct = await asUser(node, node.admin, 'PUT', `/_plugins/_security/api/internalusers/${SUPPORT.username}`, { password: weak });
        assert.equal(direct.status, 400, JSON.stringify(direct.body));
        for (const args of [['--skip', 'retention', '--dry-run'], ['--skip', 'retention']]) {
          const r = await setup(node, args, { FILAMENT_SUPPORT_PASSWORD: weak });
          assert.equal(r.code, 1, r.stdout + r.stderr);
          assert.match(oneLine(r), new RegExp(`^filament setup: the password for user support would be refused by OpenSearch: ${why.source}; choose another FILAMENT_SUPPORT_PASSWORD$`));
          assert.doesNotMatch(r.stdout, /created|updated|would/);
        }
      }
      assert.equal((await asUser(node, SUPPORT, 'POST', '/logs-filament.*/_search')).status, 200, 'support keeps its password');
    });

    it('retention above the ADR ceiling of 180 days', async () => {
      const r = await setup(node, ['--retention-days', '181']);
      assert.equal(r.code, 1);
      assert.equal(oneLine(r), 'filament setup: --retention-days 181 is above 180: the logging ADR keeps logs at most 6 months');
    });

    it('the Elasticsearch engine pointed at OpenSearch', async () => {
      const r = await new Promise<CliResult>((resolve) => execFile(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'setup', '--engine', 'elasticsearch', '--url', node.url, '--skip', 'security'], {
        env: { PATH: process.env.PATH, FILAMENT_SETUP_USERNAME: 'admin', FILAMENT_SETUP_PASSWORD: node.admin.password, FILAMENT_SETUP_CA_CERT: node.caFile ?? '' },
      }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr })));
      assert.equal(r.code, 1);
      assert.match(oneLine(r), /is not Elasticsearch/);
    });

    it('the HTTPS engine without its CA, and plain http:// to its TLS port: one line naming the fix and no secret, exit 1, nothing applied', async () => {
      assert.match(node.url, /^https:\/\/127\.0\.0\.1:\d+$/, 'the test engine serves HTTPS');
      const untrusted = await setup(node, ['--skip', 'retention'], { FILAMENT_SETUP_CA_CERT: '' });
      assert.equal(untrusted.code, 1, untrusted.stdout + untrusted.stderr);
      assert.match(oneLine(untrusted), new RegExp(`^filament setup: cannot verify the TLS certificate of ${node.url.replace(/[.]/g, '\\.')} \\(unable to verify the first certificate[^)]*\\): pass the CA that signed it with --ca-cert FILE \\(FILAMENT_SETUP_CA_CERT\\)$`));
      // The engine's port speaks TLS only: the plugin closes a plaintext connection without an answer.
      const plain = await setup({ ...node, url: node.url.replace(/^https:/, 'http:') }, ['--skip', 'retention']);
      assert.equal(plain.code, 1, plain.stdout + plain.stderr);
      assert.match(oneLine(plain), /^filament setup: cannot reach http:\/\/127\.0\.0\.1:\d+ \(socket hang up\): no HTTP answer; if it serves HTTPS, use an https:\/\/ --url$/);
      for (const r of [untrusted, plain]) {
        assert.doesNotMatch(r.stdout, /created|updated/);
        for (const secret of [node.admin.password, WRITER.password, SUPPORT.password]) assert.ok(!(r.stdout + r.stderr).includes(secret), 'a secret was printed');
      }
    });

    it('an OpenSearch without the security plugin (a real node with plugins.security.disabled; runs last: it stops the shared node)', async () => {
      const r = await withOpenSearchWithoutSecurity((bare) => setup(bare, ['--skip', 'retention']));
      assert.equal(r.code, 1, r.stdout);
      assert.match(oneLine(r), /has no security plugin \(opensearch-security\) enabled: roles, users and the audit log cannot be provisioned; enable it, or --skip security,audit$/);
      assert.doesNotMatch(r.stdout, /created|updated/);
    });
  });
});
