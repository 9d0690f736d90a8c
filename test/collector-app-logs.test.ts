import assert from 'node:assert/strict';
import { collectorBinary, readArchive, startCollector, type ArchivedLog } from './support/collector';
import { startFixture } from './support/fixture';

/** One OTLP/JSON log record under a scope, as upstream's register would send a bridged pino line. */
async function postScoped(url: string, scope: string, record: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceLogs: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'upstream-register' } }] },
        scopeLogs: [{ scope: { name: scope }, logRecords: [record] }],
      }],
    }),
  });
  assert.equal(res.status, 200, await res.text());
}

describe('collector: the services\' own log lines go to their own data stream (filament.app)', function () {
  this.timeout(20 * 60 * 1000); // the first build on a new machine compiles the collector
  let archived: ArchivedLog[];

  before(async () => {
    collectorBinary();
    const collector = await startCollector();
    try {
      for (const logger of ['pino', 'winston', 'bunyan']) {
        const app = await startFixture('logs-app.cjs', {
          readyText: 'DONE',
          args: [logger],
          env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl, OTEL_SERVICE_NAME: `orders-${logger}`, OTEL_BLRP_SCHEDULE_DELAY: '100' },
        });
        assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
      }
      // A bridged record from a service without Filament that names one of the six events.
      await postScoped(collector.httpUrl, '@opentelemetry/instrumentation-pino', {
        timeUnixNano: String(Date.now() * 1e6), severityNumber: 17, eventName: 'api.error',
        body: { stringValue: 'not an api.error event' },
      });
      // Filament's own events keep their streams.
      await postScoped(collector.httpUrl, 'filament-otel', {
        timeUnixNano: String(Date.now() * 1e6), severityNumber: 9, eventName: 'order.status_changed',
        attributes: [{ key: 'order.number', value: { stringValue: 'ORD-1' } }],
      });
    } finally {
      assert.equal(await collector.stop(), 0, collector.logs());
    }
    archived = readArchive(collector.archiveDir);
  });

  it('routes every bridged record of each logger to filament.app (logs-filament.app.otel-default)', () => {
    for (const logger of ['pino', 'winston', 'bunyan']) {
      const records = archived.filter((l) => l.resource['service.name'] === `orders-${logger}`);
      assert.equal(records.length, 3, logger);
      for (const r of records) {
        assert.equal(r.attributes['data_stream.dataset'], 'filament.app', `${logger}: ${String(r.body)}`);
        assert.equal(r.attributes['data_stream.namespace'], 'default');
      }
      const declined = records.find((r) => r.body === 'payment declined for [MASKED]');
      assert.equal(declined?.severityText, 'warn');
      assert.match(declined?.traceId ?? '', /^[0-9a-f]{32}$/);
      assert.equal(declined?.attributes['field.order'], 'ORD-7');
    }
  });

  it('keeps a bridged record that names an event in filament.app, and the events in theirs', () => {
    const claimed = archived.find((l) => l.body === 'not an api.error event');
    assert.equal(claimed?.attributes['data_stream.dataset'], 'filament.app');
    const event = archived.find((l) => l.eventName === 'order.status_changed');
    assert.equal(event?.attributes['data_stream.dataset'], 'filament.orders');
  });
});
