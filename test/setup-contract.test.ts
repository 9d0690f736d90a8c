/**
 * What cannot run here — ISM, Elasticsearch, Kibana, OpenSearch Dashboards — checked by types and
 * contract: the request bodies are typed against the official clients' TypeScript types (the
 * typecheck of `make test` fails on a wrong field), and this file checks that every field the
 * mappings and the dashboards reference exists in the event contract (docs/events.md) or in the
 * elasticsearch exporter's otel-mode document (docs/collector.md), with the intended type.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { estypes } from '@elastic/elasticsearch';
import { EVENT_NAMES } from '../src/semconv';
import { ATTRIBUTE_FIELDS, contractFieldPaths, DOCUMENT_FIELDS } from '../src/setup/mappings';
import { DASHBOARDS_DIR, readSavedObjects } from '../src/setup/dashboards';
import { auditRetentionPolicy, retentionPolicy } from '../src/setup/opensearch';
import { auditSettings, customComponent, ilmPolicy, writerRole } from '../src/setup/elasticsearch';
import { parseSetupOptions } from '../src/setup/options';
import { SetupError } from '../src/setup/errors';
import { ROOT } from './support/fixture';

/** Attribute name → type, from every `| \`name\` | type | meaning |` row of docs/events.md. */
function documentedAttributes(): Map<string, string> {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'events.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of doc.matchAll(/^\| `([a-z0-9_.]+)` \| (string|int|double|bool) \|/gm)) out.set(m[1] as string, m[2] as string);
  return out;
}

/**
 * Top-level fields of a log document as each store's exporter writes it (docs/collector.md names them):
 * the elasticsearch exporter's otel mode, and the opensearch exporter's SS4O document with the event
 * name as the attribute event.name (collector/config.opensearch.yaml).
 */
const EXPORTER_FIELDS = {
  otel: ['@timestamp', 'event_name', 'severity_text', 'severity_number', 'trace_id', 'span_id', 'body.text', 'resource.attributes.service.name'],
  ss4o: ['@timestamp', 'observedTimestamp', 'attributes.event.name', 'eventName', 'severity.text', 'severity.number', 'traceId', 'spanId', 'body', 'resource.service.name'],
};
/** Where each shape keeps the event name. */
const EVENT_NAME_FIELD = { otel: 'event_name', ss4o: 'attributes.event.name' };
type Shape = keyof typeof EXPORTER_FIELDS;

function fieldExists(field: string, shape: Shape = 'otel'): boolean {
  if (EXPORTER_FIELDS[shape].includes(field)) return true;
  if (field.startsWith('attributes.')) return documentedAttributes().has(field.slice('attributes.'.length));
  return false;
}

/** Every field a visualization refers to: aggregation fields, TSVB fields and KQL `field:"value"` terms. */
function referencedFields(visState: any, searchSource: any, shape: Shape): { fields: string[]; eventNames: string[] } {
  const fields: string[] = [];
  const queries: string[] = [];
  for (const agg of visState.aggs ?? []) if (agg.params?.field) fields.push(agg.params.field);
  const p = visState.params ?? {};
  if (p.time_field) fields.push(p.time_field);
  for (const s of p.series ?? []) {
    if (s.filter?.query) queries.push(s.filter.query);
    for (const m of s.metrics ?? []) {
      if (m.field) fields.push(m.field);
      if (m.numerator?.query) queries.push(m.numerator.query);
      if (m.denominator?.query) queries.push(m.denominator.query);
    }
  }
  if (searchSource?.query?.query) queries.push(searchSource.query.query);
  const eventNames: string[] = [];
  for (const q of queries) {
    for (const m of q.matchAll(/([A-Za-z0-9_.@]+):"([^"]*)"/g)) {
      fields.push(m[1] as string);
      if (m[1] === EVENT_NAME_FIELD[shape]) eventNames.push(m[2] as string);
    }
  }
  return { fields, eventNames };
}

