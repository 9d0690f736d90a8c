import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { collectorBinary, readArchive, startCollector, type ArchivedLog, type RunningCollector } from './support/collector';
import { request, ROOT, startFixture } from './support/fixture';

/** Posts hand-built OTLP/JSON logs, as a service without Filament would send them. */
async function postLogs(url: string, records: Record<string, unknown>[], resource: Record<string, string> = {}): Promise<void> {
  const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
  const res = await fetch(`${url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceLogs: [{
        resource: { attributes: attrs({ 'service.name': 'legacy-service', ...resource }) },
        scopeLogs: [{ scope: { name: 'test' }, logRecords: records }],
      }],
    }),
  });
  assert.equal(res.status, 200, await res.text());
}

describe('collector: otelcol-filament (real binary built with ocb)', function () {
  this.timeout(20 * 60 * 1000); // the first build on a new machine compiles the collector

  before(() => {
    collectorBinary();
  });

  it('validates collector/config.yaml', () => {
    const out = execFileSync(collectorBinary(), ['validate', '--config', path.join(ROOT, 'collector', 'config.yaml')], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(out.trim(), '');
  });

  it('validates collector/config.yaml with the analyzer overlay', () => {
    const out = execFileSync(collectorBinary(), ['validate', '--config', path.join(ROOT, 'collector', 'config.yaml'),
      '--config', path.join(ROOT, 'collector', 'config.analyzer.yaml')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(out.trim(), '');
  });

  it('ships only the components of the manifest', () => {
    const out = execFileSync(collectorBinary(), ['components'], { encoding: 'utf8' });
    for (const name of ['otlp', 'memory_limiter', 'batch', 'transform', 'filter', 'attributes', 'redaction', 'file', 'otlp_http', 'health_check', 'file_storage', 'count']) {
      assert.match(out, new RegExp(`name: ${name}\\b`), name);
    }
    // "Only": per kind, the modules the binary reports are exactly the manifest's gomod entries.
    type Listed = { module: string }[] | undefined;
    const shipped = parseYaml(out) as Record<string, Listed>;
    const manifest = parseYaml(fs.readFileSync(path.join(ROOT, 'collector', 'builder-config.yaml'), 'utf8')) as Record<string, { gomod: string }[] | undefined>;
    for (const kind of ['receivers', 'processors', 'exporters', 'connectors', 'extensions', 'providers']) {
      assert.deepEqual((shipped[kind] ?? []).map((c) => c.module).sort(), (manifest[kind] ?? []).map((c) => c.gomod).sort(), kind);
    }
  });

  describe('end to end: preload → collector → archive', () => {
    let collector: RunningCollector;
    let archived: ArchivedLog[];

    before(async () => {
      collector = await startCollector();
      // Default protocol (http/protobuf), as a user would run it.
      const app = await startFixture('http-express.cjs', {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl, OTEL_SERVICE_NAME: 'orders', OTEL_BLRP_SCHEDULE_DELAY: '100' },
      });
      const port = app.port as number;
      await request(port, 'GET', '/orders/ORD-9');
      await request(port, 'GET', '/boom/9');
      await request(port, 'POST', '/orders/ORD-9/status', { customerId: 'C-3', status: 'paid', previousStatus: 'priced' });
      assert.equal((await app.stop()).signal, 'SIGTERM');
      // Another sender, without Filament: deprecated event.name, no severity text, secrets, a probe.
      await postLogs(collector.httpUrl, [
        {
          timeUnixNano: String(Date.now() * 1e6), severityNumber: 13,
          body: { stringValue: 'legacy dead letter' },
          attributes: [
            { key: 'event.name', value: { stringValue: 'queue.dead_lettered' } },
            { key: 'messaging.message.id', value: { stringValue: 'legacy-1' } },
            { key: 'authorization', value: { stringValue: 'Bearer abc' } },
            { key: 'db.password', value: { stringValue: 'hunter2' } },
            { key: 'session_token', value: { stringValue: 'xyz' } },
          ],
        },
        {
          timeUnixNano: String(Date.now() * 1e6), severityNumber: 9, eventName: 'api.request',
          attributes: [{ key: 'http.route', value: { stringValue: '/healthz' } }],
        },
      ], { 'api_key': 'k-123' });
      assert.equal(await collector.stop(), 0, collector.logs());
      archived = readArchive(collector.archiveDir);
    });

    it('keeps the event name, severity, trace id and attributes of every event', () => {
      const names = archived.map((l) => l.eventName).sort();
      assert.deepEqual(names, ['api.error', 'api.request', 'api.request', 'api.request', 'order.status_changed', 'queue.dead_lettered']);
      const err = archived.find((l) => l.eventName === 'api.error');
      assert.equal(err?.severityNumber, 17);
      assert.equal(err?.severityText, 'ERROR');
      assert.match(err?.traceId ?? '', /^[0-9a-f]{32}$/);
      assert.equal(err?.attributes['error.type'], 'TypeError');
      assert.equal(err?.attributes['http.route'], '/boom/:id');
      assert.equal(err?.resource['service.name'], 'orders');
      const order = archived.find((l) => l.eventName === 'order.status_changed');
      assert.equal(order?.attributes['order.number'], 'ORD-9');
      assert.equal(order?.attributes['order.status'], 'paid');
    });

    it('routes each event to its data stream', () => {
      const ds = (name: string) => archived.find((l) => l.eventName === name)?.attributes['data_stream.dataset'];
      assert.equal(ds('api.request'), 'filament.api');
      assert.equal(ds('api.error'), 'filament.api');
      assert.equal(ds('order.status_changed'), 'filament.orders');
      assert.equal(ds('queue.dead_lettered'), 'filament.queue');
      assert.ok(archived.every((l) => l.attributes['data_stream.namespace'] === 'default'));
    });

    it('normalises other senders: deprecated event.name, missing severity text', () => {
      const legacy = archived.find((l) => l.attributes['messaging.message.id'] === 'legacy-1');
      assert.equal(legacy?.eventName, 'queue.dead_lettered');
      assert.equal(legacy?.attributes['event.name'], undefined);
      assert.equal(legacy?.severityText, 'WARN');
    });

    it('removes anything that could hold a secret, from records and resources', () => {
      const legacy = archived.find((l) => l.attributes['messaging.message.id'] === 'legacy-1');
      assert.ok(legacy);
      for (const key of ['authorization', 'db.password', 'session_token']) assert.equal(legacy.attributes[key], undefined, key);
      assert.equal(legacy.resource['api_key'], undefined);
      assert.equal(legacy.resource['service.name'], 'legacy-service');
    });

    it('drops health-probe records', () => {
      assert.ok(!archived.some((l) => l.attributes['http.route'] === '/healthz'));
    });
  });

  it('rotates the archive at 10 MB: no file larger, nothing lost', async () => {
    const collector = await startCollector();
    const body = 'x'.repeat(1000);
    const posts = 13;
    const perPost = 1000;
    for (let p = 0; p < posts; p++) {
      await postLogs(collector.httpUrl, Array.from({ length: perPost }, (_, i) => ({
        timeUnixNano: String(Date.now() * 1e6), severityNumber: 9, eventName: 'queue.message',
        body: { stringValue: body }, attributes: [{ key: 'messaging.message.id', value: { stringValue: `m-${p}-${i}` } }],
      })));
    }
    assert.equal(await collector.stop(), 0, collector.logs());
    const files = fs.readdirSync(collector.archiveDir).filter((f) => f.startsWith('filament-logs'));
    assert.ok(files.length >= 2, `rotated: ${files.join(', ')}`);
    for (const f of files) {
      const size = fs.statSync(path.join(collector.archiveDir, f)).size;
      assert.ok(size <= 10 * 1024 * 1024, `${f}: ${size} bytes`);
    }
    const ids = new Set(readArchive(collector.archiveDir).map((l) => l.attributes['messaging.message.id']));
    assert.equal(ids.size, posts * perPost);
  });
});
