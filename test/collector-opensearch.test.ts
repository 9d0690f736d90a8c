/**
 * The OpenSearch leg as far as it can run here: the real otelcol-filament
 * with collector/config.yaml + collector/config.opensearch.yaml, the contrib
 * opensearch exporter (not buildable here) and its basicauth extension
 * swapped for an OTLP stand-in that keeps the exporter's own exporterhelper
 * settings (timeout, retry_on_failure, sending_queue on file_storage: the same
 * core exporterhelper in both). What the stand-in receives is what the
 * exporter would be handed: every record and span carries the attributes its
 * index placeholders name. And the overlay's retry and disk queue do what it
 * says: a batch the store refuses survives the collector's stop and arrives
 * through the next process.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor } from '../scripts/lib/procs.cjs';
import { startCollector } from './support/collector';
import { request, startFixture } from './support/fixture';
import { OtlpReceiver } from './support/otlpReceiver';
import { readCollectorYaml, standInOverlay, type Yaml } from './support/standin';

const overlay = readCollectorYaml('config.opensearch.yaml');
const exporter = (overlay.exporters as Yaml).opensearch as Yaml;
/** The attribute names in an index template such as `logs-%{data_stream.dataset}-%{data_stream.namespace}`. */
const placeholders = (template: unknown): string[] => [...String(template).matchAll(/%\{([^}]+)\}/g)].map((m) => m[1] as string);

describe('collector: the OpenSearch pipelines (real binary, exporter swapped for an OTLP stand-in)', function () {
  this.timeout(3 * 60 * 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-os-'));
  const os_ = new OtlpReceiver();

  before(async () => {
    await os_.start();
    const file = standInOverlay('config.opensearch.yaml', 'opensearch', os_.url, dir, ['basicauth/opensearch'], true);
    const collector = await startCollector({}, { overlays: [file] });
    const app = await startFixture('http-express.cjs', {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl, OTEL_SERVICE_NAME: 'orders', OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    await request(app.port as number, 'GET', '/orders/ORD-3');
    await request(app.port as number, 'POST', '/orders/ORD-3/status', { customerId: 'C-3', status: 'paid', previousStatus: 'priced' });
    await app.stop();
    // The queue is on disk: a stop does not drain it, so the records are awaited before the stop.
    await waitFor('both events and a span at the stand-in', 30_000, () =>
      (os_.events('api.request').length > 0 && os_.events('order.status_changed').length > 0 && os_.spans.length > 0 ? true : undefined));
    assert.equal(await collector.stop(), 0, collector.logs());
  });

  after(async () => {
    await os_.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every event record carries the attributes its logs_index placeholders name', () => {
    const names = placeholders(exporter.logs_index);
    assert.deepEqual(names, ['data_stream.dataset', 'data_stream.namespace']);
    const events = os_.logs.filter((l) => l.eventName !== undefined);
    assert.ok(events.some((l) => l.eventName === 'api.request') && events.some((l) => l.eventName === 'order.status_changed'));
    for (const l of events) for (const n of names) assert.equal(typeof l.attributes[n], 'string', `${l.eventName} ${n}`);
    assert.equal(os_.events('order.status_changed')[0]?.attributes['data_stream.dataset'], 'filament.orders');
  });

  it('every event record carries its event name as the attribute event.name (the exporter\'s SS4O document has no field for it); a bridged line without one gets none', () => {
    const events = os_.logs.filter((l) => l.eventName !== undefined && l.eventName !== '');
    assert.ok(events.length >= 2);
    for (const l of events) assert.equal(l.attributes['event.name'], l.eventName, `${l.eventName}`);
    for (const l of os_.logs.filter((x) => x.eventName === undefined || x.eventName === '')) assert.equal(l.attributes['event.name'], undefined);
  });

  it('every span carries the attributes its traces_index placeholders name', () => {
    const names = placeholders(exporter.traces_index);
    assert.ok(os_.spans.length > 0);
    for (const s of os_.spans) for (const n of names) assert.equal(typeof s.attributes[n], 'string', `${s.name} ${n}`);
  });
});

describe('collector: config.opensearch.yaml\'s retry and queue on disk (real binary, the overlay\'s own exporterhelper settings)', function () {
  this.timeout(2 * 60 * 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-os-queue-'));
  const store = new OtlpReceiver();
  after(async () => {
    await store.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a batch the store refuses (503) is retried, not dropped; stopped meanwhile, the collector leaves it on disk and the next process delivers it', async () => {
    await store.start();
    store.failStatus = 503;
    const file = standInOverlay('config.opensearch.yaml', 'opensearch', store.url, dir, ['basicauth/opensearch'], true);
    let collector = await startCollector({}, { overlays: [file] });
    const marker = `os-queue-${process.pid}-${Date.now()}`;
    const res = await fetch(`${collector.httpUrl}/v1/logs`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
        scopeLogs: [{ logRecords: [{ timeUnixNano: String(Date.now() * 1e6), severityNumber: 9, eventName: 'order.status_changed', body: { stringValue: marker } }] }],
      }] }),
    });
    assert.equal(res.status, 200, await res.text());
    // Offered and refused twice: the first attempt and a retry (initial_interval 1 s).
    await waitFor('a refused attempt and its retry', 30_000, () => (store.refused >= 2 ? true : undefined));
    assert.doesNotMatch(collector.logs(), /Dropping data|no more retries left|not retryable error/, 'a 503 is retried, not dropped');
    assert.equal(await collector.stop(), 0, collector.logs());
    // The store recovers; a new process on the same storage directory finds the batch in its queue.
    store.failStatus = undefined;
    collector = await startCollector({}, { overlays: [file], dir: collector.dir });
    try {
      const arrived = await waitFor('the refused batch, delivered by the next process', 30_000, () =>
        (store.logs.some((l) => JSON.stringify(l).includes(marker)) ? true : undefined)).catch(() => false);
      assert.ok(arrived, `the batch was lost across the stop\n${collector.logs().slice(-2000)}`);
    } finally {
      await collector.stop();
    }
  });

  it("lists config.yaml's log processors, with the event name's attribute after transform/logs (which computes the document id) and before batch", () => {
    const pipelines = (name: string): Record<string, { processors?: string[] }> =>
      ((name === 'config.yaml' ? readCollectorYaml('config.yaml') : overlay).service as { pipelines: Record<string, { processors?: string[] }> }).pipelines;
    const base = pipelines('config.yaml').logs?.processors ?? [];
    const mine = pipelines('config.opensearch.yaml').logs?.processors ?? [];
    assert.deepEqual(mine.filter((p) => p !== 'transform/opensearch_event_name'), base);
    assert.equal(mine.indexOf('transform/opensearch_event_name'), mine.indexOf('transform/logs') + 1);
    assert.equal(mine.at(-1), 'batch');
  });

  it("keeps config.yaml's extensions when it adds its own", () => {
    const base = (readCollectorYaml('config.yaml').service as { extensions: string[] }).extensions;
    const mine = (overlay.service as { extensions: string[] }).extensions;
    for (const e of base) assert.ok(mine.includes(e), e);
  });
});