describe('filament setup: what runs nowhere here, verified by types and contract', () => {
  it('every mapped attribute is in docs/events.md with the matching type', () => {
    const documented = documentedAttributes();
    const expected: Record<string, string> = { string: 'keyword', int: 'long', double: 'double', bool: 'boolean' };
    for (const [name, type] of Object.entries(ATTRIBUTE_FIELDS)) {
      const docType = documented.get(name);
      assert.ok(docType, `${name} is mapped but not in docs/events.md`);
      assert.equal(type, expected[docType as string], `${name}: docs say ${docType}, mapped ${type}`);
    }
    // Ids, event name and the contract's numbers are all typed (the list).
    for (const name of ['customer.id', 'order.number', 'messaging.message.id', 'model3d.polygon_count', 'model3d.cost', 'model3d.processing_time_ms', 'api.request.duration_ms']) {
      assert.ok(name in ATTRIBUTE_FIELDS, name);
    }
    assert.equal(DOCUMENT_FIELDS.event_name, 'keyword');
    assert.equal(DOCUMENT_FIELDS.trace_id, 'keyword');
    for (const shape of ['otel', 'ss4o'] as const) {
      for (const field of Object.keys(contractFieldPaths(shape))) assert.ok(fieldExists(field, shape), `${field} is neither contract nor ${shape} exporter shape`);
    }
  });

  for (const [file, shape] of [['kibana.ndjson', 'otel'], ['opensearch-dashboards.ndjson', 'ss4o']] as const) {
    it(`dashboards/${file}: parses, and every field and event it references exists in the ${shape} documents its store holds`, () => {
      const objects = readSavedObjects(path.join(DASHBOARDS_DIR, file));
      const byId = new Map(objects.map((o) => [`${o.type}/${o.id}`, o]));
      const visualizations = objects.filter((o) => o.type === 'visualization');
      assert.deepEqual(visualizations.map((v) => v.id).sort(), [
        'filament-dead-letters-by-reason', 'filament-error-rate', 'filament-errors-by-service-code',
        'filament-pricing-time-per-polygon', 'filament-queue-throughput', 'filament-response-time-by-route',
      ]);
      const dataView = byId.get('index-pattern/filament-logs');
      assert.equal(dataView?.attributes.title, 'logs-filament.*');
      assert.equal(dataView?.attributes.timeFieldName, '@timestamp');
      const seen = new Set<string>();
      for (const v of visualizations) {
        const visState = JSON.parse(v.attributes.visState as string);
        const searchSource = JSON.parse((v.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON);
        const { fields, eventNames } = referencedFields(visState, searchSource, shape);
        assert.ok(fields.length > 0, `${v.id} references no field`);
        for (const f of fields) assert.ok(fieldExists(f, shape), `${v.id}: field ${f} is in neither docs/events.md nor the exporter's ${shape} document`);
        for (const e of eventNames) assert.ok((EVENT_NAMES as readonly string[]).includes(e), `${v.id}: event ${e} is not in the contract`);
        for (const e of eventNames) seen.add(e);
        if (visState.type === 'metrics') assert.equal(visState.params.index_pattern, 'logs-filament.*');
        for (const r of v.references ?? []) assert.ok(byId.has(`${r.type}/${r.id}`), `${v.id}: dangling reference ${r.type}/${r.id}`);
      }
      // The panels select events by the field this store keeps the event name in.
      assert.deepEqual([...seen].sort(), ['api.error', 'api.request', 'model3d.priced', 'queue.dead_lettered', 'queue.message']);
      const dashboard = objects.find((o) => o.type === 'dashboard');
      assert.ok(dashboard);
      const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as Array<{ panelRefName: string }>;
      const refs = new Map((dashboard.references ?? []).map((r) => [r.name, r]));
      assert.equal(panels.length, visualizations.length);
      for (const p of panels) assert.ok(byId.has(`visualization/${refs.get(p.panelRefName)?.id}`), `dashboard panel ${p.panelRefName} has no visualization`);
    });
  }

  it('retention bodies: ILM deletes within the limit counted from rollover, ISM from creation, audit kept its own time', () => {
    const ilm: estypes.IlmPolicy = ilmPolicy(180);
    assert.equal(ilm.phases.delete?.min_age, '179d');
    assert.equal(ilm.phases.hot?.actions?.rollover?.max_age, '1d');
    const ism = retentionPolicy(30);
    assert.deepEqual(ism.states?.[0]?.transitions, [{ state_name: 'delete', conditions: { min_index_age: '30d' } }]);
    assert.deepEqual((ism.ism_template as Array<{ index_patterns: string[] }>)[0]?.index_patterns, ['logs-filament.*', 'traces-filament.*', 'metrics-filament.*']);
    assert.deepEqual((auditRetentionPolicy(90).ism_template as Array<{ index_patterns: string[] }>)[0]?.index_patterns, ['security-auditlog-*']);
    const logs = customComponent('logs', true, true);
    assert.deepEqual(logs.settings, { index: { lifecycle: { name: 'filament-retention' } } });
    const paths = (logs.mappings?.dynamic_templates ?? []).map((t) => Object.values(t)[0]?.path_match);
    assert.ok(paths.includes('attributes.model3d.cost'));
    assert.equal(customComponent('metrics', true, true).mappings, undefined);
  });

  it('Elasticsearch writer and audit: the exporter\'s minimum, the writer left out of the trail', () => {
    assert.deepEqual(writerRole().indices?.[0]?.privileges, ['auto_configure', 'create_doc']);
    assert.deepEqual(auditSettings()['xpack.security.audit.logfile.events.ignore_filters.filament_writer.users'], ['filament_writer']);
  });

  it('the engines\' clients stay out of the preload services load (the CLI is its own entry)', () => {
    const preload = ['preload.js', 'preload-bundle.js'].map((f) => fs.readFileSync(path.join(ROOT, 'dist', f), 'utf8')).join('\n');
    assert.doesNotMatch(preload, /@opensearch-project\/opensearch|@elastic\/elasticsearch|@elastic\/transport/);
    assert.match(fs.readFileSync(path.join(ROOT, 'dist', 'cli.js'), 'utf8'), /^#!\/usr\/bin\/env node/);
  });

  it('options: 180 days is the ceiling, 0 and fractions are refused, secrets come from the environment', () => {
    const env = { FILAMENT_SETUP_USERNAME: 'a', FILAMENT_SETUP_PASSWORD: 'b', FILAMENT_WRITER_PASSWORD: 'c', FILAMENT_SUPPORT_PASSWORD: 'd' };
    const ok = parseSetupOptions(['--engine', 'elasticsearch', '--url', 'http://127.0.0.1:9200/', '--retention-days', '180'], env);
    assert.ok(ok !== 'help');
    assert.equal(ok.retentionDays, 180);
    assert.equal(ok.url, 'http://127.0.0.1:9200');
    for (const [args, message] of [
      [['--retention-days', '181'], /above 180/],
      [['--retention-days', '0'], /at least 1 day/],
      [['--retention-days', '1.5'], /whole number/],
      [['--skip', 'nothing'], /unknown step "nothing"/],
    ] as const) {
      assert.throws(() => parseSetupOptions(['--engine', 'opensearch', '--url', 'https://x', ...args], env), (e: unknown) => e instanceof SetupError && message.test(e.message));
    }
    assert.throws(() => parseSetupOptions(['--engine', 'opensearch', '--url', 'https://x'], { ...env, FILAMENT_WRITER_PASSWORD: '' }), /FILAMENT_WRITER_PASSWORD/);
    assert.throws(() => parseSetupOptions(['--engine', 'solr', '--url', 'https://x'], env), /--engine must be elasticsearch or opensearch/);
  });

  it('options: plain http:// only to loopback — beyond it the administrator\'s password would cross the network in clear text', () => {
    const env = { FILAMENT_SETUP_USERNAME: 'a', FILAMENT_SETUP_PASSWORD: 'S3cret-of-the-admin', FILAMENT_WRITER_PASSWORD: 'c', FILAMENT_SUPPORT_PASSWORD: 'd' };
    for (const url of ['http://127.0.0.1:9200', 'http://localhost:9200', 'http://[::1]:9200', 'https://es.internal:9200']) {
      const ok = parseSetupOptions(['--engine', 'elasticsearch', '--url', url], env);
      assert.ok(ok !== 'help' && ok.url === url, url);
    }
    for (const [flag, url] of [['--url', 'http://es.internal:9200'], ['--url', 'http://10.0.0.5:9200'], ['--url', 'http://127.0.0.1.nip.io:9200'],
      ['--dashboards-url', 'http://kibana:5601']] as const) {
      const args = ['--engine', 'opensearch', '--url', 'https://es.internal:9200', flag, url];
      for (const command of ['setup', 'verify'] as const) {
        assert.throws(() => parseSetupOptions(args, env, command), (e: unknown) => e instanceof SetupError
          && e.message.startsWith(`${flag} ${new URL(url).origin} is plain HTTP beyond this machine`) && !e.message.includes('S3cret'), `${command} ${flag} ${url}`);
      }
    }
  });
});
