/**
 * The OpenSearch leg as far as it can run here: the real otelcol-filament
 * with collector/config.yaml + collector/config.opensearch.yaml, the contrib
 * opensearch exporter (not buildable here) and its basicauth extension
 * swapped for an OTLP stand-in. What the stand-in receives is what the
 * exporter would be handed: every record and span carries the attributes its
 * index placeholders name.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
    const file = standInOverlay('config.opensearch.yaml', 'opensearch', os_.url, dir, ['basicauth/opensearch']);
    const collector = await startCollector({}, { overlays: [file] });
    const app = await startFixture('http-express.cjs', {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl, OTEL_SERVICE_NAME: 'orders', OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    await request(app.port as number, 'GET', '/orders/ORD-3');
    await request(app.port as number, 'POST', '/orders/ORD-3/status', { customerId: 'C-3', status: 'paid', previousStatus: 'priced' });
    await app.stop();
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

  it('every span carries the attributes its traces_index placeholders name', () => {
    const names = placeholders(exporter.traces_index);
    assert.ok(os_.spans.length > 0);
    for (const s of os_.spans) for (const n of names) assert.equal(typeof s.attributes[n], 'string', `${s.name} ${n}`);
  });
});

describe('collector: config.opensearch.yaml settings (from the exporter README/config.go)', () => {
  it('retries without a deadline and queues on disk (file_storage)', () => {
    assert.deepEqual(exporter.retry_on_failure, { enabled: true, initial_interval: '1s', max_interval: '30s', max_elapsed_time: 0 });
    const queue = exporter.sending_queue as Yaml;
    assert.equal(queue.enabled, true);
    assert.equal(queue.storage, 'file_storage');
    assert.equal(exporter.bulk_action, 'create');
  });

  it("keeps config.yaml's extensions when it adds its own", () => {
    const base = (readCollectorYaml('config.yaml').service as { extensions: string[] }).extensions;
    const mine = (overlay.service as { extensions: string[] }).extensions;
    for (const e of base) assert.ok(mine.includes(e), e);
  });
});
