// Writes the saved objects `filament setup --dashboards-url` imports: dashboards/kibana.ndjson and
// dashboards/opensearch-dashboards.ndjson. Aggregation-based and TSVB visualizations (saved object
// type `visualization`, migration version 7.10.0) import into both Kibana 8 and OpenSearch
// Dashboards 2; each product migrates them on import. Fields are those of the documents each store's
// exporter writes (docs/collector.md) and the event contract (docs/events.md): the elasticsearch
// exporter's otel-mode document for Kibana, the opensearch exporter's SS4O document for OpenSearch
// Dashboards (the event name as the attribute event.name, the resource under resource.<name>);
// test/setup-contract.test.ts checks every reference. Run: node scripts/dashboards.mjs
import { writeFileSync } from 'node:fs';

const DATA_VIEW = 'filament-logs';
const TITLE = 'logs-filament.*';
const search = (query) => ({
  kibanaSavedObjectMeta: {
    searchSourceJSON: JSON.stringify({ query: { query, language: 'kuery' }, filter: [], indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index' }),
  },
});
const ref = [{ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: DATA_VIEW }];
const count = { id: '1', enabled: true, type: 'count', schema: 'metric', params: {} };
const terms = (id, field, schema, size = 10) => ({ id, enabled: true, type: 'terms', schema, params: { field, size, order: 'desc', orderBy: '1', otherBucket: true, missingBucket: false } });
const dateHistogram = (id) => ({ id, enabled: true, type: 'date_histogram', schema: 'segment', params: { field: '@timestamp', interval: 'auto', min_doc_count: 1, extended_bounds: {} } });

function aggVis(id, title, type, query, aggs, params = {}) {
  return {
    id, type: 'visualization', migrationVersion: { visualization: '7.10.0' }, references: ref,
    attributes: {
      title, description: '', version: 1, uiStateJSON: '{}',
      visState: JSON.stringify({ title, type, aggs, params: { perPage: 20, addTooltip: true, addLegend: true, ...params } }),
      ...search(query),
    },
  };
}

function tsvb(id, title, query, metrics, extra = {}) {
  return {
    id, type: 'visualization', migrationVersion: { visualization: '7.10.0' }, references: [],
    attributes: {
      title, description: '', version: 1, uiStateJSON: '{}',
      visState: JSON.stringify({
        title, type: 'metrics', aggs: [],
        params: {
          id, type: 'timeseries', index_pattern: TITLE, time_field: '@timestamp', interval: 'auto',
          series: [{ id: `${id}-s`, label: title, split_mode: 'everything', metrics, filter: { query, language: 'kuery' }, chart_type: 'line', ...extra }],
        },
      }),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
  };
}

/** Where each product's documents keep the event name and the service (src/setup/mappings.ts). */
const FIELDS = {
  'kibana.ndjson': { event: 'event_name', service: 'resource.attributes.service.name' },
  'opensearch-dashboards.ndjson': { event: 'attributes.event.name', service: 'resource.service.name' },
};

function savedObjects({ event, service }) {
  const is = (name) => `${event}:"${name}"`;
  const visualizations = [
    aggVis('filament-errors-by-service-code', 'Filament: API errors by service and code', 'table', is('api.error'),
      [count, terms('2', service, 'bucket'), terms('3', 'attributes.http.response.status_code', 'bucket'), terms('4', 'attributes.error.type', 'bucket')]),
    tsvb('filament-error-rate', 'Filament: API error rate', '', [{
      id: 'rate', type: 'filter_ratio', metric_agg: 'count',
      numerator: { query: is('api.error'), language: 'kuery' },
      denominator: { query: is('api.request'), language: 'kuery' },
    }], { formatter: 'percent' }),
    aggVis('filament-response-time-by-route', 'Filament: API response time p50/p95/p99 by route (ms)', 'table', is('api.request'),
      [{ id: '1', enabled: true, type: 'percentiles', schema: 'metric', params: { field: 'attributes.api.request.duration_ms', percents: [50, 95, 99] } },
        terms('2', 'attributes.http.route', 'bucket', 25)]),
    tsvb('filament-pricing-time-per-polygon', 'Filament: pricing time per polygon (ms)', is('model3d.priced'), [
      { id: 'time', type: 'sum', field: 'attributes.model3d.processing_time_ms' },
      { id: 'polygons', type: 'sum', field: 'attributes.model3d.polygon_count' },
      { id: 'per-polygon', type: 'math', script: 'params.time / params.polygons', variables: [{ id: 'v1', name: 'time', field: 'time' }, { id: 'v2', name: 'polygons', field: 'polygons' }] },
    ]),
    aggVis('filament-queue-throughput', 'Filament: queue throughput (messages sent and received)', 'line', is('queue.message'),
      [count, dateHistogram('2'), terms('3', 'attributes.messaging.operation.type', 'group')]),
    aggVis('filament-dead-letters-by-reason', 'Filament: dead letters by reason', 'table', is('queue.dead_lettered'),
      [count, terms('2', 'attributes.queue.dead_letter.reason', 'bucket'), terms('3', 'attributes.queue.dead_letter.queue', 'bucket')]),
  ];

  const dataView = {
    id: DATA_VIEW, type: 'index-pattern', migrationVersion: { 'index-pattern': '7.6.0' }, references: [],
    attributes: { title: TITLE, timeFieldName: '@timestamp' },
  };

  const dashboard = {
    id: 'filament-overview', type: 'dashboard', migrationVersion: { dashboard: '7.9.3' },
    references: visualizations.map((v, i) => ({ name: `panel_${i}`, type: 'visualization', id: v.id })),
    attributes: {
      title: 'Filament: errors, response time, pricing and queues', description: 'The logging ADR\'s dashboards: error count and rate, response time, performance, queue health.',
      version: 1, timeRestore: false, optionsJSON: JSON.stringify({ hidePanelTitles: false, useMargins: true }),
      panelsJSON: JSON.stringify(visualizations.map((v, i) => ({
        version: '7.10.0', panelIndex: String(i + 1), panelRefName: `panel_${i}`, embeddableConfig: {},
        gridData: { x: (i % 2) * 24, y: Math.floor(i / 2) * 15, w: 24, h: 15, i: String(i + 1) },
      }))),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
  };

  return [dataView, ...visualizations, dashboard];
}

let written = 0;
for (const [file, fields] of Object.entries(FIELDS)) {
  const objects = savedObjects(fields);
  written = objects.length;
  writeFileSync(new URL(`../dashboards/${file}`, import.meta.url), `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`);
}
process.stdout.write(`dashboards: ${written} saved objects each → dashboards/kibana.ndjson, dashboards/opensearch-dashboards.ndjson\n`);
